"""Low-level helpers every framer shares: line splitting with byte offsets,
tolerant decoding, line-length bounds, JSON object parsing and gzip with a cap."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

from ingest.logs.model import LogParseError

# One record's text is cut to this many characters (a 10 MB line is a runaway
# process, not a log line); the cut is flagged in ``meta["truncated"]``.
MAX_LINE_CHARS = 64 * 1024
# A JSON record may be larger than a text line (a stack trace in a field) but is
# still bounded; a bigger one is kept as (truncated) text.
MAX_JSON_BYTES = 1024 * 1024
# A compressed body may not expand past this (gzip bombs).
MAX_INFLATED_BYTES = 256 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


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
    """The JSON object in ``raw`` or ``None`` (not JSON, not an object, too big)."""
    if len(raw) > MAX_JSON_BYTES:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def loads_lenient(raw: str) -> Any:
    """JSON that may hold raw control characters (a literal newline inside a string,
    as some writers produce); raises ``ValueError`` when it is not JSON at all."""
    return json.loads(raw, strict=False)


def loads_any(raw: bytes) -> Any:
    """Parse a whole JSON document, or raise ``LogParseError`` saying why not."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise LogParseError(f"body is not valid JSON: {error}") from None


def gunzip(data: bytes, *, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """Inflate gzip (or zlib) data, refusing more than ``limit`` bytes of output."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # auto-detect gzip/zlib header
    try:
        out = inflater.decompress(data, limit)
        if inflater.unconsumed_tail:
            raise LogParseError(f"compressed data expands past {limit} bytes")
        out += inflater.flush()
        if not inflater.eof:
            raise LogParseError("invalid gzip data: truncated stream")
    except zlib.error as error:
        raise LogParseError(f"invalid gzip data: {error}") from None
    # Concatenated gzip members (a shipper appending batches) follow in unused_data.
    rest = inflater.unused_data
    if rest.startswith(GZIP_MAGIC) and len(out) < limit:
        out += gunzip(rest, limit=limit - len(out))
    return out
