"""Issue #19: every interface of the real SDK payloads survives both event stores whole (the SQL
store and OpenSearch keep the normalised event as the body), and the derived tags are counted by
the tag breakdowns of both."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from errorhub.events.stores.base import EventStore, IndexedEvent
from ingest.protocol.derived_tags import with_derived_tags
from tests.ingest.protocol.sdk_payloads import PAYLOADS, normalized
from tests.stores.conftest import engine_store, make_issue, refresh

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

NAMES = sorted(p.name for p in PAYLOADS.iterdir() if p.suffix in (".json", ".envelope"))


@pytest.fixture(params=["sql", "opensearch"])
def store(request: pytest.FixtureRequest) -> Iterator[EventStore]:
    if request.param == "sql":
        from errorhub.events.stores.sql import SqlEventStore

        yield SqlEventStore()
        return
    url = os.environ.get("ERRORHUB_TEST_OPENSEARCH_URL")
    if not url:
        pytest.fail("ERRORHUB_TEST_OPENSEARCH_URL is not set (. .services/env)")
    built = engine_store("opensearch", url)
    try:
        yield built
    finally:
        built.drop_indices()


def test_every_payload_is_stored_and_read_back_whole(store: EventStore, world) -> None:
    issue = make_issue(world.project)
    events = []
    for name in NAMES:
        event = with_derived_tags(normalized(name))
        event["project_id"] = world.project.pk
        events.append(event)
    store.index([IndexedEvent(project_id=world.project.pk, issue_id=issue.pk, event=e) for e in events])
    refresh(store)
    for name, event in zip(NAMES, events):
        stored = store.get(world.project.pk, event["event_id"])
        assert stored is not None, name
        for key in (
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
        ):
            assert stored.get(key) == event.get(key), (name, key)
    assert dict(store.top_tag_values(issue.pk, "os"))["Mac OS X 10.14.0"] == 1
    assert dict(store.top_tag_values(issue.pk, "handled"))["no"] >= 2
