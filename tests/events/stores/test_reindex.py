"""``manage.py reindex`` copies SQL events into the engine, resumably and without duplicates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from errorhub.accounts.models import Project
from errorhub.events.models import StoredEvent
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import IndexedEvent
from errorhub.events.stores.sql import SqlEventStore
from ingest.protocol.search.query import parse_query
from tests.events.stores.conftest import engine_configured, make_issue, sdk_event


@pytest.fixture
def engine(settings, opensearch_url: str, tmp_path, db: None) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    with engine_configured(settings, "opensearch", opensearch_url):
        yield


def _stored(project: Project, count: int) -> list[int]:
    issue = make_issue(project)
    SqlEventStore().index([IndexedEvent(project.pk, issue.pk, sdk_event(n, project)) for n in range(1, count + 1)])
    return list(StoredEvent.objects.order_by("id").values_list("id", flat=True))


def _indexed(project: Project) -> list[str]:
    return [e["event_id"] for e in get_event_store().search(parse_query(""), [project.pk], limit=1000).events]


def test_reindex_copies_every_event_once(engine: None, project: Project, settings) -> None:  # type: ignore[no-untyped-def]
    _stored(project, 7)
    call_command("reindex", "--batch", "3", stdout=StringIO(), stderr=StringIO())
    call_command("reindex", "--batch", "3", stdout=StringIO(), stderr=StringIO())  # again: no duplicates
    assert sorted(_indexed(project)) == sorted(StoredEvent.objects.values_list("event_id", flat=True))
    assert not (settings.DATA_DIR / "reindex.checkpoint.json").exists()


def test_reindex_resumes_after_the_checkpoint(engine: None, project: Project, settings) -> None:  # type: ignore[no-untyped-def]
    ids = _stored(project, 6)
    (settings.DATA_DIR / "reindex.checkpoint.json").write_text(
        json.dumps({"last_id": ids[3], "window": {"since": None, "until": None}})
    )
    out = StringIO()
    call_command("reindex", stdout=out, stderr=StringIO())
    assert f"resuming after event row {ids[3]}" in out.getvalue()
    expected = StoredEvent.objects.filter(id__gt=ids[3]).values_list("event_id", flat=True)
    assert sorted(_indexed(project)) == sorted(expected)


def test_reindex_window_and_bad_input(engine: None, project: Project) -> None:
    _stored(project, 5)  # hours 1..5 before 2026-11-20T12:00Z
    call_command(
        "reindex",
        "--since",
        "2026-11-20T08:30:00Z",
        "--until",
        "2026-11-20T10:30:00Z",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert sorted(_indexed(project)) == [f"{n:032x}" for n in (2, 3)]
    with pytest.raises(CommandError, match="--since"):
        call_command("reindex", "--since", "yesterday", stdout=StringIO(), stderr=StringIO())


def test_reindex_needs_an_engine(settings, db: None) -> None:  # type: ignore[no-untyped-def]
    settings.EVENT_STORE = "sql"
    get_event_store.cache_clear()
    try:
        with pytest.raises(CommandError, match="ERRORHUB_EVENT_STORE"):
            call_command("reindex", stdout=StringIO(), stderr=StringIO())
    finally:
        get_event_store.cache_clear()
