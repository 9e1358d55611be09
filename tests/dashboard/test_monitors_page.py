"""The monitors page lists each monitor per environment with its status, last check-in, next
expected run and its issue; another team's monitors are not shown."""

from __future__ import annotations

import pytest

from errorhub.monitors.models import MonitorEnvironment
from tests.monitors.history import monitors  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_monitors_page_shows_state_and_links_the_issue(login, world, monitors):  # noqa: F811
    html = login(world.member).get("/monitors/").content.decode()
    failing = MonitorEnvironment.objects.get(monitor__slug="nightly-export", environment="production")
    assert "nightly-export" in html and "staging" in html and "Europe/Vienna" in html
    assert f'href="/issues/{failing.issue_id}/"' in html and ">error<" in html
    assert "2026-03-03" in html, "the next run (03:00 Vienna) is shown"
    assert "billing-sync" not in html, "another team's monitor"


def test_nav_links_the_monitors_page(login, world):
    assert 'href="/monitors/"' in login(world.member).get("/").content.decode()
