"""Read and decompress an ingest request body without trusting the sender.

SDKs compress their envelopes (the Python SDK sends brotli or gzip, others
gzip, deflate or zstd) and some stream them with ``Transfer-Encoding:
chunked`` and no ``Content-Length``. Both are attack surface: a few kilobytes
of compressed zeros can expand to gigabytes, and an unbounded body can fill
memory. So everything here works in bounded steps: input is read in chunks,
every decompressor is asked for at most ``CHUNK`` bytes at a time, and the
running total is checked against the caller's limit before anything more is
produced. A zip bomb therefore costs at most about ``max_decompressed`` plus
one chunk of memory and stops as soon as it crosses the line.

Pure Python with no Django import, so it can be fuzzed and benchmarked alone.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Protocol

import brotli
import zstandard

from ingest.protocol.errors import ClientError

__all__ = [
    "CHUNK",
    "SUPPORTED_ENCODINGS",
    "BodyDecodeError",
    "BodyError",
    "BodyTooLarge",
    "UnsupportedEncoding",
    "decode_body",
    "read_stream",
]

#: Largest piece of output asked of a decompressor (and read from a stream) at once.
CHUNK = 64 * 1024
#: Compressed input is fed in pieces this size so no decompressor call ever
#: copies more than this of "unconsumed" input around.
_INPUT_PIECE = 16 * 1024
#: More stacked encodings than this is not something a real client sends.
_MAX_STACKED = 4
#: zstd framing walk budget: this many blocks, plus one per this many bytes of
#: allowed output (a real encoder's blocks average far more).
_MAX_ZSTD_BLOCKS_BASE = 1024
_MIN_ZSTD_BLOCK_OUTPUT = 256


class Reader(Protocol):
    """Anything with a ``read(n)`` like ``wsgi.input``."""

    def read(self, size: int = ..., /) -> bytes: ...


class BodyError(ClientError):
    """Base of every body problem; ``status`` is the HTTP answer to give."""


class BodyTooLarge(BodyError):
    """The body (raw or decompressed) is over its limit: answer 413."""

    status = 413

    def __init__(self, limit: int, what: str) -> None:
        super().__init__(f"{what} is larger than the limit of {limit} bytes")
        self.limit = limit
        self.what = what


class BodyDecodeError(BodyError):
    """The body claims an encoding but is not valid data in it: answer 400."""

    status = 400


class UnsupportedEncoding(BodyError):
    """A Content-Encoding we cannot undo: answer 415 so the client can switch."""

    status = 415

    def __init__(self, encoding: str, message: str | None = None) -> None:
        supported = ", ".join(sorted(SUPPORTED_ENCODINGS))
        super().__init__(message or f"unsupported Content-Encoding {encoding!r} (supported: {supported})")
        self.encoding = encoding


def read_stream(stream: Reader, max_bytes: int, *, chunk_size: int = CHUNK) -> bytes:
    """Read ``stream`` to its end, refusing to hold more than ``max_bytes``.

    Chunked uploads carry no ``Content-Length``, so the only correct way to get
    the body is to read until the server reports end of stream (gunicorn sets
    ``wsgi.input_terminated`` and returns ``b""`` at the end). Never more than
    ``max_bytes + 1`` bytes are requested, the one extra byte being how a body
    of exactly the limit is told apart from a longer one.
    """
    buf = bytearray()
    while True:
        piece = stream.read(min(chunk_size, max_bytes + 1 - len(buf)))
        if not piece:
            return bytes(buf)
        buf += piece
        if len(buf) > max_bytes:
            raise BodyTooLarge(max_bytes, "request body")


def decode_body(
    raw: bytes | bytearray | memoryview | Reader,
    content_encoding: str | None,
    *,
    max_compressed: int,
    max_decompressed: int,
) -> bytes:
    """Return the body with every ``Content-Encoding`` undone, within limits.

    ``raw`` is the body already in memory or a stream to read to its end.
    Stacked encodings (``"gzip, br"``: gzip applied first) are undone last to
    first; each step's output is bounded by ``max_decompressed`` too, since an
    inner layer can be a bomb of its own.
    """
    encodings = parse_content_encoding(content_encoding)
    if isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
        if len(data) > max_compressed:
            raise BodyTooLarge(max_compressed, "request body")
    else:
        data = read_stream(raw, max_compressed)
    if not encodings and len(data) > max_decompressed:
        raise BodyTooLarge(max_decompressed, "request body")
    for encoding in reversed(encodings):
        if not data:  # an empty body is empty in every encoding; let the parser say so
            break
        data = _collect(_DECODERS[encoding](data, max_decompressed), max_decompressed)
    return data


def parse_content_encoding(value: str | None) -> list[str]:
    """Split a Content-Encoding header into known codings, in applied order.

    Raises UnsupportedEncoding before any work is done, so a client using an
    encoding we lack learns so from a 415 instead of a confusing parse error.
    """
    names = [part.strip().lower() for part in (value or "").split(",")]
    names = [name for name in names if name and name != "identity"]
    for name in names:
        if name not in _DECODERS:
            raise UnsupportedEncoding(name)
    if len(names) > _MAX_STACKED:
        raise UnsupportedEncoding(
            value or "", f"Content-Encoding stacks {len(names)} encodings; at most {_MAX_STACKED} are accepted"
        )
    return names


def _collect(chunks: Iterable[bytes], limit: int) -> bytes:
    """Join decompressed chunks, stopping the moment the total passes ``limit``."""
    buf = bytearray()
    for chunk in chunks:
        if len(buf) + len(chunk) > limit:
            raise BodyTooLarge(limit, "decompressed body")
        buf += chunk
    return bytes(buf)


def _inflate_member(view: memoryview, start: int, wbits: int, codec: str) -> Generator[bytes, None, int]:
    """Yield one zlib/gzip/raw-deflate stream from ``view[start:]`` in chunks.

    Returns the offset just past the stream, so a caller can look for another
    gzip member or complain about trailing garbage.
    """
    decomp = zlib.decompressobj(wbits)
    pos = start
    pending: bytes | memoryview = b""
    try:
        while not decomp.eof:
            if not pending and pos < len(view):
                pending = view[pos : pos + _INPUT_PIECE]
                pos += len(pending)
            out = decomp.decompress(pending, CHUNK)
            pending = decomp.unconsumed_tail
            if out:
                yield out
            elif not pending and pos >= len(view) and not decomp.eof:
                raise BodyDecodeError(f"{codec} data is truncated")
    except zlib.error as exc:
        raise BodyDecodeError(f"{codec} data is corrupt: {exc}") from None
    return pos - len(decomp.unused_data)


def _gunzip(data: bytes, _limit: int) -> Iterator[bytes]:
    """gzip, including several concatenated members (valid per RFC 1952)."""
    view = memoryview(data)
    pos = 0
    while True:
        pos = yield from _inflate_member(view, pos, 16 + zlib.MAX_WBITS, "gzip")
        if pos >= len(view):
            return
        if view[pos : pos + 2].tobytes() != b"\x1f\x8b":
            raise BodyDecodeError(f"gzip data has {len(view) - pos} bytes of trailing garbage")


def _inflate(data: bytes, _limit: int) -> Iterator[bytes]:
    """HTTP "deflate": officially zlib-wrapped, but many clients send raw deflate.

    The two are told apart by the zlib header (CM=8, window <= 32K, header
    checksum divisible by 31), which a raw deflate stream practically never has.
    """
    view = memoryview(data)
    zlib_wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7 and (data[0] << 8 | data[1]) % 31 == 0
    wbits = zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS
    end = yield from _inflate_member(view, 0, wbits, "deflate")
    if end < len(view):
        raise BodyDecodeError(f"deflate data has {len(view) - end} bytes of trailing garbage")


def _unbrotli(data: bytes, _limit: int) -> Iterator[bytes]:
    """brotli via ``output_buffer_limit`` (brotli >= 1.2), so output stays bounded."""
    decomp = brotli.Decompressor()
    view = memoryview(data)
    pos = 0
    piece: bytes | memoryview
    try:
        while not decomp.is_finished():
            if decomp.can_accept_more_data():
                if pos >= len(view):
                    raise BodyDecodeError("brotli data is truncated")
                piece = view[pos : pos + _INPUT_PIECE]
                pos += len(piece)
            else:
                piece = b""  # drain what the decoder holds before feeding more
            out = decomp.process(piece, output_buffer_limit=CHUNK)
            if out:
                yield out
    except brotli.error as exc:
        raise BodyDecodeError(f"brotli data is corrupt: {exc}") from None
    if pos < len(view):
        raise BodyDecodeError("brotli data has trailing garbage")


def _unzstd(data: bytes, limit: int) -> Iterator[bytes]:
    """zstd, all frames, with the window (memory) capped to what the limit needs.

    ``stream_reader`` bounds each read but stops quietly at a cut-off frame,
    so the framing is walked first: cheap, and it rejects truncated input and
    trailing garbage before any decompression work is spent.
    """
    _check_zstd_framing(memoryview(data), limit)
    window_cap = _zstd_window_cap(limit)
    decomp = zstandard.ZstdDecompressor(max_window_size=window_cap)
    reader = decomp.stream_reader(data, read_size=_INPUT_PIECE, read_across_frames=True, closefd=False)
    try:
        while chunk := reader.read(CHUNK):
            yield chunk
    except zstandard.ZstdError as exc:
        if "too much memory" in str(exc):
            raise BodyDecodeError(
                f"zstd frame needs a window over {window_cap} bytes; compress with a smaller window"
            ) from None
        raise BodyDecodeError(f"zstd data is corrupt: {exc}") from None


def _zstd_window_cap(limit: int) -> int:
    """Smallest power of two >= the limit, within [8 MiB, 128 MiB].

    A frame may declare a window far larger than its content; without a cap
    the decoder would allocate it up front. 8 MiB covers every normal
    compression level; 128 MiB is libzstd's own default ceiling.
    """
    return min(1 << 27, max(1 << 23, 1 << max(0, limit - 1).bit_length()))


def _check_zstd_framing(view: memoryview, limit: int) -> None:
    """Check ``view`` is a sequence of complete zstd (or skippable) frames (RFC 8878).

    The walk is Python, one step per block, so the block count is capped:
    real encoders fill blocks (up to 128 KiB each), and input made of
    millions of empty or one-byte blocks exists only to burn our CPU.
    """
    pos, budget = 0, _MAX_ZSTD_BLOCKS_BASE + limit // _MIN_ZSTD_BLOCK_OUTPUT
    while pos < len(view):
        magic = int.from_bytes(view[pos : pos + 4], "little")
        if len(view) - pos >= 8 and magic & 0xFFFFFFF0 == 0x184D2A50:  # skippable frame
            pos, budget = pos + 8 + int.from_bytes(view[pos + 4 : pos + 8], "little"), budget - 1
            continue
        try:
            params = zstandard.get_frame_parameters(view[pos : pos + 18])
            pos += zstandard.frame_header_size(view[pos : pos + 18])
        except zstandard.ZstdError as exc:
            what = "truncated" if "not enough data" in str(exc) else f"corrupt: {exc}"
            raise BodyDecodeError(f"zstd data is {what}") from None
        pos, budget = _skip_zstd_blocks(view, pos, budget)
        pos += 4 if params.has_checksum else 0
    if pos > len(view):
        raise BodyDecodeError("zstd data is truncated")


def _skip_zstd_blocks(view: memoryview, pos: int, budget: int) -> tuple[int, int]:
    """Return the offset after the frame whose blocks start at ``pos``, and the budget left."""
    while True:
        budget -= 1
        if budget < 0:
            raise BodyDecodeError("zstd data has implausibly many blocks for its size limit")
        if pos + 3 > len(view):
            raise BodyDecodeError("zstd data is truncated")
        header = int.from_bytes(view[pos : pos + 3], "little")
        block_type, size = (header >> 1) & 3, header >> 3
        if block_type == 3:
            raise BodyDecodeError("zstd data is corrupt: reserved block type")
        pos += 3 + (1 if block_type == 1 else size)  # an RLE block stores one byte
        if header & 1:
            return pos, budget


_DECODERS: dict[str, Callable[[bytes, int], Iterator[bytes]]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
SUPPORTED_ENCODINGS = frozenset(_DECODERS) | {"identity"}
