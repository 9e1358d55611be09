"""Request bodies: every encoding SDKs use, stacked encodings, and hostile input.

The zip-bomb tests expand to 1 GiB of zeros if allowed to; they must stop at
the limit quickly and without allocating anything near that.
"""

from __future__ import annotations

import gzip
import io
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest
import zstandard

from ingest.protocol.bodies import (
    CHUNK,
    BodyDecodeError,
    BodyError,
    BodyTooLarge,
    UnsupportedEncoding,
    decode_body,
    read_stream,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sentry" / "python"
MIB = 1024 * 1024
GIB_OF_ZEROS = 1024 * MIB
#: A real envelope captured from sentry-sdk, as the view would see it after decompression.
ENVELOPE = (FIXTURES / "chained_exception.envelope").read_bytes()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstandard.ZstdCompressor().compress,
}


def decode(raw: object, encoding: str | None, limit: int = MIB) -> bytes:
    return decode_body(raw, encoding, max_compressed=limit, max_decompressed=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_each_encoding_round_trips_a_real_envelope(encoding: str) -> None:
    assert decode(ENCODERS[encoding](ENVELOPE), encoding) == ENVELOPE


@pytest.mark.parametrize("encoding", [None, "", "identity", " Identity "])
def test_identity_passes_the_body_through(encoding: str | None) -> None:
    assert decode(ENVELOPE, encoding) == ENVELOPE


def test_header_names_are_case_and_space_insensitive() -> None:
    assert decode(gzip.compress(ENVELOPE), " GZip ") == ENVELOPE


def test_raw_deflate_is_accepted_as_deflate() -> None:
    """Many HTTP clients send raw deflate under "deflate"; the body still decodes."""
    assert decode(raw_deflate(ENVELOPE), "deflate") == ENVELOPE


def test_stacked_encodings_are_undone_last_first() -> None:
    body = brotli.compress(gzip.compress(ENVELOPE))  # gzip applied first, then br
    assert decode(body, "gzip, br") == ENVELOPE


def test_concatenated_gzip_members_are_one_body() -> None:
    half = len(ENVELOPE) // 2
    assert decode(gzip.compress(ENVELOPE[:half]) + gzip.compress(ENVELOPE[half:]), "gzip") == ENVELOPE


def test_multiple_zstd_frames_are_one_body() -> None:
    compress = zstandard.ZstdCompressor(write_checksum=True).compress
    assert decode(compress(ENVELOPE[:100]) + compress(ENVELOPE[100:]), "zstd") == ENVELOPE


def test_body_can_come_from_a_stream() -> None:
    assert decode(io.BytesIO(gzip.compress(ENVELOPE)), "gzip") == ENVELOPE


def test_empty_body_stays_empty_whatever_the_encoding() -> None:
    assert decode(b"", "gzip") == b""


def test_unknown_encoding_is_415_naming_it() -> None:
    with pytest.raises(UnsupportedEncoding) as info:
        decode(ENVELOPE, "gzip, compress")
    assert info.value.status == 415
    assert info.value.encoding == "compress"
    assert "'compress'" in info.value.message


def test_absurdly_stacked_encodings_are_refused() -> None:
    with pytest.raises(UnsupportedEncoding, match="stacks 5 encodings"):
        decode(ENVELOPE, "gzip, gzip, gzip, gzip, gzip")


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_truncated_data_is_400(encoding: str) -> None:
    body = ENCODERS[encoding](ENVELOPE)
    with pytest.raises(BodyDecodeError) as info:
        decode(body[: len(body) // 2], encoding)
    assert info.value.status == 400
    assert "truncated" in info.value.message or "corrupt" in info.value.message


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_data_that_is_not_in_the_encoding_is_400(encoding: str) -> None:
    with pytest.raises(BodyDecodeError, match="corrupt|truncated"):
        decode(ENVELOPE, encoding)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "zstd"])
def test_trailing_garbage_is_400(encoding: str) -> None:
    with pytest.raises(BodyDecodeError, match="garbage|corrupt"):
        decode(ENCODERS[encoding](ENVELOPE) + b"junk", encoding)


def test_raw_body_over_the_compressed_limit_is_413() -> None:
    with pytest.raises(BodyTooLarge) as info:
        decode_body(b"x" * 101, None, max_compressed=100, max_decompressed=10_000)
    assert (info.value.status, info.value.limit, info.value.what) == (413, 100, "request body")


def test_identity_body_over_the_decompressed_limit_is_413() -> None:
    with pytest.raises(BodyTooLarge) as info:
        decode_body(b"x" * 101, None, max_compressed=10_000, max_decompressed=100)
    assert info.value.limit == 100


def test_decompressed_exactly_at_the_limit_is_accepted() -> None:
    body = gzip.compress(b"a" * 1000)
    assert decode_body(body, "gzip", max_compressed=MIB, max_decompressed=1000) == b"a" * 1000
    with pytest.raises(BodyTooLarge, match="decompressed body"):
        decode_body(body, "gzip", max_compressed=MIB, max_decompressed=999)


def test_every_body_error_carries_status_and_message() -> None:
    for error in (BodyTooLarge(1, "x"), BodyDecodeError("bad"), UnsupportedEncoding("lzma")):
        assert isinstance(error, BodyError)
        assert error.status in (400, 413, 415)
        assert error.message == str(error)


# --- zip bombs: 1 GiB of zeros, built cheaply from repeated pieces -----------------


def gzip_bomb() -> bytes:
    """64 concatenated gzip members of 16 MiB of zeros each (valid per RFC 1952)."""
    return gzip.compress(bytes(16 * MIB), compresslevel=9) * 64


def deflate_bomb() -> bytes:
    """One zlib stream: a full flush makes each 16 MiB segment compress identically."""
    compressor = zlib.compressobj(9)
    first = compressor.compress(bytes(16 * MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(bytes(16 * MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + segment * 63 + compressor.flush()


def brotli_bomb() -> bytes:
    compressor = brotli.Compressor(quality=1)
    zeros = bytes(16 * MIB)
    return b"".join([compressor.process(zeros) for _ in range(64)] + [compressor.finish()])


def zstd_bomb() -> bytes:
    """64 frames of 16 MiB of zeros each."""
    return zstandard.ZstdCompressor(level=3).compress(bytes(16 * MIB)) * 64


BOMBS: dict[str, Callable[[], bytes]] = {
    "gzip": gzip_bomb,
    "deflate": deflate_bomb,
    "br": brotli_bomb,
    "zstd": zstd_bomb,
}


@pytest.mark.parametrize("encoding", sorted(BOMBS))
def test_zip_bomb_is_413_fast_with_bounded_memory(encoding: str) -> None:
    bomb = BOMBS[encoding]()
    limit = 8 * MIB
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge) as info:
            decode_body(bomb, encoding, max_compressed=len(bomb), max_decompressed=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.what == "decompressed body"
    # stopped at the limit, not after inflating it all: the memory it held says so (no clock)
    # The buffer is at most the limit; a bytearray may briefly be copied when it grows.
    assert peak < 2 * limit + 4 * CHUNK + len(bomb), f"peak {peak} bytes for a {limit}-byte limit"


def test_bomb_inside_a_stacked_encoding_is_caught_at_the_inner_layer() -> None:
    frame = zstandard.ZstdCompressor(level=3).compress(bytes(16 * MIB))
    inner = frame * 2  # 32 MiB of zeros
    body = gzip.compress(inner)
    with pytest.raises(BodyTooLarge):
        decode_body(body, "zstd, gzip", max_compressed=MIB, max_decompressed=8 * MIB)


def test_zstd_frame_claiming_a_huge_window_is_refused_not_allocated() -> None:
    """Streamed without a content size, a frame header may declare a 1 GiB window."""
    params = zstandard.ZstdCompressionParameters(window_log=30, enable_ldm=True)
    compressor = zstandard.ZstdCompressor(compression_params=params).compressobj()
    body = compressor.compress(b"x" * 1000) + compressor.flush()
    assert zstandard.get_frame_parameters(body).window_size == 1 << 30
    with pytest.raises(BodyDecodeError, match="smaller window"):
        decode_body(body, "zstd", max_compressed=MIB, max_decompressed=MIB)


def test_zstd_with_a_normal_streaming_window_is_accepted() -> None:
    compressor = zstandard.ZstdCompressor(level=19).compressobj()  # 8 MiB window, no content size
    body = compressor.compress(ENVELOPE) + compressor.flush()
    assert decode_body(body, "zstd", max_compressed=MIB, max_decompressed=64 * 1024) == ENVELOPE


def test_zstd_made_of_millions_of_empty_blocks_is_refused_quickly() -> None:
    """Valid framing, no output: without a cap the framing walk would take seconds."""
    frame_header = (0xFD2FB528).to_bytes(4, "little") + bytes([0x00, 0x50])
    empty_block, last_block = (0).to_bytes(3, "little"), (1).to_bytes(3, "little")
    body = frame_header + empty_block * (3 * MIB) + last_block
    # the cap on the framing walk is what refuses it (no clock: the named refusal says so)
    with pytest.raises(BodyDecodeError, match="implausibly many blocks"):
        decode_body(body, "zstd", max_compressed=16 * MIB, max_decompressed=16 * MIB)


def test_zstd_flushed_per_line_is_accepted() -> None:
    """A streaming compressor flushing a block per line still decodes."""
    compressor = zstandard.ZstdCompressor().compressobj()
    lines = [b'{"line":%d}\n' % i for i in range(2000)]
    parts = [compressor.compress(line) + compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK) for line in lines]
    body = b"".join(parts) + compressor.flush()
    assert decode_body(body, "zstd", max_compressed=MIB, max_decompressed=MIB) == b"".join(lines)


# --- read_stream: chunked uploads without Content-Length ----------------------------


class Trickle(io.RawIOBase):
    """A wsgi.input-like stream that returns a few bytes per read, like a slow client."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self.data, self.pos, self.step, self.requested = data, 0, step, 0

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        self.requested = max(self.requested, size)
        piece = self.data[self.pos : self.pos + min(size, self.step)]
        self.pos += len(piece)
        return piece


def test_read_stream_reads_to_end_of_stream_in_pieces() -> None:
    assert read_stream(Trickle(ENVELOPE), MIB) == ENVELOPE


def test_read_stream_accepts_exactly_the_limit() -> None:
    assert read_stream(io.BytesIO(b"a" * 100), 100) == b"a" * 100


def test_read_stream_stops_past_the_limit_without_reading_everything() -> None:
    stream = io.BytesIO(b"a" * (10 * MIB))
    with pytest.raises(BodyTooLarge) as info:
        read_stream(stream, 1000)
    assert (info.value.limit, info.value.what, info.value.status) == (1000, "request body", 413)
    assert stream.tell() == 1001


def test_read_stream_never_asks_for_more_than_a_chunk() -> None:
    stream = Trickle(b"a" * 5000, step=10_000)
    read_stream(stream, MIB, chunk_size=1024)
    assert stream.requested == 1024
