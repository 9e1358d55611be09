"""Issue #19: grouping stays versioned. An issue created under 2026-11 keeps receiving the events
the 2026-12 rules regroup (a Java message event whose crashed thread's stack now decides): its
hash is kept and the new hash is attached to it. The old catch-all of content-free events does
not keep collecting them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from errorhub.issues.models import GroupHash, Issue
from ingest.protocol.envelope import parse_envelope, serialize_envelope
from ingest.protocol.grouping import _STRATEGIES, FRAMELESS_VERSION, GROUPING_VERSION, compute_grouping
from ingest.protocol.normalize import normalize_sentry_event
from tests.ingest.helpers import post_envelope
from tests.sentry_fixtures import FIXTURES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def java_message_event() -> dict:
    """The live Java SDK's captureMessage: a message and the current thread marked crashed."""
    envelope = parse_envelope((FIXTURES / "java" / "normal_02_event.envelope").read_bytes())
    return orjson.loads(next(item.payload for item in envelope.items if item.type == "event"))


def old_issue(world, event: dict, title: str) -> Issue:
    """The issue a 2026-11 deployment created for ``event``."""
    normalized = normalize_sentry_event(
        event, project_id=world.project.pk, event_id=uuid.uuid4().hex, received_at=datetime.now(UTC)
    )
    legacy = _STRATEGIES[GROUPING_VERSION](normalized)
    issue = Issue.objects.create(
        project=world.project,
        short_id=10_000,
        title=title,
        grouping_version=GROUPING_VERSION,
        first_seen=datetime.now(UTC),
        last_seen=datetime.now(UTC),
    )
    GroupHash.objects.create(
        project=world.project,
        hash=legacy.hash,
        version=GROUPING_VERSION,
        issue=issue,
        components=list(legacy.components),
    )
    return issue


def post(client, world, event: dict) -> None:
    body = serialize_envelope({"event_id": event["event_id"]}, [({"type": "event"}, event)])
    assert post_envelope(client, world, body).status_code == 200


def test_existing_message_issue_keeps_its_events(client, world):
    event = {**java_message_event(), "event_id": uuid.uuid4().hex}
    normalized = normalize_sentry_event(
        event, project_id=world.project.pk, event_id=event["event_id"], received_at=datetime.now(UTC)
    )
    assert compute_grouping(normalized).kind == "threads"  # the 2026-12 rules regroup it
    issue = old_issue(world, event, "checkout slow")
    post(client, world, event)
    post(client, world, {**event, "event_id": uuid.uuid4().hex})
    assert Issue.objects.filter(project=world.project).count() == 1
    issue.refresh_from_db()
    assert issue.times_seen == 2
    versions = sorted(GroupHash.objects.filter(issue=issue).values_list("version", flat=True))
    assert versions == [GROUPING_VERSION, FRAMELESS_VERSION]


def test_the_old_catch_all_does_not_collect_content_free_events(client, world):
    catch_all = old_issue(world, {"platform": "other"}, "<unlabeled event>")
    post(client, world, {"event_id": uuid.uuid4().hex, "platform": "native", "level": "fatal"})
    post(client, world, {"event_id": uuid.uuid4().hex, "platform": "javascript"})
    assert not GroupHash.objects.filter(issue=catch_all, version=FRAMELESS_VERSION).exists()
    assert Issue.objects.filter(project=world.project).exclude(pk=catch_all.pk).count() == 2


def test_a_fresh_deployment_groups_by_the_crashed_thread(client, world):
    first = {**java_message_event(), "event_id": uuid.uuid4().hex}
    second = {**first, "event_id": uuid.uuid4().hex, "message": {"formatted": "payment slow"}}
    post(client, world, first)
    post(client, world, second)
    (issue,) = Issue.objects.filter(project=world.project)
    assert issue.grouping_version == FRAMELESS_VERSION and issue.times_seen == 2
