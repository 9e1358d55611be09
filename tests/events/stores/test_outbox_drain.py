"""The outbox drain hands the documents' JSON text to the engine and sets refused ones aside.

On the real OpenSearch node, through the Elasticsearch-compatible proxy as well
(the two client libraries must both accept the pre-serialised bulk body).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from errorhub.accounts.models import Project
from errorhub.bulk import bulk_insert
from errorhub.events.models import IndexOutbox
from errorhub.events.services import outbox_drain
from errorhub.events.stores import get_event_store
from ingest.models import DeadLetter
from ingest.protocol.search.mappings import document_from_event
from ingest.protocol.search.query import parse_query
from tests.events.stores.conftest import engine_configured, make_issue, sdk_event

# quotes, backslashes, control characters and non-BMP text must survive the trip untouched
AWKWARD = 'say "hi"\\n\tback\\\\slash \u00e9\u4e2d\U0001f600'


@pytest.fixture(params=["opensearch", "elasticsearch"])
def engine(request: pytest.FixtureRequest, settings, db: None) -> Iterator[None]:  # type: ignore[no-untyped-def]
    url = (
        request.getfixturevalue("opensearch_url")
        if request.param == "opensearch"
        else request.getfixturevalue("es_proxy").url
    )
    with engine_configured(settings, request.param, url):
        yield


def _outbox_row(project: Project, issue_id: int, document: dict) -> IndexOutbox:
    return IndexOutbox.of(project_id=project.pk, issue_id=issue_id, document=document)


def test_drain_indexes_documents_exactly_as_written(engine: None, project: Project) -> None:
    issue = make_issue(project)
    events = [sdk_event(n, project, message=f"{AWKWARD} {n}") for n in range(1, 4)]
    bulk_insert([_outbox_row(project, issue.pk, document_from_event(e, issue_id=issue.pk)) for e in events])

    assert outbox_drain() == 3
    assert IndexOutbox.objects.count() == 0
    store = get_event_store()
    store.refresh()  # type: ignore[attr-defined]
    found = {e["event_id"]: e for e in store.search(parse_query(""), [project.pk], limit=10).events}
    assert sorted(found) == sorted(e["event_id"] for e in events)
    assert found[events[0]["event_id"]]["message"] == f"{AWKWARD} 1"
    assert store.search(parse_query('message:"back\\\\slash"'), [project.pk], limit=10).events


def test_a_refused_document_becomes_a_dead_letter_and_the_rest_are_indexed(engine: None, project: Project) -> None:
    issue = make_issue(project)
    good = document_from_event(sdk_event(1, project), issue_id=issue.pk)
    bad = document_from_event(sdk_event(2, project), issue_id=issue.pk) | {"surprise": 1}  # strict mapping refuses
    bulk_insert([_outbox_row(project, issue.pk, good), _outbox_row(project, issue.pk, bad)])

    assert outbox_drain() == 1
    assert IndexOutbox.objects.count() == 0
    letter = DeadLetter.objects.get()
    assert letter.task == "ingest.index_document"
    assert letter.payload["document"]["event_id"] == bad["event_id"]
    assert "rejected by the event store" in letter.error
    store = get_event_store()
    store.refresh()  # type: ignore[attr-defined]
    assert [e["event_id"] for e in store.search(parse_query(""), [project.pk], limit=10).events] == [good["event_id"]]


def test_a_committed_batch_is_indexed_at_once_and_leaves_no_outbox_rows(engine: None, project: Project) -> None:
    from errorhub.issues.digest import events_record

    events = [sdk_event(n, project) for n in range(1, 5)]
    assert events_record(project=project, events=events).stored == 4
    assert IndexOutbox.objects.count() == 0
    store = get_event_store()
    store.refresh()  # type: ignore[attr-defined]
    found = store.search(parse_query(""), [project.pk], limit=10).events
    assert sorted(e["event_id"] for e in found) == sorted(e["event_id"] for e in events)
