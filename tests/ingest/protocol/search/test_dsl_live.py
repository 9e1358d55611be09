"""The mapping and the DSL against a real OpenSearch node (ERRORHUB_TEST_OPENSEARCH_URL).

The template is installed under a per-run name and index pattern, so this never
touches the ``errorhub-events-*`` indices of a node other tests share; the
mappings and settings are exactly ``index_template()``'s.
"""

from __future__ import annotations

import copy
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ingest.protocol.search.dsl import histogram_agg, sort_newest_first, to_dsl, top_tag_values_agg
from ingest.protocol.search.mappings import (
    INDEX_PREFIX,
    document_from_event,
    index_name,
    index_template,
    split_tag,
)
from ingest.protocol.search.query import parse_query

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RUN = uuid.uuid4().hex[:8]
PREFIX = f"errorhub-test-{RUN}-"
ALIAS = f"errorhub-test-{RUN}"


@pytest.fixture(scope="module")
def client():
    url = os.environ.get("ERRORHUB_TEST_OPENSEARCH_URL")
    if not url:
        pytest.fail(
            "ERRORHUB_TEST_OPENSEARCH_URL is not set; point it at an OpenSearch node "
            "(e.g. http://127.0.0.1:9201) to run the live search tests"
        )
    from opensearchpy import OpenSearch
    from opensearchpy.exceptions import ConnectionError as OSConnectionError

    node = OpenSearch(url, timeout=20)
    try:
        node.info()
    except OSConnectionError as exc:
        pytest.fail(f"OpenSearch at ERRORHUB_TEST_OPENSEARCH_URL={url} is unreachable: {exc}")
    body = copy.deepcopy(index_template())
    body["index_patterns"] = [PREFIX + "*"]
    body["template"]["aliases"] = {ALIAS: {}}
    node.indices.put_index_template(name=ALIAS, body=body)
    try:
        yield node
    finally:
        # Named, not wildcard, deletes: a node may set action.destructive_requires_name.
        created = list(node.indices.get(index=PREFIX + "*"))
        if created:
            node.indices.delete(index=",".join(created))
        node.indices.delete_index_template(name=ALIAS)


def event(n: int, **fields) -> dict:
    base = {
        "event_id": f"{n:032x}",
        "project_id": 1,
        "timestamp": (NOW - timedelta(hours=n)).isoformat(),
        "received_at": (NOW - timedelta(hours=n)).isoformat(),
        "platform": "python",
        "level": "error",
        "message": f"event number {n}",
        "source": "sdk:sentry.python/2.75.0",
    }
    return base | fields


def exc(type_: str, value: str, *functions: str, handled: bool = True) -> list[dict]:
    frames = [{"function": f, "module": "app.core", "filename": "app/core.py"} for f in functions]
    return [{"type": type_, "value": value, "mechanism": {"handled": handled}, "stacktrace": {"frames": frames}}]


EVENTS = [
    event(
        0,
        message="connection refused by upstream",
        level="fatal",
        exception=exc("ConnectionError", "connection refused", "PaymentService.charge", handled=False),
        tags={"browser": "Chrome 131", "customer": "acme"},
        user={"id": "42"},
        release="1.4.2",
        transaction="/api/orders",
        trace_id="ab" * 16,
    ),
    event(
        1,
        message="disk full on /var",
        level="warning",
        tags={"browser": "Firefox"},
        transaction="/api/users",
        request={"method": "GET", "status_code": 503},
    ),
    event(
        2,
        message="invalid literal for int()",
        exception=exc("ValueError", "invalid literal", "process_payment"),
        release="1.4.2",
        environment="production",
        tags={"browser": "Chrome 130"},
        user={"ip_address": "203.0.113.9"},
    ),
    event(3, level="debug", message="cache miss", logger="cache", transaction="/health"),
    event(4, level="info", message="user signed in", release="1.4.1", tags={"customer": "globex"}),
    event(
        5,
        project_id=2,
        message="connection refused elsewhere",
        exception=exc("ConnectionError", "connection refused", "other"),
    ),
    event(
        6,
        message="timeout talking to db",
        request={"method": "POST", "status_code": 500},
        tags={"browser": "Safari"},
        environment="staging",
    ),
    *[
        event(
            7 + i,
            message=f"background job {i} failed",
            logger="jobs",
            tags={"browser": "Chrome 131"},
            environment="production",
        )
        for i in range(13)
    ],
    event(
        30,
        message="old event from a month ago",
        level="error",
        timestamp="2026-10-21T08:00:00Z",
        received_at="2026-10-21T08:00:05Z",
    ),
]


@pytest.fixture(scope="module")
def indexed(client):
    from opensearchpy import helpers

    actions = []
    for e in EVENTS:
        doc = document_from_event(e, issue_id=100 + int(e["event_id"], 16))
        day = index_name(doc["timestamp"]).removeprefix(INDEX_PREFIX)
        actions.append({"_index": PREFIX + day, "_id": e["event_id"], "_source": doc})
    ok, errors = helpers.bulk(client, actions, refresh="wait_for", raise_on_error=False)
    assert not errors, errors
    assert ok == len(EVENTS)
    return client


def hits(client, text: str, project_ids=(1,), **kwargs) -> list[int]:
    body = {
        "query": to_dsl(
            parse_query(text, now=NOW), project_ids=list(project_ids), start=kwargs.get("start"), end=kwargs.get("end")
        ),
        "sort": sort_newest_first(),
        "size": 100,
    }
    found = client.search(index=ALIAS, body=body)["hits"]["hits"]
    return sorted(int(h["_id"], 16) for h in found)


JOBS = list(range(7, 20))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("level:fatal", [0]),
        ("level:[fatal,warning]", [0, 1]),
        ("level:<=info", [3, 4]),
        ("-level:error", [0, 1, 3, 4]),
        ("browser:Chrome*", [0, 2, *JOBS]),
        ('browser:"Chrome 131" customer:acme', [0]),
        ("has:customer", [0, 4]),
        ("has:user", [0, 2]),
        ("-has:release level:error", [6, *JOBS, 30]),
        ('"connection refused"', [0]),
        ("refused", [0]),
        ("valueerror", [2]),
        ("charge", [0]),
        ("process_payment", [2]),
        ("conn*", [0]),
        ("error.type:ValueError", [2]),
        ("error.value:*literal*", [2]),
        ('message:"disk full"', [1]),
        ("transaction:/api/*", [0, 1]),
        ("-transaction:/api/*", [2, 3, 4, 6, *JOBS, 30]),
        ("status_code:>=500", [1, 6]),
        ("error.unhandled:true", [0]),
        ("trace:" + "AB" * 16, [0]),
        ("release:1.4.2 environment:production", [2]),
        ("age:-3h", [0, 1, 2, 3]),
        ("age:+1w", [30]),
        ("timestamp:<2026-11-01", [30]),
        ("job", JOBS),
        ("job -failed", []),
        ("logger:jobs -browser:Chrome*", []),
    ],
)
def test_queries_return_the_expected_events(indexed, text, expected):
    assert hits(indexed, text) == sorted(expected)


def test_project_ids_scope_the_search(indexed):
    assert hits(indexed, '"connection refused"', project_ids=(2,)) == [5]
    assert hits(indexed, '"connection refused"', project_ids=(1, 2)) == [0, 5]
    assert hits(indexed, "", project_ids=()) == []


def test_start_and_end(indexed):
    assert hits(indexed, "", start=NOW - timedelta(hours=2), end=NOW - timedelta(hours=1)) == [2]


def test_search_after_pages_through_everything_once(indexed):
    seen, after = [], None
    query = to_dsl(parse_query(""), project_ids=[1], start=None, end=None)
    while True:
        body = {"query": query, "sort": sort_newest_first(), "size": 6}
        if after:
            body["search_after"] = after
        page = indexed.search(index=ALIAS, body=body)["hits"]["hits"]
        if not page:
            break
        seen += [h["_id"] for h in page]
        after = page[-1]["sort"]
    assert len(seen) == len(set(seen)) == len(EVENTS) - 1
    assert [int(i, 16) for i in seen] == sorted(int(i, 16) for i in seen)  # newest first


def test_body_round_trips(indexed):
    got = indexed.get(index=PREFIX + "2026.11.20", id=EVENTS[0]["event_id"])
    assert got["_source"]["body"] == EVENTS[0]


def test_aggregations(indexed):
    body = {
        "query": to_dsl(parse_query(""), project_ids=[1], start=None, end=None),
        "size": 0,
        "aggs": {
            "browsers": top_tag_values_agg("browser", 2),
            "levels": top_tag_values_agg("level", 10),
            "per_day": histogram_agg("1d"),
        },
    }
    aggs = indexed.search(index=ALIAS, body=body)["aggregations"]
    browsers = [(split_tag(b["key"]), b["doc_count"]) for b in aggs["browsers"]["buckets"]]
    # ties are broken by key, so Chrome 130 comes before Firefox and Safari
    assert browsers == [(("browser", "Chrome 131"), 14), (("browser", "Chrome 130"), 1)]
    assert {b["key"]: b["doc_count"] for b in aggs["levels"]["buckets"]}["error"] == 16
    days = aggs["per_day"]["buckets"]
    assert sum(b["doc_count"] for b in days) == len(EVENTS) - 1
    assert days[-1]["key_as_string"].startswith("2026-11-20")


def test_strict_mapping_rejects_unknown_fields(indexed):
    from opensearchpy.exceptions import RequestError

    doc = document_from_event(event(40), issue_id=1) | {"surprise": 1}
    with pytest.raises(RequestError, match="strict_dynamic_mapping_exception"):
        indexed.index(index=PREFIX + "2026.11.18", body=doc, id="x")
