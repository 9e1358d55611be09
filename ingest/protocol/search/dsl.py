"""Query AST -> search-engine query DSL, shared by the Elasticsearch and OpenSearch stores.

Only constructs both engines accept are used (bool, term(s), wildcard, range,
exists, multi_match, date_histogram, terms). Keyword filters go to ``filter``
(cached, unscored), free text to ``must``, negations to ``must_not``. Issue-level
terms (``is:``, ``assigned:``, ``firstSeen``/``lastSeen``) and ``project:`` are
not event filters: the caller applies them in SQL and passes ``project_ids``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ingest.protocol.search.mappings import format_time
from ingest.protocol.search.query import FieldTerm, HasTerm, Query, Term, TextTerm, TimeTerm, event_terms

# Query key -> document field (see mappings.MAPPINGS).
FIELD_PATHS: dict[str, str] = {
    "level": "level",
    "release": "release",
    "environment": "environment",
    "user.id": "user.id",
    "user.email": "user.email",
    "user.username": "user.username",
    "user.ip_address": "user.ip_address",
    "trace_id": "trace_id",
    "request_id": "request_id",
    "event_id": "event_id",
    "issue.id": "issue_id",
    "transaction": "transaction",
    "server_name": "server_name",
    "service": "service",
    "source": "source",
    "platform": "platform",
    "logger": "logger",
    "error.type": "exception.type",
    "error.value": "exception.value",
    "error.module": "exception.module",
    "error.handled": "exception.handled",
    "message": "message",
    "request.method": "request.method",
    "request.url": "request.url",
    "request.status_code": "request.status_code",
    "stack.function": "frames.function",
    "stack.module": "frames.module",
    "stack.filename": "frames.filename",
    # project:slug never reaches to_dsl (see event_terms); has:project always holds.
    "project": "project_id",
}
# Analysed text fields: exact values match as phrases, wildcards use the keyword sub-field.
TEXT_FIELDS = {"message", "exception.value"}
# has: on a whole object checks any of its fields.
HAS_PATHS: dict[str, list[str]] = {
    "user": ["user.id", "user.email", "user.username", "user.ip_address"],
    "error": ["exception.type"],
    "stack": ["frames.function", "frames.filename"],
    "request": ["request.url", "request.method"],
}
# Free text searches these (keyword fields through their ``text`` sub-field).
TEXT_SEARCH_FIELDS = ["message", "exception.value", "exception.type.text", "frames.function.text"]

_INTERVAL_RE = re.compile(r"[1-9]\d{0,5}(ms|s|m|h|d)", re.ASCII)


def to_dsl(
    query: Query,
    *,
    project_ids: list[int],
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """The ``query`` part of a search request for the event terms of ``query``.

    Results are limited to ``project_ids`` (an empty list matches nothing, never
    everything) and to ``start <= timestamp < end`` when given.
    """
    clauses: dict[str, list[dict[str, Any]]] = {"filter": [], "must": [], "must_not": []}
    clauses["filter"].append({"terms": {"project_id": [str(pid) for pid in project_ids]}})
    if start is not None or end is not None:
        bounds = {}
        if start is not None:
            bounds["gte"] = format_time(start)
        if end is not None:
            bounds["lt"] = format_time(end)
        clauses["filter"].append({"range": {"timestamp": bounds}})
    for term in event_terms(query).terms:
        _add(clauses, term)
    return {"bool": {kind: found for kind, found in clauses.items() if found}}


def _add(clauses: dict[str, list[dict[str, Any]]], term: Term) -> None:
    if isinstance(term, TextTerm):
        target = "must_not" if term.negated else "must"
        clauses[target].append(_text(term))
    elif isinstance(term, FieldTerm):
        clauses["must_not" if term.negated else "filter"].append(_field(term))
    elif isinstance(term, HasTerm):
        clauses["must_not" if term.negated else "filter"].append(_has(term))
    elif isinstance(term, TimeTerm):
        clauses["filter"].append(_time(term))
    else:  # pragma: no cover - event_terms() only yields the kinds above
        raise TypeError(f"not an event term: {term!r}")


def _text(term: TextTerm) -> dict[str, Any]:
    text = term.text
    kind = "phrase" if term.phrase else "best_fields"
    if not term.phrase and len(text) > 1 and text.endswith("*") and "*" not in text[:-1]:
        text, kind = text[:-1], "phrase_prefix"
    match: dict[str, Any] = {
        "query": text,
        "fields": TEXT_SEARCH_FIELDS,
        "type": kind,
        "lenient": True,
    }
    if kind == "best_fields":
        match["operator"] = "and"  # "process_payment" must find both halves in one field
    return {"multi_match": match}


def _field(term: FieldTerm) -> dict[str, Any]:
    if term.is_tag:
        return _any_of([_tag_value(term.key, value, term.op) for value in term.values])
    path = FIELD_PATHS[term.key]
    if term.op in ("gt", "gte", "lt", "lte"):
        return {"range": {path: {term.op: int(term.values[0])}}}
    if path == "exception.handled":
        return _any_of([{"term": {path: value == "true"}} for value in term.values])
    parts = [_field_value(path, value, term.op) for value in term.values]
    exact = [value for value, part in zip(term.values, parts) if part is None]
    clauses = [part for part in parts if part is not None]
    if exact:
        clauses.append({"terms": {path: exact}})
    return _any_of(clauses)


def _field_value(path: str, value: str, op: str) -> dict[str, Any] | None:
    """One value's clause, or None when it joins the field's ``terms`` clause."""
    if op == "wildcard" and "*" in value:
        target = f"{path}.keyword" if path in TEXT_FIELDS else path
        return {"wildcard": {target: {"value": _wildcard(value)}}}
    if path in TEXT_FIELDS:
        return {"match_phrase": {path: value}}
    if path == "request.status_code":
        return {"term": {path: int(value)}}
    return None


def _tag_value(key: str, value: str, op: str) -> dict[str, Any]:
    if op == "wildcard" and "*" in value:
        pattern = _wildcard(f"{key}=", literal=True) + _wildcard(value)
        return {"wildcard": {"tags": {"value": pattern}}}
    return {"term": {"tags": f"{key}={value}"}}


def _has(term: HasTerm) -> dict[str, Any]:
    if term.is_tag:
        return {"term": {"tag_keys": term.key}}
    paths = HAS_PATHS.get(term.key) or [FIELD_PATHS[term.key]]
    return _any_of([{"exists": {"field": path}} for path in paths])


def _time(term: TimeTerm) -> dict[str, Any]:
    when = format_time(term.when)
    if term.op == "eq":
        return {"range": {"timestamp": {"gte": when, "lte": when}}}
    return {"range": {"timestamp": {term.op: when}}}


def _any_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _wildcard(value: str, *, literal: bool = False) -> str:
    """Escapes a wildcard pattern: ``*`` stays a wildcard unless ``literal``; ``?`` is literal."""
    escaped = value.replace("\\", "\\\\").replace("?", "\\?")
    return escaped.replace("*", "\\*") if literal else escaped


def sort_newest_first() -> list[dict[str, Any]]:
    """Newest first with ``event_id`` as tiebreak, so ``search_after`` cursors are stable."""
    return [{"timestamp": {"order": "desc"}}, {"event_id": {"order": "desc"}}]


def histogram_agg(interval: str, *, start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
    """A ``date_histogram`` on ``timestamp`` with fixed buckets (``"1h"``, ``"30m"``, ``"1d"``).

    Empty buckets are kept (and, given ``start``/``end``, extended to the whole
    range) so a chart has no holes.
    """
    if not _INTERVAL_RE.fullmatch(interval):
        raise ValueError(f"invalid histogram interval {interval!r} (expected e.g. 30m, 1h, 1d)")
    body: dict[str, Any] = {"field": "timestamp", "fixed_interval": interval, "min_doc_count": 0}
    if start is not None and end is not None:
        body["extended_bounds"] = {"min": format_time(start), "max": format_time(end)}
    return {"date_histogram": body}


def top_tag_values_agg(tag: str, n: int = 10) -> dict[str, Any]:
    """A ``terms`` aggregation over the ``n`` commonest values of a tag or keyword field.

    For a tag the bucket keys are ``"key=value"`` strings: read them back with
    ``mappings.split_tag``.
    """
    if not 1 <= n <= 1000:
        raise ValueError(f"n must be between 1 and 1000, got {n}")
    path = FIELD_PATHS.get(tag)
    if path and path not in TEXT_FIELDS and path != "exception.handled":
        return {"terms": {"field": path, "size": n}}
    return {"terms": {"field": "tags", "size": n, "include": _regexp_literal(tag) + "=.*"}}


def _regexp_literal(text: str) -> str:
    """Escapes Lucene regexp syntax so ``text`` matches only itself."""
    return re.sub(r'([.?+*|{}\[\]()"\\#@&<>~^$])', r"\\\1", text)
