"""Item-level validation of envelope items: the one check the view and the worker share.

An envelope is accepted item by item. ``check_item`` either returns the item's
parsed payload or raises :class:`ItemRejected`, which names the outcome
category (Sentry's: ``invalid``, ``too_large``, ``unsupported``) and a short
reason. Because the ingest view and the processing worker call the very same
function, an item the view accepted is never rejected later by a stricter
reading, and an item the worker drops is one the view already reported.

The checks are about *shape*: the types and ranges the downstream code
relies on (a ``sessions`` aggregate is an object of counts, a timestamp is a
finite number a datetime can hold, a client report's quantities are integers).
Values are not otherwise judged; the normalisers bound sizes and text.

Pure Python, no Django: it can be fuzzed beside the envelope parser.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingest.protocol.checkins import CheckInError, parse_check_in
from ingest.protocol.envelope import EVENT_TYPES, EnvelopeError, Item, normalize_event_id, parse_event_json
from ingest.protocol.errors import ClientError

__all__ = ["EVENT_TYPES", "KNOWN_TYPES", "CheckedItem", "ItemRejected", "check_item", "check_items", "type_label"]

# Seconds since the epoch a ``datetime`` can hold (years 1 to 9999): a larger
# "timestamp" (1e300, inf) is not a time at all.
_MIN_EPOCH, _MAX_EPOCH = -62135596800.0, 253402300799.0
# JS-style millisecond timestamps are accepted by the normaliser up to this factor.
_MS = 1000.0
_MAX_COUNT = 2**53
#: One client-report entry counts at most this many dropped items: an SDK reports every
#: minute or so, so a real entry is far smaller, and the per-day sums stay far from overflowing.
MAX_QUANTITY = 10**6
# A time an item carries (epoch seconds or ISO 8601) lies in these years once in UTC.
# Years 1 and 9999 are representable only in some zones ("0001-01-01T00:30:00+01:00"
# overflows when converted to UTC for storage); nothing a client records is that old
# or that far ahead.
MIN_YEAR, MAX_YEAR = 1970, 9000
_MAX_TIME_EPOCH = datetime(MAX_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


class ItemRejected(ClientError):
    """One envelope item is dropped: ``category`` is the outcome, ``reason`` its short name.

    ``message`` is the long form the client sees in the ``dropped`` list of the answer.
    """

    def __init__(self, category: str, reason: str, message: str) -> None:
        status = 413 if category == "too_large" else 400
        super().__init__(message, status=status)
        self.category = category
        self.reason = reason


def _invalid(item: Item, message: str) -> ItemRejected:
    return ItemRejected("invalid", f"invalid_{item.type}"[:64], message)


def _json_object(item: Item) -> dict[str, Any]:
    try:
        return parse_event_json(item.payload)
    except EnvelopeError as exc:
        raise _invalid(item, exc.message) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and _MIN_EPOCH * _MS <= value <= _MAX_EPOCH * _MS
    )


def _timestamp(item: Item, value: Any, where: str, *, required: bool = False) -> None:
    """A time is absent (when optional), an ISO string, or epoch seconds, in years
    ``MIN_YEAR`` to ``MAX_YEAR`` (UTC): what a datetime holds and a database stores."""
    if value is None and not required:
        return
    if isinstance(value, str) and 0 < len(value) <= 64 and _iso_time(value):
        return
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= _MAX_TIME_EPOCH
    ):
        return
    raise _invalid(
        item,
        f"{where} must be epoch seconds or an ISO 8601 string in years {MIN_YEAR} to {MAX_YEAR}, got {value!r:.40}",
    )


def _iso_time(text: str) -> bool:
    """An ISO 8601 time that is still a datetime once converted to UTC (a naive one is
    read as UTC), within ``MIN_YEAR`` to ``MAX_YEAR``."""
    try:
        parsed = datetime.fromisoformat(text.strip())
        in_utc = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return False
    return MIN_YEAR <= in_utc.year <= MAX_YEAR


def _object(item: Item, value: Any, where: str, *, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _invalid(item, f"{where} must be an object, got {type(value).__name__}")
    return value


def _string(item: Item, value: Any, where: str, *, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value):
        raise _invalid(item, f"{where} must be a non-empty string, got {value!r:.40}")


def _count(item: Item, value: Any, where: str, limit: int = _MAX_COUNT) -> None:
    if value is None:
        return
    if not _is_int(value) or not 0 <= value < limit:
        raise _invalid(item, f"{where} must be a non-negative integer below {limit}, got {value!r:.40}")


def _event(item: Item) -> dict[str, Any]:
    body = _json_object(item)
    if body.get("event_id") is not None:
        try:
            normalize_event_id(body["event_id"], "event_id")
        except EnvelopeError as exc:
            raise _invalid(item, exc.message) from None
    return body


def _transaction(item: Item) -> dict[str, Any]:
    body = _event(item)
    _timestamp(item, body.get("timestamp"), "timestamp")
    _timestamp(item, body.get("start_timestamp"), "start_timestamp")
    contexts = _object(item, body.get("contexts"), "contexts")
    trace = _object(item, contexts.get("trace"), "contexts.trace")
    _object(item, trace.get("data"), "contexts.trace.data")
    if body.get("tags") is not None and not isinstance(body["tags"], (dict, list)):
        raise _invalid(item, "tags must be an object or a list of pairs")
    return body


def _feedback(item: Item) -> dict[str, Any]:
    body = _event(item)
    feedback = _object(
        item, _object(item, body.get("contexts"), "contexts").get("feedback"), "contexts.feedback", required=True
    )
    _string(item, feedback.get("message"), "contexts.feedback.message", required=True)
    for name in ("contact_email", "name", "url"):
        _string(item, feedback.get(name), f"contexts.feedback.{name}")
    if feedback.get("associated_event_id") is not None:
        _event_id(item, feedback["associated_event_id"], "contexts.feedback.associated_event_id")
    return body


def _event_id(item: Item, value: Any, where: str) -> None:
    try:
        normalize_event_id(value, where)
    except EnvelopeError as exc:
        raise _invalid(item, exc.message) from None


def _user_report(item: Item) -> dict[str, Any]:
    body = _json_object(item)
    _event_id(item, body.get("event_id"), "event_id")
    for name in ("name", "email", "comments"):
        _string(item, body.get(name), name)
    if not body.get("comments"):
        raise _invalid(item, "comments must be a non-empty string")
    return body


def _session_attrs(item: Item, body: dict[str, Any]) -> None:
    attrs = _object(item, body.get("attrs"), "attrs")
    for name in ("release", "environment"):
        _string(item, attrs.get(name), f"attrs.{name}")


def _session(item: Item, body: dict[str, Any]) -> dict[str, Any]:
    _session_attrs(item, body)
    _string(item, body.get("status"), "status")
    _count(item, body.get("errors"), "errors")
    _timestamp(item, body.get("started"), "started")
    _timestamp(item, body.get("timestamp"), "timestamp")
    return body


def _sessions(item: Item, body: dict[str, Any]) -> dict[str, Any]:
    _session_attrs(item, body)
    aggregates = body.get("aggregates")
    if not isinstance(aggregates, list):
        raise _invalid(item, f"aggregates must be a list, got {type(aggregates).__name__}")
    for number, aggregate in enumerate(aggregates):
        where = f"aggregates[{number}]"
        _object(item, aggregate, where, required=True)
        _timestamp(item, aggregate.get("started"), f"{where}.started", required=True)
        for name in ("exited", "errored", "crashed", "abnormal"):
            _count(item, aggregate.get(name), f"{where}.{name}")
    return body


def _session_item(item: Item) -> dict[str, Any]:
    """``session`` and ``sessions`` are told apart by shape, as the counters do."""
    body = _json_object(item)
    return _sessions(item, body) if item.type == "sessions" or "aggregates" in body else _session(item, body)


def _client_report(item: Item) -> dict[str, Any]:
    body = _json_object(item)
    _timestamp(item, body.get("timestamp"), "timestamp")
    for field_name in ("discarded_events", "rate_limited_events", "filtered_events", "filtered_sampling_events"):
        entries = body.get(field_name)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise _invalid(item, f"{field_name} must be a list, got {type(entries).__name__}")
        for number, entry in enumerate(entries):
            where = f"{field_name}[{number}]"
            _object(item, entry, where, required=True)
            _string(item, entry.get("reason"), f"{where}.reason", required=True)
            _string(item, entry.get("category"), f"{where}.category", required=True)
            _count(item, entry.get("quantity"), f"{where}.quantity", MAX_QUANTITY + 1)
    return body


def _check_in(item: Item) -> dict[str, Any]:
    """The shape ``parse_check_in`` reads (slug, status, id, duration, ``monitor_config``)."""
    body = _json_object(item)
    try:
        parse_check_in(body)
    except CheckInError as exc:
        raise _invalid(item, exc.message) from None
    return body


def _log(item: Item) -> dict[str, Any]:
    body = _json_object(item)
    records = body["items"] if "items" in body else [body]
    if not isinstance(records, list):
        raise _invalid(item, f"items must be a list, got {type(records).__name__}")
    for number, record in enumerate(records):
        where = f"items[{number}]"
        _object(item, record, where, required=True)
        _string(item, record.get("level"), f"{where}.level")
        _string(item, record.get("body"), f"{where}.body")
        _string(item, record.get("trace_id"), f"{where}.trace_id")
        _timestamp(item, record.get("timestamp"), f"{where}.timestamp")
        _object(item, record.get("attributes"), f"{where}.attributes")
    return body


def _attachment(item: Item) -> None:
    for name in ("filename", "content_type", "attachment_type"):
        value = item.headers.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 1024):
            raise _invalid(item, f"header {name} must be a string of at most 1024 characters, got {value!r:.40}")
    return None


_CHECKS: dict[str, Callable[[Item], Any]] = {
    "event": _event,
    "error": _event,
    "transaction": _transaction,
    "feedback": _feedback,
    "user_report": _user_report,
    "session": _session_item,
    "sessions": _session_item,
    "client_report": _client_report,
    "check_in": _check_in,
    "log": _log,
    "attachment": _attachment,
}
#: Item types ErrorHub reads; others are counted and answered as ``unsupported``.
KNOWN_TYPES = frozenset(_CHECKS)


#: Item types of Sentry's protocol ErrorHub does not read: named in outcome reasons as they are.
#: Any other type string is the sender's invention and is counted as ``unknown_type``, so a client
#: cannot mint one outcome reason (a counter row, a metric label) per request.
SENTRY_TYPES = frozenset(
    {
        "profile",
        "profile_chunk",
        "replay_event",
        "replay_recording",
        "replay_video",
        "statsd",
        "metric_meta",
        "span",
        "otel_span",
        "otel_log",
        "nel",
        "raw_security",
        "security",
        "form_data",
        "unreal_report",
        "minidump",
        "apple_crashreport",
        "trace_metric",
    }
)


def type_label(item_type: str) -> str:
    """The item type as outcome reasons name it (bounded: known types only)."""
    return item_type if item_type in KNOWN_TYPES or item_type in SENTRY_TYPES else "unknown_type"


def check_item(item: Item) -> Any:
    """The item's parsed payload (a dict; None for attachments), or ItemRejected.

    Raises ItemRejected(``too_large``) for an item over its size limit,
    ItemRejected(``unsupported``) for a type ErrorHub does not read, and
    ItemRejected(``invalid``) naming the field for a payload of the wrong shape.
    """
    if item.too_large:
        raise ItemRejected(
            "too_large", f"{type_label(item.type)}_too_large", f"over its size limit ({item.size} bytes)"
        )
    check = _CHECKS.get(item.type)
    if check is None:
        raise ItemRejected("unsupported", type_label(item.type), "item type not supported")
    return check(item)


@dataclass(slots=True)
class CheckedItem:
    """One item's verdict: its parsed ``body``, or the ``rejected`` outcome."""

    item: Item
    body: Any = None
    rejected: ItemRejected | None = None


def check_items(headers: dict[str, Any], items: list[Item]) -> tuple[list[CheckedItem], str | None]:
    """Every item's verdict, and the event id the envelope's attachments belong to.

    Per item, ``check_item``; then the attachment rule, so the view reports (and the
    worker drops) exactly the same attachments. An attachment is kept only under an
    event id that is, or may still become, a stored error event:

    - the envelope carries an error event item: the attachment shares its fate — kept
      under that event's id when the event is valid, rejected
      (``attachment_event_dropped``) when it is invalid or too large;
    - the envelope carries no error event (an SDK uploading attachments after their
      event): kept under the header's ``event_id``, waiting for the event, shown
      once it exists;
    - beside a transaction only (never stored as an error) or with no event id at
      all, it could never be shown: rejected.
    """
    checked = []
    for item in items:
        try:
            checked.append(CheckedItem(item, body=check_item(item)))
        except ItemRejected as exc:
            checked.append(CheckedItem(item, rejected=exc))
    events = [c for c in checked if c.item.type in EVENT_TYPES]
    kept = [c for c in events if c.rejected is None]
    header_id = _event_id_or_none(headers.get("event_id"))
    event_id = (_event_id_or_none(kept[0].body.get("event_id")) or header_id) if kept else header_id
    verdict = _attachment_verdict(events, kept, checked, event_id)
    for entry in checked:
        if entry.item.type == "attachment" and entry.rejected is None and verdict is not None:
            entry.rejected = verdict
    return checked, event_id


def _event_id_or_none(value: Any) -> str | None:
    try:
        return normalize_event_id(value) if value is not None else None
    except EnvelopeError:
        return None


def _attachment_verdict(
    events: list[CheckedItem], kept: list[CheckedItem], checked: list[CheckedItem], event_id: str | None
) -> ItemRejected | None:
    """Why this envelope's attachments cannot be kept, or None when they can."""
    if events and not kept:
        return ItemRejected("invalid", "attachment_event_dropped", "its event item was dropped")
    if not events and any(c.item.type == "transaction" for c in checked):
        return ItemRejected("unsupported", "attachment_of_transaction", "attachments of transactions are not kept")
    if not event_id:
        return ItemRejected(
            "invalid", "attachment_without_event_id", "no event_id in the envelope header or an event item to attach to"
        )
    return None
