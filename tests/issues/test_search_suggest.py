"""Autocomplete selectors: keys and values of the caller's projects, last 14 days only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from errorhub.issues.search_suggest import suggest
from tests.dashboard.conftest import crash, record_event
from tests.factories import IssueFactory, ReleaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def labels(world, text: str, *, projects=None, cursor: int | None = None) -> list[str]:
    projects = projects if projects is not None else [world.project]
    body = suggest(user=world.member, projects=projects, text=text, cursor=len(text) if cursor is None else cursor)
    return [s["label"] for s in body["suggestions"]]


def test_key_prefix_offers_keys_then_tags_seen(world):
    record_event(world.project, **crash(tags={"region": "eu", "regime": "x"}))
    assert labels(world, "le") == ["level:"]
    assert labels(world, "reg") == ["regime:", "region:"]
    assert labels(world, "has:reg") == ["regime", "region"]
    assert labels(world, "is:unresolved tim") == ["times_seen:", "timestamp:"]


def test_the_body_says_which_span_to_replace(world):
    body = suggest(user=world.member, projects=[world.project], text="is:unresolved !lev x", cursor=18)
    assert (body["kind"], body["start"], body["end"]) == ("key", 15, 18)
    assert body["suggestions"][0]["text"] == "level:"


def test_values_of_closed_keys(world):
    assert labels(world, "is:un") == ["unresolved", "unassigned"]
    assert labels(world, "!has:us") == ["user", "user.id", "user.email", "user.username", "user.ip_address"]
    assert labels(world, "level:") == ["debug", "info", "warning", "error", "fatal"]


def test_tag_values_seen_in_the_window(world):
    record_event(world.project, **crash(tags={"browser": "Chrome 120"}))
    record_event(world.project, **crash(tags={"browser": "Firefox"}))
    assert labels(world, "browser:") == ["Chrome 120", "Firefox"]
    body = suggest(user=world.member, projects=[world.project], text="browser:Ch", cursor=10)
    assert body["suggestions"][0]["text"] == 'browser:"Chrome 120"'
    assert labels(world, "tags[browser]:F") == ["Firefox"]


def test_old_tag_values_are_not_offered(world):
    long_ago = datetime.now(UTC) - timedelta(days=20)
    record_event(world.project, **crash(tags={"browser": "Netscape"}, timestamp=long_ago.timestamp()))
    assert "Netscape" not in labels(world, "browser:")


def test_issue_field_values_and_releases(world):
    record_event(world.project, **crash())  # production, shop@1.2.0
    IssueFactory(
        project=world.project, short_id=99, environment="staging", last_seen=timezone.now() - timedelta(days=20)
    )
    ReleaseFactory(project=world.project, version="shop@1.3.0")
    assert labels(world, "environment:") == ["production"]
    assert labels(world, "release:") == ["latest", "shop@1.2.0", "shop@1.3.0"]
    assert labels(world, "firstRelease:s") == ["shop@1.2.0"]
    assert labels(world, "project:") == ["shop"]
    assert labels(world, "assigned:") == ["me"]


def test_nothing_from_projects_the_caller_cannot_see(world):
    record_event(world.other_project, **crash(tags={"tenant": "globex"}, environment="secret-env"))
    assert labels(world, "ten") == []
    assert labels(world, "tenant:") == []
    assert labels(world, "environment:") == []
    assert labels(world, "environment:", projects=[]) == []
