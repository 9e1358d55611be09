"""The releases page shows what sentry-cli told ErrorHub about each release: when it was
finalised, its commits and its last deploy, beside its new issues, regressions and crash-free
sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.issues.release_services import CommitData, deploy_create, release_create, release_update
from ingest.models import SessionAggregate
from tests.issues.events import issue_of, record

pytestmark = pytest.mark.django_db


def test_a_finalised_deployed_release_with_its_issues_and_sessions(login, world):
    rows = release_create(projects=[world.project], version="shop@7.0")
    release_update(
        releases=rows,
        date_released=timezone.now(),
        commits=[CommitData(sha="c" * 40, message="one"), CommitData(sha="d" * 40, message="two")],
    )
    deploy_create(releases=rows, environment="production")
    new = issue_of(world.project, "seven", release="shop@7.0")
    old = issue_of(world.project, "older", release="shop@6.0")
    world.api(world.member).put(f"/api/0/issues/{old.pk}/", {"status": "resolved"}, format="json")
    record(world.project, "older", release="shop@7.0")
    SessionAggregate.objects.create(
        project=world.project, release="shop@7.0", hour=timezone.now() - timedelta(hours=1), healthy=98, crashed=2
    )
    body = login(world.member).get("/projects/acme/shop/releases/").content.decode()
    row = body[body.index("shop@7.0") : body.index("</tr>", body.index("shop@7.0"))]
    assert '<td class="num">2</td>' in row and "production ·" in row and "not finalised" not in row
    assert new.short_code in row and "98.0%" in row
    assert '<td class="num">1</td>' in row  # the regression of the older issue


def test_a_release_only_seen_in_events(login, world):
    issue_of(world.project, "seen", release="shop@8.0")
    body = login(world.member).get("/projects/acme/shop/releases/").content.decode()
    assert "not finalised" in body and "not deployed" in body
