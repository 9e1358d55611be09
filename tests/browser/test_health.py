"""The health page in Debian's Chromium: workers and beat with their last heartbeat, a silent
one marked stale, and the plain warning when no worker runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import launched_chromium, shoot
from tests.factories import ProcessHeartbeatFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def tab(chromium, live_server, world) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    problems: list[str] = []
    # a console 404 names no URL: failed requests are checked by URL (the favicon aside)
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None)
    tab.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    tab.goto("/login/")
    tab.fill("#id_username", world.member.username)
    tab.fill("#id_password", "pw-for-tests-123")
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    yield tab
    context.close()
    assert not problems


def test_no_worker_ever_seen_is_said_plainly(tab):
    tab.goto("/health/")
    expect(tab.locator(".no-worker")).to_contain_text("No worker is running: events are queued, not processed.")
    expect(tab.locator(".no-beat")).to_contain_text("Beat has never run")


def test_workers_and_beat_with_their_last_heartbeat(tab):
    ProcessHeartbeatFactory(hostname="celery@web-1", queues=["ingest", "index", "alerts"])
    ProcessHeartbeatFactory(hostname="celery@web-2", last_seen=timezone.now() - timedelta(minutes=5))
    ProcessHeartbeatFactory(kind="beat", hostname="beat@web-1", queues=[])
    tab.goto("/health/")
    alive = tab.locator("tr.process-worker.process-alive")
    expect(alive).to_contain_text("celery@web-1")
    expect(alive).to_contain_text("last seen just now")
    assert alive.locator("time.rel").first.get_attribute("title")  # the exact instant, localised
    expect(tab.locator("tr.process-worker.process-stale")).to_contain_text("5 min ago")
    expect(tab.locator("tr.process-beat.process-alive")).to_contain_text("beat@web-1")
    expect(tab.locator(".no-worker")).to_have_count(0)
    shoot(tab, "health")
