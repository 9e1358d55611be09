"""The search-engine event store: Elasticsearch 8/9 or OpenSearch 2/3.

One class (``EngineEventStore``) holds everything both engines share — query
DSL (``ingest.protocol.search.dsl``), mappings and documents (``ingest.protocol.search.mappings``),
cursors, retention. The engines differ only in their client library, so each
gets a tiny adapter that performs one HTTP request and translates the client's
errors: connection failures, timeouts, 429 and 5xx become
``EventStoreUnavailable`` (the outbox keeps its rows and retries); other 4xx
become ``EngineRequestError``.

Layout: daily indices ``<prefix>-YYYY.MM.DD`` (UTC day of the event timestamp)
created from the composable template ``<prefix>``, every index carrying the
read alias ``<prefix>``. A document's ``_id`` is ``<project_id>:<event_id>``,
so re-sending it (outbox retry, ``reindex``) overwrites it instead of adding a
copy.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson
from django.conf import settings

from errorhub.events.stores.base import (
    EventStore,
    EventStoreUnavailable,
    HistogramBucket,
    IndexedEvent,
    InvalidCursor,
    Page,
)
from errorhub.events.stores.cursors import BadCursor, decode_search_after
from ingest.protocol.search.dsl import (
    _regexp_literal,  # noqa: PLC2701 - the one escaping rule for tag regexps
    histogram_agg,
    sort_newest_first,
    to_dsl,
    top_tag_values_agg,
)
from ingest.protocol.search.mappings import (
    SerializedDocument,
    document_from_event,
    dumps_document,
    format_time,
    index_template,
    split_tag,
)
from ingest.protocol.search.query import Query, parse_query

_STEP = {"1m": timedelta(minutes=1), "1h": timedelta(hours=1), "1d": timedelta(days=1)}
_TRUNC = {
    "1m": dict(second=0, microsecond=0),
    "1h": dict(minute=0, second=0, microsecond=0),
    "1d": dict(hour=0, minute=0, second=0, microsecond=0),
}
_TIMEOUT_S = 10

logger = logging.getLogger(__name__)


class EngineRequestError(RuntimeError):
    """The engine refused a request (4xx other than 429): a bug or bad input, not an outage."""

    def __init__(self, status: int, info: Any) -> None:
        super().__init__(f"search engine answered {status}: {str(info)[:1000]}")
        self.status = status
        self.info = info


class DocumentsRejected(RuntimeError):
    """Some documents of a bulk request were refused for good (e.g. a mapping error).

    The accepted ones are indexed; ``rejected`` lists ``(_id, reason)``. Retrying
    cannot help these, so the caller should set them aside (dead letters).
    """

    def __init__(self, rejected: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(rejected)} documents rejected, first: {rejected[0]}")
        self.rejected = rejected


class EngineClient(Protocol):
    """One HTTP request to the engine; JSON (or NDJSON text) in, parsed JSON out."""

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None, ndjson: bool = False
    ) -> Any: ...


# --- client adapters ---------------------------------------------------------------


def _unavailable_status(status: Any) -> bool:
    return not isinstance(status, int) or status == 429 or status >= 500


class OpenSearchClient:
    """``opensearch-py`` adapter."""

    def __init__(self, url: str, *, timeout: float = _TIMEOUT_S) -> None:
        from opensearchpy import OpenSearch

        self._client = OpenSearch(url, timeout=timeout, max_retries=1, retry_on_timeout=False)

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None, ndjson: bool = False
    ) -> Any:
        from opensearchpy.exceptions import ConnectionError as OSConnectionError
        from opensearchpy.exceptions import TransportError

        headers = {"content-type": "application/x-ndjson"} if ndjson else None
        try:
            return self._client.transport.perform_request(method, path, params=params, body=body, headers=headers)
        except OSConnectionError as exc:  # includes ConnectionTimeout
            raise EventStoreUnavailable(f"OpenSearch unreachable: {exc}") from exc
        except TransportError as exc:
            if _unavailable_status(exc.status_code):
                raise EventStoreUnavailable(f"OpenSearch answered {exc.status_code}: {exc.error}") from exc
            raise EngineRequestError(exc.status_code, exc.info) from exc


class ElasticsearchClient:
    """``elasticsearch`` 8.x adapter (speaks the v8 compatibility media types)."""

    def __init__(self, url: str, *, timeout: float = _TIMEOUT_S) -> None:
        from elasticsearch import Elasticsearch

        self._client = Elasticsearch(url, request_timeout=timeout, max_retries=1, retry_on_timeout=False)

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None, ndjson: bool = False
    ) -> Any:
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/x-ndjson" if ndjson else "application/json"
        try:
            response = self._client.perform_request(method, path, params=params, headers=headers, body=body)
        except ApiError as exc:
            if _unavailable_status(exc.meta.status):
                raise EventStoreUnavailable(f"Elasticsearch answered {exc.meta.status}: {exc.message}") from exc
            raise EngineRequestError(exc.meta.status, exc.body) from exc
        except TransportError as exc:  # connection refused, timeouts, TLS
            raise EventStoreUnavailable(f"Elasticsearch unreachable: {exc}") from exc
        return response.body


# --- cursors -----------------------------------------------------------------------


def _encode_cursor(sort_values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values).encode()).decode()


def _decode_cursor(cursor: str) -> list[Any]:
    """The ``search_after`` values of a cursor we made; anything else is the client's
    ``InvalidCursor`` (the engine would answer 400 to odd values: a 500 of ours)."""
    try:
        return decode_search_after(cursor)
    except BadCursor as exc:
        raise InvalidCursor(cursor) from exc


# --- index lifecycle ----------------------------------------------------------------


class IndexLifecycle:
    """The engine's own lifecycle policy for the daily indices: hot, then deleted.

    ILM on Elasticsearch (the template names the policy), ISM on OpenSearch (the
    policy's ``ism_template`` attaches every new index matching the pattern). No
    rollover: each daily index is written by date, late events included, so there
    is no single write index to roll over; the day already bounds an index's size,
    and the shard count sizes it.

    The age counts from the index's creation, which for a daily index is its day's
    first event, so the policy deletes no earlier than ErrorHub's own retention
    (``apply_retention``, hourly, exact per project) and is the engine-side
    guarantee that disk is freed even when beat stops. A node without the plugin
    (OpenSearch built without index-management) is detected, logged once, and
    left to ErrorHub's retention alone. ``days == 0`` turns the policy off.
    """

    def __init__(self, client: EngineClient, *, kind: str, name: str, pattern: str, days: int) -> None:
        self.client, self.kind, self.name, self.pattern, self.days = client, kind, name, pattern, days
        self.available: bool | None = None  # None: not asked yet

    @property
    def _path(self) -> str:
        return f"/_ilm/policy/{self.name}" if self.kind == "elasticsearch" else f"/_plugins/_ism/policies/{self.name}"

    def index_settings(self) -> dict[str, Any]:
        """Settings the index template carries (ILM only: ISM attaches by its own template)."""
        if self.kind == "elasticsearch" and self.days and self.available:
            return {"index.lifecycle.name": self.name}
        return {}

    def policy(self) -> dict[str, Any]:
        """The policy body for this engine."""
        age = f"{self.days}d"
        if self.kind == "elasticsearch":
            phases = {"hot": {"min_age": "0ms", "actions": {}}, "delete": {"min_age": age, "actions": {"delete": {}}}}
            return {"policy": {"_meta": {"managed_by": "errorhub"}, "phases": phases}}
        return {
            "policy": {
                "description": f"errorhub: delete daily event indices {age} after creation",
                "default_state": "hot",
                "states": [
                    {
                        "name": "hot",
                        "actions": [],
                        "transitions": [{"state_name": "delete", "conditions": {"min_index_age": age}}],
                    },
                    {"name": "delete", "actions": [{"delete": {}}], "transitions": []},
                ],
                "ism_template": [{"index_patterns": [self.pattern], "priority": 100}],
            }
        }

    def ensure(self, days: int | None = None) -> bool:
        """Install or update the policy (idempotent); False when the engine has no lifecycle plugin."""
        if days is not None:
            self.days = days
        if not self.days or self.available is False:
            return False
        try:
            current = self._get()
            if self._differs(current):
                self._put(current)
        except EngineRequestError as exc:
            if not _no_handler(exc):
                raise
            self.available = False
            logger.warning(
                "the %s node has no index lifecycle plugin (%s answered %s): daily indices %s are deleted by "
                "ErrorHub's hourly retention only",
                self.kind,
                self._path,
                exc.status,
                self.pattern,
            )
            return False
        self.available = True
        return True

    def _get(self) -> dict[str, Any] | None:
        try:
            return self.client.request("GET", self._path)
        except EngineRequestError as exc:
            if exc.status == 404:
                return None
            raise

    def _differs(self, current: dict[str, Any] | None) -> bool:
        if current is None:
            return True
        if self.kind == "elasticsearch":
            stored = current.get(self.name, {}).get("policy", {})
            return stored.get("phases", {}).get("delete", {}).get("min_age") != f"{self.days}d"
        stored = current.get("policy", {})
        wanted = self.policy()["policy"]
        return stored.get("description") != wanted["description"] or [
            t.get("index_patterns") for t in stored.get("ism_template") or []
        ] != [[self.pattern]]

    def _put(self, current: dict[str, Any] | None) -> None:
        params = None
        if self.kind == "opensearch" and current is not None:  # ISM updates are optimistic-concurrency checked
            params = {"if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]}
        self.client.request("PUT", self._path, params=params, body=self.policy())
        if self.kind == "opensearch":  # indices created before the policy: attach them too
            self.client.request("POST", f"/_plugins/_ism/add/{self.pattern}", body={"policy_id": self.name})

    def drop(self) -> None:
        """Delete the policy (tests, benchmark); nothing to do where there is none."""
        if not self.available:
            return
        try:
            self.client.request("DELETE", self._path)
        except EngineRequestError as exc:
            if exc.status != 404:
                raise


def _no_handler(exc: EngineRequestError) -> bool:
    """The node has no such API (the plugin is absent): 400 "no handler found for uri"."""
    return exc.status in (400, 404, 405) and "no handler found" in str(exc.info)


# --- the store ---------------------------------------------------------------------


class EngineEventStore(EventStore):
    """Events in daily search-engine indices; written in bulk from the outbox."""

    transactional = False

    def __init__(
        self,
        client: EngineClient,
        *,
        kind: str,
        prefix: str,
        replicas: int = 0,
        shards: int = 1,
        delete_after_days: int = 0,
    ) -> None:
        self.client = client
        self.kind = kind
        self.prefix = prefix.rstrip("-")
        self.replicas = replicas
        self.shards = shards
        self.lifecycle = IndexLifecycle(
            client, kind=kind, name=self.prefix, pattern=self.pattern, days=delete_after_days
        )
        self._template_ready = False
        self._lock = threading.Lock()

    # -- layout --

    @property
    def pattern(self) -> str:
        return f"{self.prefix}-*"

    def index_for(self, timestamp: str) -> str:
        """The daily index of a document's (UTC, ``format_time``) timestamp."""
        return f"{self.prefix}-{timestamp[:10].replace('-', '.')}"

    def template(self) -> dict[str, Any]:
        body = copy.deepcopy(index_template(shards=self.shards, replicas=self.replicas))
        body["index_patterns"] = [self.pattern]
        body["template"]["aliases"] = {self.prefix: {}}
        body["template"]["settings"].update(self.lifecycle.index_settings())
        return body

    def ensure_template(self) -> None:
        """Put the lifecycle policy, then the index template, once per process (both are
        idempotent, but not free). The policy goes first: an ILM template names it."""
        if self._template_ready:
            return
        with self._lock:
            if not self._template_ready:
                self.lifecycle.ensure()
                self.client.request("PUT", f"/_index_template/{self.prefix}", body=self.template())
                self._template_ready = True

    def refresh(self) -> None:
        """Make everything written so far searchable (tests, and ``reindex`` at the end)."""
        self.client.request("POST", f"/{self.pattern}/_refresh", params={"allow_no_indices": "true"})

    def indices(self) -> list[str]:
        return sorted(self.client.request("GET", f"/{self.pattern}", params={"allow_no_indices": "true"}) or {})

    def drop_indices(self) -> None:
        """Delete every index and the template of this prefix (tests, benchmark)."""
        names = self.indices()
        if names:  # named, not wildcard: a node may set action.destructive_requires_name
            self.client.request("DELETE", "/" + ",".join(names))
        try:
            self.client.request("DELETE", f"/_index_template/{self.prefix}")
        except EngineRequestError as exc:
            if exc.status != 404:
                raise
        self.lifecycle.drop()
        self._template_ready = False

    # -- writes --

    def index(self, events: Sequence[IndexedEvent]) -> None:
        docs = [
            document_from_event({**item.event, "project_id": item.project_id}, issue_id=item.issue_id)
            for item in events
        ]
        self.index_documents(docs)

    def index_documents(self, docs: Sequence[dict[str, Any]]) -> None:
        """Bulk-write documents from ``document_from_event``; safe to repeat (same ``_id``)."""
        self.index_serialized(
            [
                SerializedDocument(doc["project_id"], doc["event_id"], doc["timestamp"], dumps_document(doc))
                for doc in docs
            ]
        )

    def index_serialized(self, docs: Sequence[SerializedDocument]) -> None:
        """Bulk-write documents already in JSON (the outbox hands its text over as it is:
        no decoding and re-encoding of every document on the way to the engine)."""
        if not docs:
            return
        self.ensure_template()
        lines: list[bytes] = []
        for doc in docs:
            action = {"index": {"_index": self.index_for(doc.timestamp), "_id": f"{doc.project_id}:{doc.event_id}"}}
            source = doc.source.encode() if isinstance(doc.source, str) else doc.source
            lines += [orjson.dumps(action), source]
        result = self.client.request("POST", "/_bulk", body=b"\n".join(lines) + b"\n", ndjson=True)
        if result.get("errors"):
            self._raise_item_errors(result["items"])

    @staticmethod
    def _raise_item_errors(items: list[dict[str, Any]]) -> None:
        """Busy/failing shards mean "retry later"; anything else is a permanent rejection."""
        failed = [item["index"] for item in items if item.get("index", {}).get("error")]
        if any(_unavailable_status(item.get("status")) for item in failed):
            raise EventStoreUnavailable(f"{len(failed)} bulk items failed, first: {failed[0]['error']}")
        if failed:
            raise DocumentsRejected([(item.get("_id", ""), json.dumps(item["error"])[:500]) for item in failed])

    # -- reads --

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        params = {"allow_no_indices": "true", "ignore_unavailable": "true"}
        return self.client.request("POST", f"/{self.pattern}/_search", params=params, body=body)

    @staticmethod
    def _event(hit: dict[str, Any]) -> dict[str, Any]:
        source = hit["_source"]
        event = dict(source.get("body") or {})
        event["issue_id"] = int(source["issue_id"])
        return event

    def _page(self, query: dict[str, Any], cursor: str | None, limit: int) -> Page:
        body: dict[str, Any] = {
            "query": query,
            "sort": sort_newest_first(),
            "size": limit + 1,
            "track_total_hits": False,
        }
        if cursor:
            body["search_after"] = _decode_cursor(cursor)
        hits = self._search(body)["hits"]["hits"]
        more = len(hits) > limit
        hits = hits[:limit]
        return Page(
            events=[self._event(h) for h in hits], next_cursor=_encode_cursor(hits[-1]["sort"]) if more else None
        )

    def get(self, project_id: int, event_id: str) -> dict[str, Any] | None:
        body = {"query": {"ids": {"values": [f"{project_id}:{event_id}"]}}, "size": 1}
        hits = self._search(body)["hits"]["hits"]
        return self._event(hits[0]) if hits else None

    def list_for_issue(self, issue_id: int, cursor: str | None = None, limit: int = 50) -> Page:
        return self._page({"term": {"issue_id": str(issue_id)}}, cursor, limit)

    def search(
        self,
        query: Any,
        project_ids: Sequence[int],
        start: datetime | None = None,
        end: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        parsed = parse_query(query) if isinstance(query, str) else (query or Query())
        dsl = to_dsl(parsed, project_ids=list(project_ids), start=start, end=end)
        return self._page(dsl, cursor, limit)

    def issue_ids_matching(
        self, query: Any, project_ids: Sequence[int], start: datetime | None = None, limit: int = 10_000
    ) -> set[int]:
        parsed = parse_query(query) if isinstance(query, str) else (query or Query())
        dsl = to_dsl(parsed, project_ids=list(project_ids), start=start, end=None)
        body = {"size": 0, "query": dsl, "aggs": {"issues": {"terms": {"field": "issue_id", "size": limit}}}}
        buckets = self._search(body).get("aggregations", {}).get("issues", {}).get("buckets", [])
        return {int(b["key"]) for b in buckets if str(b.get("key", "")).isdigit()}

    def histogram(
        self,
        *,
        project_ids: Sequence[int] = (),
        issue_id: int | None = None,
        interval: str = "1h",
        start: datetime,
        end: datetime,
    ) -> list[HistogramBucket]:
        if interval not in _STEP:
            raise ValueError(f"interval must be one of {', '.join(_STEP)}")
        scope = (
            {"term": {"issue_id": str(issue_id)}}
            if issue_id is not None
            else {"terms": {"project_id": [str(p) for p in project_ids]}}
        )
        window = {"range": {"timestamp": {"gte": format_time(start), "lt": format_time(end)}}}
        body = {"size": 0, "query": {"bool": {"filter": [scope, window]}}, "aggs": {"h": histogram_agg(interval)}}
        buckets = self._search(body).get("aggregations", {}).get("h", {}).get("buckets", [])
        counts = {datetime.fromtimestamp(b["key"] / 1000, tz=UTC): b["doc_count"] for b in buckets}
        return _fill_buckets(counts, interval, start, end)

    def top_tag_values(self, issue_id: int, tag: str, n: int = 10) -> list[tuple[str, int]]:
        agg = top_tag_values_agg(tag, n)
        if agg["terms"]["field"] != "tags":  # always tags, as the SQL store (EventTag rows) does
            agg = {"terms": {"field": "tags", "size": n, "include": _regexp_literal(tag) + "=.*"}}
        agg["terms"]["order"] = [{"_count": "desc"}, {"_key": "asc"}]
        body = {"size": 0, "query": {"term": {"issue_id": str(issue_id)}}, "aggs": {"t": agg}}
        buckets = self._search(body).get("aggregations", {}).get("t", {}).get("buckets", [])
        return [(b["key"].partition("=")[2], b["doc_count"]) for b in buckets]

    def recent_tag_sample(self, issue_id: int, limit: int = 500) -> list[dict[str, str]]:
        body = {
            "query": {"term": {"issue_id": str(issue_id)}},
            "sort": sort_newest_first(),
            "size": limit,
            "track_total_hits": False,
            "_source": ["tags", "environment", "release", "server_name"],
        }
        return [_breakdown_fields(hit.get("_source") or {}) for hit in self._search(body)["hits"]["hits"]]

    def neighbours(self, issue_id: int, event_id: str) -> tuple[str | None, str | None]:
        scope = {"term": {"issue_id": str(issue_id)}}
        hits = self._search(
            {
                "query": {"bool": {"filter": [scope, {"term": {"event_id": event_id}}]}},
                "sort": sort_newest_first(),
                "size": 1,
            }
        )["hits"]["hits"]
        if not hits:
            return (None, None)
        anchor = hits[0]["sort"]
        older = self._search({"query": scope, "sort": sort_newest_first(), "size": 1, "search_after": anchor})
        oldest_first = [{"timestamp": {"order": "asc"}}, {"event_id": {"order": "asc"}}]
        newer = self._search({"query": scope, "sort": oldest_first, "size": 1, "search_after": anchor})
        return (_first_id(older), _first_id(newer))

    # -- deletes and moves --

    def _by_query(self, action: str, query: dict[str, Any], script: dict[str, Any] | None = None) -> int:
        params = {"conflicts": "proceed", "refresh": "true", "allow_no_indices": "true", "ignore_unavailable": "true"}
        body: dict[str, Any] = {"query": query}
        if script:
            body["script"] = script
        result = self.client.request("POST", f"/{self.pattern}/{action}", params=params, body=body)
        return int(result.get("deleted", 0) or result.get("updated", 0))

    def delete(self, *, project_id: int | None = None, issue_id: int | None = None) -> int:
        if project_id is None and issue_id is None:
            raise ValueError("delete needs a project or an issue")
        query = (
            {"term": {"project_id": str(project_id)}}
            if project_id is not None
            else {"term": {"issue_id": str(issue_id)}}
        )
        return self._by_query("_delete_by_query", query)

    def apply_retention(self, now: datetime, retention_days: dict[int, int]) -> int:
        """Drop whole daily indices older than the longest retention, then trim shorter ones.

        Dropping an index is cheap and frees disk at once; it can only go as far
        as the project that keeps events longest. Projects with a shorter
        retention are trimmed with ``delete_by_query`` inside the indices kept.
        """
        if not retention_days:
            return 0
        longest = max(retention_days.values())
        if self.lifecycle.days and self.lifecycle.days <= longest:
            # a project keeps events longer than the engine's policy would: lengthen the policy first
            self.lifecycle.ensure(days=longest + 1)
        deleted = self._drop_days_before((now - timedelta(days=longest)).astimezone(UTC))
        for project_id, days in retention_days.items():
            if days < longest:
                cutoff = format_time(now - timedelta(days=days))
                deleted += self._by_query(
                    "_delete_by_query",
                    {
                        "bool": {
                            "filter": [
                                {"term": {"project_id": str(project_id)}},
                                {"range": {"timestamp": {"lt": cutoff}}},
                            ]
                        }
                    },
                )
        return deleted

    def _drop_days_before(self, cutoff: datetime) -> int:
        """Delete indices whose whole day ends at or before ``cutoff``; returns their doc count."""
        old = [name for name in self.indices() if (day := self._day_of(name)) and day + timedelta(days=1) <= cutoff]
        if not old:
            return 0
        target = "/" + ",".join(old)
        count = self.client.request("GET", f"{target}/_count").get("count", 0)
        self.client.request("DELETE", target)
        return int(count)

    def _day_of(self, name: str) -> datetime | None:
        try:
            return datetime.strptime(name[len(self.prefix) + 1 :], "%Y.%m.%d").replace(tzinfo=UTC)
        except ValueError:
            return None

    def move_issue(self, *, from_issue_id: int, to_issue_id: int) -> None:
        script = {"source": "ctx._source.issue_id = params.to", "lang": "painless", "params": {"to": str(to_issue_id)}}
        self._by_query("_update_by_query", {"term": {"issue_id": str(from_issue_id)}}, script)

    def ping(self) -> None:
        self.client.request("GET", "/")


def _breakdown_fields(source: dict[str, Any]) -> dict[str, str]:
    """One document's indexed ``key=value`` tags, then the event fields that are set (a tag of the
    same name is dropped: ``environment:`` etc. search the field)."""
    fields = dict(split_tag(str(pair)) for pair in source.get("tags") or [])
    for key in ("environment", "release", "server_name"):
        fields.pop(key, None)
        if source.get(key):
            fields[key] = str(source[key])
    return fields


def _first_id(result: dict[str, Any]) -> str | None:
    hits = result["hits"]["hits"]
    return hits[0]["_source"]["event_id"] if hits else None


def _fill_buckets(counts: dict[datetime, int], interval: str, start: datetime, end: datetime) -> list[HistogramBucket]:
    """Every bucket from ``start`` (truncated) to ``end``, zeros included — as the SQL store."""
    cursor, out = start.replace(**_TRUNC[interval]), []
    while cursor < end:
        out.append(HistogramBucket(start=cursor, count=counts.get(cursor.astimezone(UTC), 0)))
        cursor += _STEP[interval]
    return out


def build_engine_store(
    kind: str,
    url: str,
    *,
    prefix: str | None = None,
    replicas: int | None = None,
    shards: int | None = None,
    delete_after_days: int | None = None,
) -> EngineEventStore:
    """The store for ``kind`` (``elasticsearch`` or ``opensearch``) at ``url``.

    ``prefix`` (default ``EVENT_STORE_INDEX_PREFIX``) names the template, the
    read alias and the daily indices, so several installations or test runs
    can share one cluster.
    """
    clients = {"opensearch": OpenSearchClient, "elasticsearch": ElasticsearchClient}
    if kind not in clients:
        raise ValueError(f"unknown search engine {kind!r} (expected elasticsearch or opensearch)")
    return EngineEventStore(
        clients[kind](url),
        kind=kind,
        prefix=prefix or settings.EVENT_STORE_INDEX_PREFIX,
        replicas=settings.EVENT_STORE_REPLICAS if replicas is None else replicas,
        shards=settings.EVENT_STORE_SHARDS if shards is None else shards,
        delete_after_days=settings.EVENT_STORE_DELETE_AFTER_DAYS if delete_after_days is None else delete_after_days,
    )
