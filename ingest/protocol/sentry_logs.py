"""Sentry ``log`` envelope items (structured logs from the SDKs' logger APIs).

Records at error level or above become events; the rest are counted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ingest.protocol.event import Event, level_at_least, normalize_level
from ingest.protocol.text import storable


def _attr(attrs: dict[str, Any], key: str) -> Any:
    value = attrs.get(key)
    return value.get("value") if isinstance(value, dict) else value


def _text_attr(attrs: dict[str, Any], key: str, limit: int = 200) -> str | None:
    """An attribute that becomes a top-level event field (release, environment): text,
    bounded, or None. Grouping reads these as strings; an SDK may send any JSON value
    (``{"type": "integer", "value": 3}``, a list ...), and a number is kept as its text."""
    value = _attr(attrs, key)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return storable(str(value), limit) or None


def _timestamp(value: Any, fallback: datetime) -> str:
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return fallback.isoformat()


def _event(record: dict[str, Any], level: str, project_id: int, received_at: datetime) -> Event:
    raw_attrs = record.get("attributes")
    attrs: dict[str, Any] = raw_attrs if isinstance(raw_attrs, dict) else {}
    message = storable(str(record.get("body") or ""), 8192)
    template = _attr(attrs, "sentry.message.template")
    return {
        "event_id": uuid.uuid4().hex,
        "project_id": project_id,
        "received_at": received_at.isoformat(),
        "timestamp": _timestamp(record.get("timestamp"), received_at),
        "platform": "other",
        "level": level,
        "message": message,
        "message_template": storable(str(template), 8192) if template else None,
        "release": _text_attr(attrs, "sentry.release"),
        "environment": _text_attr(attrs, "sentry.environment"),
        "trace_id": storable(str(record.get("trace_id") or ""), 64) or None,
        "tags": {},
        "extra": {storable(str(k), 200): storable(str(_attr(attrs, k)), 1024) for k in list(attrs)[:50]},
        "source": "sdk:log",
    }


def events_from_log_item(body: dict[str, Any], *, project_id: int, received_at: datetime) -> tuple[list[Event], int]:
    """(events for error-or-worse records, number of other records counted)."""
    items = body.get("items")
    records: list[Any] = items if isinstance(items, list) else [body]
    events: list[Event] = []
    counted = 0
    for record in records:
        if not isinstance(record, dict):
            continue
        level = normalize_level(record.get("level"), "info")
        if level_at_least(level, "error"):
            events.append(_event(record, level, project_id, received_at))
        else:
            counted += 1
    return events, counted
