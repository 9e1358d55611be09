"""Parse and build Sentry envelopes: the wire format every modern SDK posts.

An envelope is a JSON header line, then items. Each item is a JSON header line
followed by its payload: exactly ``length`` bytes when the header says so
(binary-safe; attachments contain newlines and NUL bytes), otherwise the rest
of the line. See https://develop.sentry.dev/sdk/data-model/envelopes/.

The parser works on bytes that were already size-bounded by ``ingest.protocol.bodies``
and never trusts a header: a length running past the end, a header that is
not a JSON object, or an absurd number of items each gets an EnvelopeError
whose message says which item and what was wrong, because the SDK author
reading our 400 has nothing else to go on. An item over its size limit does
not sink the envelope; it is marked ``too_large`` so the caller can drop or
report just that item.

Pure functions to dataclasses, no Django import: fuzzed in
tests/ingest/protocol/test_envelope_fuzz.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ingest.protocol.errors import ClientError
from ingest.protocol.limits import deeper_than, may_be_deeper_than

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_ITEM_SIZES",
    "EVENT_ITEM_TYPES",
    "EVENT_TYPES",
    "QUOTA_ITEM_TYPES",
    "Envelope",
    "EnvelopeError",
    "Item",
    "event_id_from",
    "normalize_event_id",
    "parse_envelope",
    "parse_event_json",
    "serialize_envelope",
]

_MIB = 1024 * 1024
#: Per item type payload limits, after Sentry's own defaults; ``"*"`` covers
#: every type not listed. A mapping without ``"*"`` leaves other types unlimited.
DEFAULT_MAX_ITEM_SIZES: Mapping[str, int] = {
    "event": _MIB,
    "transaction": _MIB,
    "attachment": 100 * _MIB,
    "profile": 50 * _MIB,
    "replay_recording": 10 * _MIB,
    "*": _MIB,
}
#: Real SDKs send a handful of items; a cap stops a body of millions of tiny
#: items from costing millions of Python objects.
DEFAULT_MAX_ITEMS = 1000
#: Nesting depth an event may have. orjson itself refuses beyond 1024.
DEFAULT_MAX_DEPTH = 128
#: Item types that carry an error event (stored and grouped): the one set the
#: view, the item checks and the worker derive their item-type sets from.
EVENT_TYPES = frozenset({"event", "error"})
#: Item types whose payload is an event-like JSON object carrying ``event_id``.
EVENT_ITEM_TYPES = EVENT_TYPES | {"transaction", "feedback", "user_report"}
#: Item types charged to the project's quota and counted ``accepted`` by the view
#: (when the item itself is accepted): error events, transactions and logs.
QUOTA_ITEM_TYPES = EVENT_TYPES | {"transaction", "log"}

_BLANK = b" \t\r\n"
_HEX = frozenset("0123456789abcdef")


class EnvelopeError(ClientError, ValueError):
    """The envelope (or an event in it) is malformed; ``message`` says where."""


@dataclass(slots=True)
class Item:
    """One envelope item.

    ``size`` is the payload size as sent. When ``too_large`` is set the payload
    was over its limit and is left out (``b""``) rather than copied.
    """

    headers: dict[str, Any]
    type: str
    payload: bytes
    too_large: bool = False
    size: int = field(default=-1)

    def __post_init__(self) -> None:
        if self.size < 0:
            self.size = len(self.payload)


@dataclass(slots=True)
class Envelope:
    """An envelope's headers (``event_id``, ``dsn``, ``sent_at``, …) and items."""

    headers: dict[str, Any]
    items: list[Item]


def parse_envelope(
    data: bytes,
    *,
    max_item_size: int | Mapping[str, int] = DEFAULT_MAX_ITEM_SIZES,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Envelope:
    """Split ``data`` into envelope headers and items; raise EnvelopeError if malformed.

    ``max_item_size`` is one limit for every item or a per-type mapping (see
    DEFAULT_MAX_ITEM_SIZES). Blank lines after an item are tolerated, since
    some SDKs end the body with an extra newline.
    """
    if _next_content(data, 0) >= len(data):
        raise EnvelopeError("envelope is empty")
    line, pos = _read_line(data, 0)
    headers = _load_object(line, "envelope header")
    items: list[Item] = []
    while (pos := _next_content(data, pos)) < len(data):
        if len(items) >= max_items:
            raise EnvelopeError(f"envelope has more than {max_items} items")
        item, pos = _parse_item(data, pos, len(items) + 1, max_item_size)
        items.append(item)
    return Envelope(headers=headers, items=items)


def _parse_item(data: bytes, pos: int, number: int, limits: int | Mapping[str, int]) -> tuple[Item, int]:
    """Parse item ``number`` (1-based) whose header starts at ``pos``; return it and the next offset."""
    line, pos = _read_line(data, pos)
    headers = _load_object(line, f"item {number} header")
    item_type = headers.get("type")
    if not isinstance(item_type, str) or not item_type:
        raise EnvelopeError(f'item {number}: header has no "type" string')
    start, end, after = _payload_bounds(data, pos, headers.get("length"), number)
    size = end - start
    limit = _limit_for(item_type, limits)
    if limit is not None and size > limit:
        return Item(headers=headers, type=item_type, payload=b"", too_large=True, size=size), after
    return Item(headers=headers, type=item_type, payload=data[start:end]), after


def _payload_bounds(data: bytes, pos: int, length: Any, number: int) -> tuple[int, int, int]:
    """Return (start, end, next item offset) of a payload starting at ``pos``."""
    if length is None:
        newline = data.find(b"\n", pos)
        return (pos, len(data), len(data)) if newline < 0 else (pos, newline, newline + 1)
    if not isinstance(length, int) or isinstance(length, bool) or length < 0:
        raise EnvelopeError(f"item {number}: length must be a non-negative integer, got {length!r:.40}")
    end = pos + length
    if end > len(data):
        raise EnvelopeError(
            f"item {number}: length {length} runs past the end of the envelope ({len(data) - pos} bytes left)"
        )
    if end < len(data) and data[end] != 0x0A:
        raise EnvelopeError(
            f"item {number}: expected a newline after the {length}-byte payload, found {data[end : end + 1]!r}"
        )
    return pos, end, min(end + 1, len(data))


def _limit_for(item_type: str, limits: int | Mapping[str, int]) -> int | None:
    """The size limit for ``item_type``, or None for unlimited."""
    if isinstance(limits, int):
        return limits
    return limits.get(item_type, limits.get("*"))


def _read_line(data: bytes, pos: int) -> tuple[bytes, int]:
    """Return the line starting at ``pos`` (without ``\\n``) and the offset after it."""
    newline = data.find(b"\n", pos)
    if newline < 0:
        return data[pos:], len(data)
    return data[pos:newline], newline + 1


def _next_content(data: bytes, pos: int) -> int:
    """Skip blank space between items; returns len(data) if only blanks remain."""
    while pos < len(data) and data[pos] in _BLANK:
        pos += 1
    return pos


def _load_object(raw: bytes, what: str) -> dict[str, Any]:
    """Parse a JSON header line that must be an object."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise EnvelopeError(_describe_json_error(raw, what, exc)) from None
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} must be a JSON object, got {_json_type(value)}")
    return value


def parse_event_json(payload: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    """Parse an event item payload: a JSON object nested at most ``max_depth`` deep.

    The depth bound protects everything downstream (normalisers, templates,
    Postgres jsonb) from recursion on hostile input. orjson stops at 1024
    levels on its own; that failure gets the same clear message.
    """
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise EnvelopeError(_describe_json_error(payload, "event payload", exc, max_depth)) from None
    if not isinstance(value, dict):
        raise EnvelopeError(f"event payload must be a JSON object, got {_json_type(value)}")
    # Every level of nesting opens a bracket, so a payload with no more brackets
    # than the limit (most events: a few dozen) cannot be too deep: no walk needed.
    if may_be_deeper_than(payload, max_depth) and deeper_than(value, max_depth):
        raise EnvelopeError(f"event payload is nested deeper than {max_depth} levels")
    return value


def _describe_json_error(raw: bytes, what: str, exc: orjson.JSONDecodeError, max_depth: int = 1024) -> str:
    """Turn orjson's error into a message naming the real problem."""
    text = str(exc)
    if text.startswith(("depth limit exceeded", "recursion limit")):
        return f"{what} is nested deeper than {min(max_depth, 1024)} levels"
    if "not valid UTF-8" in text:
        try:
            bytes(raw).decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"{what} is not valid UTF-8 (byte {bad.start})"
        return f"{what} is not valid UTF-8"
    if not raw.strip():
        return f"{what} is empty"
    return f"{what} is not valid JSON: {text}"


def _json_type(value: Any) -> str:
    """JSON-ish name of a parsed value for error messages ("list", "string", …)."""
    names = {list: "list", str: "string", int: "number", float: "number", bool: "boolean", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def normalize_event_id(value: Any, where: str = "event_id") -> str | None:
    """Return an event id as 32 lowercase hex characters.

    Accepts the plain and the dashed UUID form, either case. The nil UUID
    means "no id" (returns None) so the caller assigns one instead of every
    such event colliding on the same id.
    """
    if not isinstance(value, str):
        raise EnvelopeError(f"{where} must be a string, got {_json_type(value)}")
    text = value.strip().lower()
    if len(text) == 36 and all(text[i] == "-" for i in (8, 13, 18, 23)):
        text = text.replace("-", "")
    if len(text) != 32 or not _HEX.issuperset(text):
        raise EnvelopeError(f"{where} must be 32 hex characters or a UUID, got {value!r:.50}")
    return None if text == "0" * 32 else text


def event_id_from(envelope: Envelope, item: Item | None = None, event: Mapping[str, Any] | None = None) -> str | None:
    """The event id for ``item``: the envelope header's ``event_id``, else the payload's.

    Pass ``event`` when the payload is already parsed, to avoid parsing twice.
    Returns None when neither has one; raises EnvelopeError when one is malformed.
    """
    if envelope.headers.get("event_id") is not None:
        return normalize_event_id(envelope.headers["event_id"], "envelope header event_id")
    if event is None and item is not None and item.type in EVENT_ITEM_TYPES and not item.too_large:
        event = parse_event_json(item.payload)
    if event is not None and event.get("event_id") is not None:
        return normalize_event_id(event["event_id"], "event payload event_id")
    return None


ItemSpec = Item | tuple[Mapping[str, Any], bytes | Mapping[str, Any] | list[Any]]


def serialize_envelope(headers: Mapping[str, Any], items: Iterable[ItemSpec], *, with_length: bool = True) -> bytes:
    """Build envelope bytes, for tests, fixtures and the benchmark.

    Items are Item objects or ``(headers, payload)`` pairs where the payload is
    bytes or something orjson can dump. ``with_length`` writes each item's
    ``length`` (binary-safe); without it payloads must not contain ``\\n``.
    """
    parts = [orjson.dumps(dict(headers)), b"\n"]
    for spec in items:
        item_headers, payload = _item_parts(spec)
        if with_length:
            item_headers["length"] = len(payload)
        elif b"\n" in payload:
            raise ValueError("a payload containing a newline needs a length header")
        else:
            item_headers.pop("length", None)
        parts += [orjson.dumps(item_headers), b"\n", payload, b"\n"]
    return b"".join(parts)


def _item_parts(spec: ItemSpec) -> tuple[dict[str, Any], bytes]:
    """Headers (a fresh dict, with ``type``) and payload bytes of one item spec."""
    if isinstance(spec, Item):
        return {**spec.headers, "type": spec.type}, spec.payload
    item_headers, payload = spec
    if "type" not in item_headers:
        raise ValueError("item headers need a 'type'")
    if not isinstance(payload, (bytes, bytearray)):
        payload = orjson.dumps(payload)
    return dict(item_headers), bytes(payload)
