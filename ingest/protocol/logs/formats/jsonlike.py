"""NDJSON and GELF framing, and the shipper "envelope" every JSON log shipper adds.

Fluent Bit (``log`` + ``kubernetes``), Vector (``message`` + ``source_type``) and
Docker json-file wrap each application line in an object; the application line
itself may be text (a trace line) or JSON (a structured log). ``record_from_object``
unwraps the envelope so the inner line reaches the multi-line assembler as text,
and keeps any other object as a structured record (``LogLine.fields``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingest.protocol.logs.formats._text import (
    MAX_JSON_BYTES,
    BoundedRecords,
    bound,
    decode,
    loads_lenient,
    loads_object,
    split_lines,
)
from ingest.protocol.logs.formats.timestamps import normalise
from ingest.protocol.logs.model import LogLine

# Keys that make an object an application record rather than a shipper envelope.
_RECORD_KEYS = frozenset(
    (
        "level",
        "severity",
        "log.level",
        "@l",
        "lvl",
        "levelname",
        "loglevel",
        "log_level",
        "@m",
        "@mt",
        "msg",
        "short_message",
        "stack_trace",
        "exception",
        "err",
        "error",
    )
)
_MESSAGE_KEYS = ("message", "msg", "@m", "short_message", "textPayload", "log", "event", "MESSAGE")
_TIME_KEYS = ("time", "timestamp", "@timestamp", "date", "ts")
# Lines a JSON object broken by raw newlines may span before we give up on it.
_MAX_BROKEN_LINES = 16


def message_of(obj: dict[str, Any]) -> str:
    """The human message of a JSON record (first string among the usual keys)."""
    for key in _MESSAGE_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return ""


def _envelope_text(obj: dict[str, Any]) -> str | None:
    """The application line inside a shipper envelope, or None if ``obj`` is a record."""
    if not _RECORD_KEYS.isdisjoint(obj):
        return None
    inner = obj.get("log")
    if isinstance(inner, str):
        return inner
    inner = obj.get("message")
    if isinstance(inner, str) and ("source_type" in obj or "kubernetes" in obj):
        return inner
    return None


def _kubernetes_stream(k8s: dict[str, Any], stream: str) -> tuple[str, dict[str, Any]]:
    namespace = k8s.get("namespace_name") or k8s.get("pod_namespace") or ""
    pod = k8s.get("pod_name") or ""
    container = k8s.get("container_name") or ""
    meta: dict[str, Any] = {"kubernetes": {"namespace": namespace, "pod": pod, "container": container}}
    host = k8s.get("host") or k8s.get("pod_node_name")
    if isinstance(host, str):
        meta["host"] = host
    labels = k8s.get("labels") or k8s.get("pod_labels") or {}
    if isinstance(labels, dict):
        service = labels.get("app.kubernetes.io/name") or labels.get("app")
        if isinstance(service, str):
            meta["service"] = service
    key = "/".join(str(part) for part in (namespace, pod, container, stream) if part)
    return key, meta


def _envelope_record(obj: dict[str, Any], inner: str, offset: int, source: str) -> LogLine:
    raw_stream = obj.get("stream")
    stream = raw_stream if isinstance(raw_stream, str) else ""
    meta: dict[str, Any] = {"offset": offset}
    k8s = obj.get("kubernetes")
    if isinstance(k8s, dict):
        stream, extra = _kubernetes_stream(k8s, stream)
        meta.update(extra)
    else:
        container = obj.get("container_name") or obj.get("container_id")
        if isinstance(container, str) and container:
            stream = f"{container}/{stream}" if stream else container
        host = obj.get("host") or obj.get("hostname")
        if isinstance(host, str):
            meta["host"] = host
    if inner.endswith("\n"):
        inner = inner[:-1]
    text = bound(inner.removesuffix("\r"), meta)
    return LogLine(text=text, stream=stream, timestamp=_time_of(obj), source=source, meta=meta)


def _time_of(obj: dict[str, Any]) -> str | None:
    for key in _TIME_KEYS:
        if key in obj:
            return normalise(obj[key])
    return None


def record_from_object(obj: dict[str, Any], offset: int, source: str) -> LogLine:
    """A framed JSON object -> text record (envelope unwrapped) or structured record."""
    inner = _envelope_text(obj)
    if inner is not None:
        return _envelope_record(obj, inner, offset, source)
    meta: dict[str, Any] = {"offset": offset}
    text = bound(message_of(obj), meta)
    return LogLine(text=text, fields=obj, source=source, meta=meta)


def text_record(raw: bytes, offset: int) -> LogLine:
    """A line that is not JSON, kept as a plain text record (shippers mix both)."""
    meta: dict[str, Any] = {"offset": offset}
    return LogLine(text=bound(decode(raw), meta), meta=meta)


def join_broken_object(lines: list[tuple[int, bytes]], index: int) -> tuple[dict[str, Any] | None, int]:
    """A JSON object that a raw newline inside a string (or pretty-printing) spread over
    several lines: join the following lines until it parses. Returns (object, lines
    used beyond the first) or (None, 0)."""
    parts = [lines[index][1]]
    size = len(parts[0])
    for extra, (_, raw) in enumerate(lines[index + 1 : index + _MAX_BROKEN_LINES], start=1):
        parts.append(raw)
        size += len(raw) + 1
        if size > MAX_JSON_BYTES:
            break
        if not raw.rstrip().endswith(b"}"):
            continue
        try:
            value = loads_lenient(decode(b"\n".join(parts)))
        except ValueError:
            continue
        if isinstance(value, dict):
            return value, extra
    return None, 0


def iter_objects(lines: list[tuple[int, bytes]]) -> Iterator[tuple[int, dict[str, Any] | None, bytes]]:
    """Yield ``(offset, object or None, raw)`` per non-blank line, rejoining objects
    broken over several lines."""
    index = 0
    while index < len(lines):
        offset, raw = lines[index]
        index += 1
        head = raw.lstrip()[:1]
        if not head:
            continue
        obj = loads_object(raw) if head == b"{" else None
        if obj is None and head == b"{" and not raw.rstrip().endswith(b"}"):
            obj, used = join_broken_object(lines, index - 1)
            index += used
        yield offset, obj, raw


def _array_records(values: list[Any], source: str) -> list[LogLine]:
    records = BoundedRecords()
    for index, value in enumerate(values):
        if isinstance(value, dict):
            records.append(record_from_object(value, index, source))
        elif isinstance(value, str):
            meta: dict[str, Any] = {"offset": index}
            records.append(LogLine(text=bound(value, meta), source=source, meta=meta))
    return records


def whole_document(body: bytes) -> Any:
    """The body as one JSON document when it is one (an array batch, a pretty-printed
    object), else None. Cheap when the first line is already a complete object."""
    stripped = body.strip()
    if not stripped or stripped[:1] not in (b"[", b"{") or len(stripped) > 64 * MAX_JSON_BYTES:
        return None
    if stripped[:1] == b"{" and b"\n" not in stripped:
        return None  # a single-line object is handled line by line
    first = stripped.split(b"\n", 1)[0]
    if stripped[:1] == b"{" and loads_object(first) is not None:
        return None  # NDJSON
    try:
        import orjson

        return orjson.loads(stripped)
    except ValueError:
        return None


def frame_ndjson(body: bytes, *, source: str = "ndjson") -> list[LogLine]:
    """NDJSON (one object a line), a JSON array of objects, or one pretty-printed
    object. Lines that are not JSON objects are kept as text records."""
    document = whole_document(body)
    if isinstance(document, list):
        return _array_records(document, source)
    if isinstance(document, dict):
        return [record_from_object(document, 0, source)]
    records = BoundedRecords()
    for offset, obj, raw in iter_objects(list(split_lines(body))):
        if obj is None:
            records.append(text_record(raw, offset))
        else:
            records.append(record_from_object(obj, offset, source))
    return records


def _gelf_record(obj: dict[str, Any], offset: int) -> LogLine:
    meta: dict[str, Any] = {"offset": offset}
    host = obj.get("host")
    if isinstance(host, str):
        meta["host"] = host
    text = obj.get("short_message")
    text = bound(text if isinstance(text, str) else message_of(obj), meta)
    return LogLine(
        text=text, fields=obj, timestamp=normalise(obj.get("timestamp")), source="gelf", meta=meta, stream=host or ""
    )


def frame_gelf(body: bytes) -> list[LogLine]:
    """GELF objects, one a line or separated by NUL bytes (GELF over TCP framing)."""
    if b"\0" in body:
        chunks, offset = [], 0
        for part in body.split(b"\0"):
            chunks.append((offset, part.strip()))
            offset += len(part) + 1
    else:
        chunks = list(split_lines(body))
    records = BoundedRecords()
    for offset, obj, raw in iter_objects(chunks):
        if obj is None:
            records.append(text_record(raw, offset))
        else:
            records.append(_gelf_record(obj, offset))
    return records
