"""Low-level helpers every framer shares: line splitting with byte offsets,
tolerant decoding, line-length bounds, JSON object parsing (bounded depth, no NaN) and gzip
with a cap."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

from ingest.protocol.bodies import BodyError, BodyTooLarge, decode_body
from ingest.protocol.limits import MAX_JSON_DEPTH, deeper_than, may_be_deeper_than
from ingest.protocol.logs.model import LogParseError

# One record's text is cut to this many characters (a 10 MB line is a runaway
# process, not a log line); the cut is flagged in ``meta["truncated"]``.
MAX_LINE_CHARS = 64 * 1024
# A JSON record may be larger than a text line (a stack trace in a field) but is
# still bounded; a bigger one is kept as (truncated) text.
MAX_JSON_BYTES = 1024 * 1024
# All the gzip in one body (the body itself, each CloudWatch record inside it) may not
# expand past this in all: the default log body limit (ERRORHUB_MAX_LOG_BYTES), so a
# small compressed request cannot become a large one in the web or Celery worker.
MAX_INFLATED_BYTES = 10 * 1024 * 1024
# gzip inside gzip this many times at most (a shipper compresses once, Firehose once more).
MAX_GZIP_LAYERS = 4
GZIP_MAGIC = b"\x1f\x8b"
# Records one body may frame into, in every format: a 10 MB body of tiny records
# would otherwise become millions of objects (gigabytes) in the web worker.
MAX_RECORDS = 200_000


class BoundedRecords(list):  # type: ignore[type-arg]
    """The records of one body: a list that refuses to grow past ``MAX_RECORDS``."""

    def append(self, record: Any) -> None:
        if len(self) >= MAX_RECORDS:
            raise LogParseError(f"more than {MAX_RECORDS} records in one request: send smaller batches")
        super().append(record)

    def extend(self, records: Any) -> None:
        for record in records:
            self.append(record)


def decode(raw: bytes) -> str:
    """UTF-8 with replacement characters for invalid bytes; never raises."""
    return raw.decode("utf-8", "replace")


def bound(text: str, meta: dict[str, Any]) -> str:
    """Cut ``text`` to ``MAX_LINE_CHARS`` and note it in ``meta``."""
    if len(text) > MAX_LINE_CHARS:
        meta["truncated"] = len(text)
        return text[:MAX_LINE_CHARS]
    return text


def split_lines(body: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield ``(byte offset, line)`` for each line; ``\\n`` or ``\\r\\n`` ends a line,
    the empty remainder after a final newline is not a line. A lone BOM is dropped."""
    offset = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    parts = body[offset:].split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    for part in parts:
        size = len(part) + 1
        if part.endswith(b"\r"):
            part = part[:-1]
        yield offset, part
        offset += size


def loads_object(raw: bytes | str) -> dict[str, Any] | None:
    """The JSON object in ``raw`` or ``None`` (not JSON, not an object, too big, too deep)."""
    if len(raw) > MAX_JSON_BYTES:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict) or may_be_deeper_than(raw) and deeper_than(value):
        return None
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN/Infinity: a JSON store (Postgres jsonb) refuses them later


def loads_lenient(raw: str) -> Any:
    """JSON that may hold raw control characters (a literal newline inside a string,
    as some writers produce); raises ``ValueError`` when it is not JSON at all, holds
    NaN/Infinity, or nests deeper than ``MAX_JSON_DEPTH`` — what orjson refuses too."""
    try:
        value = json.loads(raw, strict=False, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if may_be_deeper_than(raw) and deeper_than(value):
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def loads_any(raw: bytes) -> Any:
    """Parse a whole JSON document, or raise ``LogParseError`` saying why not."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise LogParseError(f"body is not valid JSON: {error}") from None


def gunzip(data: bytes, *, limit: int | None = None) -> bytes:
    """Inflate gzip data — every concatenated member — refusing more than ``limit``
    bytes of output (default ``MAX_INFLATED_BYTES``).

    Streams through the ingest body decoder: output is produced a chunk at a time
    and stops the moment it passes the limit; members are walked in a loop, so
    thousands of them cost no stack.
    """
    limit = MAX_INFLATED_BYTES if limit is None else limit
    try:
        return decode_body(data, "gzip", max_compressed=len(data), max_decompressed=limit)
    except BodyTooLarge:
        raise LogParseError(f"compressed data expands past {limit} bytes", status=413) from None
    except BodyError as error:
        raise LogParseError(f"invalid gzip data: {error.message}") from None


class InflateBudget:
    """What all the gzip inside one log body may expand to, together.

    One allowance per body, not per gzip stream: a body of many small compressed
    records must not multiply the limit by their number.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.left = MAX_INFLATED_BYTES if limit is None else limit

    def gunzip(self, data: bytes) -> bytes:
        out = gunzip(data, limit=self.left)
        self.left -= len(out)
        return out

    def inflate_layers(self, data: bytes) -> bytes:
        """Undo gzip as long as the data starts with its magic bytes, at most ``MAX_GZIP_LAYERS`` times."""
        for _ in range(MAX_GZIP_LAYERS):
            if not data.startswith(GZIP_MAGIC):
                return data
            data = self.gunzip(data)
        if data.startswith(GZIP_MAGIC):
            raise LogParseError(f"gzip nested more than {MAX_GZIP_LAYERS} times")
        return data
