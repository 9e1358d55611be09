"""The search-engine index layout for events (pure data + functions, no Django).

One mapping serves Elasticsearch 8/9 and OpenSearch 2/3: it uses only types both
engines have (keyword, text, date, boolean, integer, disabled object). Events go
to daily indices ``errorhub-events-YYYY.MM.DD`` (by event timestamp, UTC) created
from a composable index template; every index carries the read alias
``errorhub-events``; retention deletes whole indices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from ingest.protocol.event import Event, searchable_stacks

TEMPLATE_NAME = "errorhub-events"
INDEX_PREFIX = "errorhub-events-"
INDEX_PATTERN = INDEX_PREFIX + "*"
READ_ALIAS = "errorhub-events"

MAX_ARRAY_VALUES = 200  # per flattened frame/exception array
MAX_TEXT_CHARS = 8192  # indexed text; the full value stays in ``body``

_KEYWORD = {"type": "keyword", "ignore_above": 256}
_ID = {"type": "keyword", "ignore_above": 64}


def _keyword(ignore_above: int = 256, **extra: Any) -> dict[str, Any]:
    return {"type": "keyword", "ignore_above": ignore_above, **extra}


# Keyword fields that free text also reaches get a ``text`` sub-field using the
# built-in ``simple`` analyzer (splits on non-letters, lower-cases), so "charge"
# finds ``PaymentService.charge`` and "valueerror" finds ``ValueError`` while the
# keyword itself still serves exact filters, wildcards and aggregations.
_SEARCHABLE_KEYWORD = _keyword(fields={"text": {"type": "text", "analyzer": "simple"}})

MAPPINGS: dict[str, Any] = {
    # strict: a document field the mapping does not know is a bug in
    # document_from_event and must fail the write, not be silently dropped.
    "dynamic": "strict",
    "properties": {
        "event_id": _ID,
        "project_id": _ID,
        "issue_id": _ID,
        "timestamp": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
        "received_at": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
        "platform": _KEYWORD,
        "level": _KEYWORD,
        "logger": _KEYWORD,
        "message": {
            "type": "text",
            "fields": {"keyword": _KEYWORD},
        },
        "release": _KEYWORD,
        "environment": _KEYWORD,
        "server_name": _KEYWORD,
        "service": _KEYWORD,
        "transaction": _keyword(512),
        "source": _KEYWORD,
        "trace_id": _ID,
        "request_id": _keyword(128),
        "size": {"type": "integer"},
        "exception": {
            "properties": {
                "type": _SEARCHABLE_KEYWORD,
                "value": {"type": "text", "fields": {"keyword": _KEYWORD}},
                "module": _KEYWORD,
                "handled": {"type": "boolean"},
            }
        },
        # Frames are flattened into parallel keyword arrays rather than a
        # ``nested`` type: nested costs one hidden Lucene document per frame
        # (hundreds per event) and only pays off for per-frame correlation
        # ("function X in file Y of the same frame"), which no query needs.
        "frames": {
            "properties": {
                "function": _SEARCHABLE_KEYWORD,
                "module": _KEYWORD,
                "filename": _keyword(512),
            }
        },
        "request": {
            "properties": {
                "method": _keyword(16),
                "url": _keyword(2048),
                "status_code": {"type": "integer"},
            }
        },
        "user": {
            "properties": {
                "id": _KEYWORD,
                "email": _KEYWORD,
                "username": _KEYWORD,
                "ip_address": _keyword(64),
            }
        },
        # Tags as "key=value" keyword strings plus the list of keys: portable
        # (ES ``flattened`` and OpenSearch ``flat_object`` differ), one mapped
        # field however many distinct tag keys users invent.
        "tags": _keyword(512),
        "tag_keys": _keyword(128),
        # The whole normalised event, returned by get()/full=true; never indexed.
        "body": {"type": "object", "enabled": False},
    },
}


def index_template(
    *, shards: int = 1, replicas: int = 0, refresh_interval: str = "1s", priority: int = 100
) -> dict[str, Any]:
    """The composable index template body (``PUT _index_template/errorhub-events``)."""
    return {
        "index_patterns": [INDEX_PATTERN],
        "priority": priority,
        "template": {
            "settings": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": refresh_interval,
            },
            "mappings": MAPPINGS,
            "aliases": {READ_ALIAS: {}},
        },
        "_meta": {"managed_by": "errorhub", "schema_version": 1},
    }


INDEX_TEMPLATE = index_template()


def index_name(timestamp: datetime | str) -> str:
    """The daily index an event with this timestamp belongs to (UTC day)."""
    when = _parse_time(timestamp) if isinstance(timestamp, str) else _as_utc(timestamp)
    return f"{INDEX_PREFIX}{when:%Y.%m.%d}"


_INDEX_RE = re.compile(re.escape(INDEX_PREFIX) + r"(\d{4})\.(\d{2})\.(\d{2})", re.ASCII)


def index_day(name: str) -> date | None:
    """The day a daily index holds, or None for a name that is not one of ours."""
    match = _INDEX_RE.fullmatch(name)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def format_time(when: datetime) -> str:
    """UTC, milliseconds, ``Z``: the one format written to and queried on ``date`` fields."""
    return _as_utc(when).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class SerializedDocument:
    """A document ready for the bulk API: the parts of its ``_id``, its day, its JSON text."""

    project_id: int
    event_id: str
    timestamp: str
    source: str | bytes


def dumps_document(doc: dict[str, Any]) -> bytes:
    """A document as JSON (orjson: several times faster than ``json.dumps`` on these;
    anything it cannot encode natively is written as its ``str``)."""
    return orjson.dumps(doc, default=str, option=orjson.OPT_NON_STR_KEYS)


def document_from_event(event: Event, *, issue_id: int) -> dict[str, Any]:
    """Builds the indexed document for a normalised ``Event``.

    Searchable fields are copied out (exceptions and frames flattened, tags as
    ``key=value`` strings, long text truncated); the event itself is kept whole
    in ``body``. Absent values are left out, so ``has:`` is an ``exists`` check.
    """
    timestamp = event.get("timestamp") or event.get("received_at")
    if not timestamp:
        raise ValueError("event has neither timestamp nor received_at")
    doc: dict[str, Any] = {
        "event_id": event["event_id"],
        "project_id": str(event["project_id"]),
        "issue_id": str(issue_id),
        "timestamp": format_time(_parse_time(timestamp)),
    }
    if event.get("received_at"):
        doc["received_at"] = format_time(_parse_time(event["received_at"]))
    for key in (
        "platform", "level", "logger", "release", "environment", "server_name",
        "service", "transaction", "source", "trace_id", "request_id",
    ):  # fmt: skip
        if event.get(key) not in (None, ""):
            doc[key] = str(event[key])
    message = event.get("message")
    if message:
        doc["message"] = message[:MAX_TEXT_CHARS]
    if isinstance(event.get("size"), int):
        doc["size"] = event["size"]
    _put(doc, "exception", _exception_fields(event.get("exception") or []))
    _put(doc, "frames", _frame_fields(searchable_stacks(event)))
    _put(doc, "request", _request_fields(event.get("request") or {}))
    _put(doc, "user", _user_fields(event.get("user") or {}))
    _put_tags(doc, event.get("tags") or {})
    doc["body"] = event
    return doc


def split_tag(indexed: str) -> tuple[str, str]:
    """``"browser=Chrome"`` -> ``("browser", "Chrome")`` (keys never contain ``=``)."""
    key, _, value = indexed.partition("=")
    return key, value


def _exception_fields(exceptions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": _distinct(e.get("type") for e in exceptions),
        "value": _distinct((e.get("value") or "")[:MAX_TEXT_CHARS] for e in exceptions),
        "module": _distinct(e.get("module") for e in exceptions),
    }
    handled = [(e.get("mechanism") or {}).get("handled") for e in exceptions]
    if False in handled:
        fields["handled"] = False  # one unhandled link makes the whole chain unhandled
    elif handled and all(h is True for h in handled):
        fields["handled"] = True
    return fields


def _frame_fields(stacks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    frames = [frame for stack in stacks for frame in (stack.get("frames") or [])]
    return {
        "function": _distinct(f.get("function") for f in frames),
        "module": _distinct(f.get("module") for f in frames),
        "filename": _distinct(f.get("filename") or f.get("abs_path") for f in frames),
    }


def _request_fields(request: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"method": request.get("method"), "url": request.get("url")}
    if isinstance(request.get("status_code"), int):
        fields["status_code"] = request["status_code"]
    return fields


def _user_fields(user: Mapping[str, Any]) -> dict[str, Any]:
    return {key: str(user[key]) for key in ("id", "email", "username", "ip_address") if user.get(key) not in (None, "")}


def _put_tags(doc: dict[str, Any], tags: dict[str, Any]) -> None:
    # A key holding "=" could not be split back apart, so it is not indexed
    # (it stays in ``body``); the normaliser does not produce such keys.
    pairs = [(str(key), "" if value is None else str(value)) for key, value in tags.items() if "=" not in str(key)]
    if pairs:
        doc["tags"] = [f"{key}={value}" for key, value in pairs]
        doc["tag_keys"] = [key for key, _ in pairs]


def _put(doc: dict[str, Any], name: str, fields: dict[str, Any]) -> None:
    present = {key: value for key, value in fields.items() if value not in (None, "", [])}
    if present:
        doc[name] = present


def _distinct(values: Any) -> list[str]:
    """Non-empty strings in first-seen order, at most MAX_ARRAY_VALUES."""
    seen: dict[str, None] = {}
    for value in values:
        if value and isinstance(value, str) and value not in seen:
            seen[value] = None
            if len(seen) == MAX_ARRAY_VALUES:
                break
    return list(seen)


def _parse_time(value: str) -> datetime:
    return _as_utc(datetime.fromisoformat(value))


def _as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
