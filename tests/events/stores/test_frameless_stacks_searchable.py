"""Issue #19: a frameless event's stacks (the top-level one, the crashed thread's) are searchable by
their functions in every event store, as an exception's frames are; idle threads are not."""

from __future__ import annotations

import pytest

from errorhub.accounts.models import Project
from errorhub.events.stores.base import EventStore, IndexedEvent
from ingest.protocol.search.query import parse_query
from tests.events.stores.conftest import make_issue, refresh
from tests.ingest.protocol.sdk_payloads import normalized

pytestmark = pytest.mark.django_db

THREADS = {"values": [
    {"id": 1, "crashed": True, "stacktrace": {"frames": [{"function": "cartTotalOverflow", "module": "shop.cart"}]}},
    {"id": 2, "stacktrace": {"frames": [{"function": "idleLooperPoll", "module": "android.os"}]}},
]}  # fmt: skip


def found(store: EventStore, project: Project, text: str) -> list[str]:
    page = store.search(parse_query(text), [project.pk])
    return [e["event_id"] for e in page.events]


def test_top_level_and_crashed_thread_frames_are_searchable(store: EventStore, project: Project) -> None:
    issue = make_issue(project)
    node = {**normalized("node_raven_message_stacktrace.json"), "project_id": project.pk}
    crash = {**normalized("native_android_ndk.json", exception=None, threads=THREADS), "project_id": project.pk}
    store.index([IndexedEvent(project_id=project.pk, issue_id=issue.pk, event=e) for e in (node, crash)])
    refresh(store)
    assert found(store, project, "tryModuleLoad") == [node["event_id"]]
    assert found(store, project, "cartTotalOverflow") == [crash["event_id"]]
    assert found(store, project, "idleLooperPoll") == []
