"""Nothing is lost while the search engine is down.

The store points at ``es_proxy`` in front of the real OpenSearch node; closing
the proxy's socket makes the engine unreachable (connection refused) for this
test only, without stopping the node other tests share. Events are recorded
through the real write path; issues are counted at once, documents wait in the
outbox, ``/readyz`` reports the outage, and once the engine is back the outbox
drains every event into the index exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from errorhub.accounts.models import Project
from errorhub.events.models import IndexOutbox
from errorhub.events.services import outbox_drain
from errorhub.events.stores import get_event_store
from errorhub.issues.digest import events_record
from errorhub.issues.models import Issue
from ingest.protocol.search.query import parse_query
from tests.events.stores.conftest import sdk_event, unique_prefix
from tests.events.stores.es_proxy import EsCompatProxy


@pytest.fixture
def engine_behind_proxy(settings, opensearch_url: str, db: None) -> Iterator[EsCompatProxy]:  # type: ignore[no-untyped-def]
    proxy = EsCompatProxy(opensearch_url)
    proxy.start()
    settings.EVENT_STORE = "opensearch"
    settings.EVENT_STORE_URL = proxy.url
    settings.EVENT_STORE_INDEX_PREFIX = unique_prefix()
    get_event_store.cache_clear()
    try:
        yield proxy
    finally:
        proxy.stop()
        proxy.start()  # the store's own cleanup needs the engine back
        get_event_store().drop_indices()  # type: ignore[attr-defined]
        proxy.stop()
        get_event_store.cache_clear()


def test_events_wait_in_the_outbox_and_are_indexed_once_when_the_engine_returns(
    engine_behind_proxy: EsCompatProxy, project: Project
) -> None:
    store = get_event_store()
    assert not store.transactional
    engine_behind_proxy.stop()

    events = [sdk_event(n, project) for n in range(1, 6)]
    result = events_record(project=project, events=events)  # also tries to drain at once: engine down
    assert result.stored == 5
    assert Issue.objects.get(project=project).times_seen == 5
    assert IndexOutbox.objects.count() == 5
    assert IndexOutbox.objects.exclude(last_error="").count() == 5

    ready = Client().get("/readyz").json()["checks"]["event_store"]
    assert ready["ok"] is False
    assert "unreachable" in ready["error"]

    assert outbox_drain() == 0  # still down: nothing lost, nothing indexed
    assert IndexOutbox.objects.count() == 5

    engine_behind_proxy.start()  # same port: the engine is back
    assert outbox_drain() == 5
    assert IndexOutbox.objects.count() == 0
    assert outbox_drain() == 0
    store.refresh()  # type: ignore[attr-defined]
    found = store.search(parse_query(""), [project.pk], limit=100)
    assert sorted(e["event_id"] for e in found.events) == sorted(e["event_id"] for e in events)

    ready = Client().get("/readyz").json()["checks"]["event_store"]
    assert ready["ok"] is True and ready["outbox_backlog"] == 0


def test_a_resent_batch_does_not_duplicate(engine_behind_proxy: EsCompatProxy, project: Project) -> None:
    """A drain that indexed but died before deleting its rows re-sends them: still one copy each."""
    events = [sdk_event(n, project) for n in range(1, 4)]
    engine_behind_proxy.stop()
    events_record(project=project, events=events)
    engine_behind_proxy.start()
    store = get_event_store()
    documents = [row.decoded() for row in IndexOutbox.objects.order_by("id")]
    store.index_documents(documents)  # type: ignore[attr-defined]
    assert outbox_drain() == 3
    store.refresh()  # type: ignore[attr-defined]
    assert len(store.search(parse_query(""), [project.pk], limit=100).events) == 3
