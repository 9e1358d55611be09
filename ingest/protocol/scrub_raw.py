"""PII scrubbing of what ingest keeps *raw*: attachments and dead-letter payloads.

Pure (no Django import). The same rules as ``ingest.protocol.scrub`` (one project
config), applied to what can be read:

- JSON (event items, store/security bodies, JSON attachments): parsed, values
  scrubbed by key and by pattern, serialised again;
- text (log lines, text attachments, anything else that decodes as UTF-8):
  the pattern rules and ``key=value`` pairs;
- binary (minidumps, core dumps, images, protobuf OTLP bodies): kept as sent.
  Their secrets cannot be found without a parser per format, and a byte
  pattern replaced inside them would corrupt the file (a minidump's offsets
  and sizes are absolute) and make it useless for the crash it documents.

A dead letter must stay replayable: an envelope is rebuilt item by item (each
item's ``length`` header matches its new payload) and the payload is encoded
the way it came (UTF-8 text or base64).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ingest.protocol.envelope import EnvelopeError, parse_envelope
from ingest.protocol.limits import deeper_than, may_be_deeper_than
from ingest.protocol.raw_payload import payload_bytes
from ingest.protocol.scrub import DEFAULT_CONFIG, ScrubConfig, scrub_text, scrub_value

__all__ = ["is_text_attachment", "scrub_attachment", "scrub_payload"]

_TEXT_TYPES = ("application/json", "application/x-ndjson", "application/xml", "application/x-www-form-urlencoded")
_TEXT_SUFFIXES = (".txt", ".log", ".json", ".csv", ".xml", ".yaml", ".yml")
_NO_LIMIT = 1 << 62  # the envelope was accepted once: its items are within their limits


def is_text_attachment(filename: str, content_type: str) -> bool:
    """Text (text/*, JSON …, or a text file name without a content type) rather than binary."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+json", "+xml")):
        return True
    return kind in ("", "application/octet-stream") and filename.lower().endswith(_TEXT_SUFFIXES)


def scrub_attachment(
    filename: str, content_type: str, data: bytes, config: ScrubConfig = DEFAULT_CONFIG
) -> tuple[str, bytes]:
    """(scrubbed file name, scrubbed content); binary content is returned unchanged."""
    clean_name = scrub_text(filename, config)
    if not is_text_attachment(filename, content_type):
        return clean_name, data
    return clean_name, _scrub_bytes(data, config)


class _TooDeep(Exception):
    """JSON nested deeper than ``MAX_JSON_DEPTH``: walking it would hit the recursion limit."""


def _json_structure(text: str | bytes) -> dict[str, Any] | list[Any] | None:
    """The JSON object or array in ``text``, or None when it is not one.

    Raises ``_TooDeep`` for JSON nested past ``MAX_JSON_DEPTH`` (``json.loads`` recurses
    once per level: 5000 levels raise RecursionError), so the caller scrubs it as text
    and the document is still kept, without its secrets.
    """
    try:
        parsed = json.loads(text)
    except RecursionError:
        raise _TooDeep from None
    except ValueError:
        return None
    if not isinstance(parsed, (dict, list)):
        return None
    if may_be_deeper_than(text) and deeper_than(parsed):
        raise _TooDeep
    return parsed


def _json_text(value: dict[str, Any] | list[Any], config: ScrubConfig) -> bytes:
    return json.dumps(scrub_value(value, config), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _scrub_bytes(data: bytes, config: ScrubConfig) -> bytes:
    """JSON by structure, other UTF-8 text (and JSON too deep to walk) by pattern;
    undecodable bytes unchanged."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    try:
        parsed = _json_structure(text)
    except _TooDeep:
        parsed = None
    if parsed is None:
        return scrub_text(text, config).encode("utf-8")
    return _json_text(parsed, config)


def _scrub_json_only(data: bytes, config: ScrubConfig) -> bytes:
    """A body that is JSON or binary (OTLP: JSON or protobuf): scrub only the JSON
    (JSON too deep to walk by pattern, as text)."""
    try:
        parsed = _json_structure(data)
    except _TooDeep:
        return _scrub_bytes(data, config)
    return data if parsed is None else _json_text(parsed, config)


def _scrub_envelope(data: bytes, config: ScrubConfig) -> bytes:
    """Every item scrubbed by what it is; the envelope header line kept as it was."""
    try:
        envelope = parse_envelope(data, max_item_size=_NO_LIMIT, max_items=1 << 20)
    except EnvelopeError:  # no longer an envelope: scrub it as text so no secret is kept
        return _scrub_bytes(data, config)
    header_line = data.split(b"\n", 1)[0]
    parts = [header_line]
    for item in envelope.items:
        headers = dict(item.headers)
        if item.type == "attachment":
            name, payload = scrub_attachment(
                str(headers.get("filename") or ""), str(headers.get("content_type") or ""), item.payload, config
            )
            if "filename" in headers:
                headers["filename"] = name
        else:
            payload = _scrub_bytes(item.payload, config)
        headers["length"] = len(payload)
        parts += [json.dumps(headers, separators=(",", ":")).encode("utf-8"), payload]
    return b"\n".join(parts) + b"\n"


def _encoded(payload: dict[str, Any], data: bytes) -> str:
    if payload.get("b64"):
        return base64.b64encode(data).decode("ascii")
    return data.decode("utf-8", "surrogateescape")


def scrub_payload(payload: dict[str, Any], config: ScrubConfig = DEFAULT_CONFIG) -> dict[str, Any]:
    """A copy of a queued raw payload (``{"kind", "data", "b64", ...}``) with its data scrubbed.

    Payloads of another shape (an event store document, already scrubbed when
    its event was processed) are returned as they are.
    """
    if not isinstance(payload.get("data"), str) or not isinstance(payload.get("kind"), str):
        return payload
    try:
        data = payload_bytes(payload)
    except ValueError:  # not valid base64: nothing readable to scrub or replay
        return payload
    kind = payload["kind"]
    if kind == "envelope":
        data = _scrub_envelope(data, config)
    elif kind == "otlp":
        data = _scrub_json_only(data, config)
    else:  # store / security (JSON), logs (text)
        data = _scrub_bytes(data, config)
    return {**payload, "data": _encoded(payload, data)}
