"""Issue #19: every interface of the real SDK payloads survives each event store whole (they keep
the normalised event as the body), and the derived tags are counted by each store's tag breakdown."""

from __future__ import annotations

import pytest

from errorhub.accounts.models import Project
from errorhub.events.stores.base import EventStore, IndexedEvent
from ingest.protocol.derived_tags import with_derived_tags
from tests.events.stores.conftest import make_issue, refresh
from tests.ingest.protocol.sdk_payloads import PAYLOADS, normalized

pytestmark = pytest.mark.django_db

NAMES = sorted(p.name for p in PAYLOADS.iterdir() if p.suffix in (".json", ".envelope"))
KEPT = (
    "exception",
    "stacktrace",
    "threads",
    "debug_meta",
    "user",
    "breadcrumbs",
    "contexts",
    "sdk",
    "modules",
    "request",
    "tags",
    "errors",
    "csp",
    "type",
    "platform",
)


def test_every_payload_is_stored_and_read_back_whole(store: EventStore, project: Project) -> None:
    issue = make_issue(project)
    events = [{**with_derived_tags(normalized(name)), "project_id": project.pk} for name in NAMES]
    store.index([IndexedEvent(project_id=project.pk, issue_id=issue.pk, event=e) for e in events])
    refresh(store)
    for name, event in zip(NAMES, events, strict=True):
        stored = store.get(project.pk, event["event_id"])
        assert stored is not None, name
        for key in KEPT:
            assert stored.get(key) == event.get(key), (name, key)
    assert dict(store.top_tag_values(issue.pk, "os"))["Mac OS X 10.14.0"] == 1
    assert dict(store.top_tag_values(issue.pk, "handled"))["no"] >= 2
