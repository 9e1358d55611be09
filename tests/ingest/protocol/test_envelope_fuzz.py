"""Property tests: hostile bytes only ever produce our own errors, in bounded time.

The ingest view turns EnvelopeError and BodyError into 4xx answers; anything
else would be a 500 (and a crash report about our own parser), so these
properties are the contract the view relies on.
"""

from __future__ import annotations

import gzip
import zlib

import brotli
import orjson
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.protocol.bodies import BodyError, decode_body
from ingest.protocol.envelope import (
    EnvelopeError,
    Item,
    event_id_from,
    parse_envelope,
    parse_event_json,
    serialize_envelope,
)

# deadline=None: Hypothesis would otherwise fail an example that a busy machine merely slowed (a
# wall-clock assertion); runaway work is what tests/security/test_fuzz_gaps.py bounds, in CPU time.
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# What orjson can write: 64-bit integers, finite floats, text without lone surrogates.
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)
item_headers = st.fixed_dictionaries(
    {"type": st.sampled_from(["event", "attachment", "session", "x"])},
    optional={"filename": texts, "length": st.integers(-5, 50)},
)
envelope_like = st.builds(
    lambda header, items: serialize_envelope(header, items),
    st.dictionaries(texts, json_values, max_size=3),
    st.lists(st.tuples(item_headers, st.binary(max_size=40)), max_size=4),
)

byte_flips = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3)


def mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    """Truncate and flip bytes: near-valid input reaches deeper than random noise."""
    buf = bytearray(data[: cut % (len(data) + 1)])
    for position, value in flips:
        if buf:
            buf[position % len(buf)] = value
    return bytes(buf)


def only_envelope_errors(data: bytes) -> None:
    try:
        envelope = parse_envelope(data, max_item_size={"attachment": 30, "*": 1000})
    except EnvelopeError:
        return
    for item in envelope.items:
        assert isinstance(item, Item) and item.type
        try:
            event_id_from(envelope, item)
        except EnvelopeError:
            pass


@FUZZ
@given(st.binary(max_size=300))
def test_parse_envelope_on_random_bytes_raises_only_envelope_error(data: bytes) -> None:
    only_envelope_errors(data)


@FUZZ
@given(envelope_like, st.integers(0, 10_000), byte_flips)
def test_parse_envelope_on_mutated_envelopes_raises_only_envelope_error(
    data: bytes, cut: int, flips: list[tuple[int, int]]
) -> None:
    only_envelope_errors(mutate(data, cut, flips))


@FUZZ
@given(envelope_like)
def test_serialized_envelopes_parse_back(data: bytes) -> None:
    envelope = parse_envelope(data)
    assert serialize_envelope(envelope.headers, envelope.items) == data


@FUZZ
@given(st.binary(max_size=300) | json_values.map(orjson.dumps))
def test_parse_event_json_raises_only_envelope_error(payload: bytes) -> None:
    try:
        assert isinstance(parse_event_json(payload, max_depth=3), dict)
    except EnvelopeError:
        pass


ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstandard.ZstdCompressor().compress,
}


@FUZZ
@given(
    st.sampled_from(sorted(ENCODERS)),
    st.binary(max_size=200),
    st.integers(0, 10_000),
    byte_flips,
)
def test_decode_body_on_damaged_data_raises_only_body_error(
    encoding: str, plain: bytes, cut: int, flips: list[tuple[int, int]]
) -> None:
    damaged = mutate(ENCODERS[encoding](plain), cut, flips)
    try:
        decode_body(damaged, encoding, max_compressed=10_000, max_decompressed=1_000)
    except BodyError:
        pass


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["gzip", "deflate", "br", "zstd", "br, gzip", "identity", "lzma"]))
def test_decode_body_on_random_bytes_raises_only_body_error(data: bytes, encoding: str) -> None:
    try:
        decode_body(data, encoding, max_compressed=200, max_decompressed=1_000)
    except BodyError:
        pass
