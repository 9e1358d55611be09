"""Hypothesis: body decompression (every Content-Encoding, stacked, gzip members, bombs)
raises nothing but ``ClientError`` and never returns more than its limit."""

from __future__ import annotations

import gzip
import zlib

import brotli
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from ingest.protocol.bodies import decode_body
from tests.security.fuzzing import FUZZ, hostile_bytes, only_client_errors

LIMIT = 64 * 1024
ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstandard.ZstdCompressor().compress,
}


def _encode(data: bytes, names: list[str]) -> bytes:
    for name in names:
        data = ENCODERS[name](data)
    return data


@FUZZ
@given(
    plain=st.one_of(hostile_bytes, st.integers(0, 4 * LIMIT).map(bytes)),
    names=st.lists(st.sampled_from(sorted(ENCODERS)), max_size=6),
    cut=st.integers(0, 64),
    members=st.integers(1, 200),
    header_noise=st.sampled_from(["", "identity", "x-gzip"]),
)
def test_decode_body(plain, names, cut, members, header_noise):
    body = _encode(plain, names)
    if names and names[0] == "gzip":
        body = body * members  # concatenated members
    body = body[:-cut] if cut and cut < len(body) else body
    header = ", ".join(names + ([header_noise] if header_noise else []))
    result = only_client_errors(lambda: decode_body(body, header, max_compressed=LIMIT * 8, max_decompressed=LIMIT))
    assert result is None or len(result) <= LIMIT


@FUZZ
@given(hostile_bytes, st.text(max_size=30))
def test_any_bytes_under_any_header(body, header):
    only_client_errors(lambda: decode_body(body, header, max_compressed=LIMIT, max_decompressed=LIMIT))
