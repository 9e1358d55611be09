"""What the existing property tests do not cover: bounded memory on 1 MB hostile inputs,
and bounded time for message normalisation.

Existing coverage (checked): tests/ingest/protocol/test_envelope_fuzz.py (only EnvelopeError /
BodyError, 500 ms deadline), tests/ingest/protocol/logs/test_formats_fuzz.py (only LogParseError,
< 2 s), tests/ingest/protocol/logs/test_stacktraces_fuzz.py (never raises, < 1 s),
tests/ingest/protocol/search/test_query_fuzz.py (only QueryError, < 0.5 s),
tests/ingest/protocol/grouping/test_grouping_fuzz.py (normalize_message never raises; no time bound).
None measured memory. Each case below runs one parser on ~1 MB built to be its
worst case and asserts its own error type only, a time bound and a peak-allocation
bound (tracemalloc) of a small multiple of the input.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.protocol.bodies import BodyError, decode_body
from ingest.protocol.envelope import EnvelopeError, parse_envelope, parse_event_json
from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.model import LogParseError
from ingest.protocol.logs.stacktraces import parse_trace
from ingest.protocol.message_normalize import normalize_message
from ingest.protocol.search.query import QueryError, parse_query
from tests.budget import cpu_budget

MB = 1024 * 1024


def bounded(
    call: Callable[[], Any], expected: tuple[type[BaseException], ...], *, seconds: float, peak_mb: float
) -> None:
    """Run ``call``; only ``expected`` may escape, within ``seconds`` of this thread's CPU time (not
    the wall clock, which other processes inflate: see ``tests.budget``) and ``peak_mb`` of allocations."""
    tracemalloc.start()
    started = time.thread_time()
    try:
        call()
    except expected:
        pass
    finally:
        elapsed = time.thread_time() - started
        peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    assert elapsed < seconds, f"used {elapsed:.2f} s of CPU"
    assert peak < peak_mb, f"peak allocation {peak:.1f} MB"


ENVELOPES = {
    "newlines": b"\n" * MB,
    "headerless-items": b"{}\n" + b'{"type":"event"}\n{}\n' * (MB // 20),
    "huge-length": b'{}\n{"type":"attachment","length":99999999999}\n' + b"x" * MB,
    "deep-json-header": b"[" * MB,
    "long-string-header": b'{"a":"' + b"x" * MB + b'"}\n',
}


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_envelope_parser_memory_is_bounded(name):
    data = ENVELOPES[name]
    bounded(lambda: parse_envelope(data, max_item_size={"*": 1000}), (EnvelopeError,), seconds=5, peak_mb=16)


@pytest.mark.parametrize("payload", [b"[" * MB, b'{"a":' * (MB // 5), b'{"a":[' + b"1," * (MB // 2) + b"1]}"])
def test_event_json_memory_is_bounded(payload):
    bounded(lambda: parse_event_json(payload), (EnvelopeError,), seconds=5, peak_mb=64)


def test_decompression_bomb_stops_at_the_limit():
    bomb = gzip.compress(b"\0" * (100 * MB))  # ~100 KB on the wire
    bounded(
        lambda: decode_body(bomb, "gzip", max_compressed=MB, max_decompressed=MB), (BodyError,), seconds=5, peak_mb=8
    )
    with pytest.raises(BodyError):
        decode_body(bomb, "gzip", max_compressed=MB, max_decompressed=MB)


LOG_BODIES = {
    "octet-count-lies": (b"99999 <13>1 x\n" * (MB // 14), None),
    "open-brackets": (b"{" * MB, "json"),
    "one-long-line": (b"x" * MB, None),
    "many-empty-lines": (b"\n" * MB, None),
    "cloudwatch-nesting": (b'{"records":[' + b'{"data":"H4sI"},' * (MB // 16) + b"{}]}", None),
    # issue #24.7: a body that merely starts with gzip bytes was inflated to 256 MiB
    "sniffed-gzip-bomb": (gzip.compress(b"\0" * (100 * MB)), None),
    "gzip-members": (b"".join(gzip.compress(b"line\n") for _ in range(3000)), None),
    "cloudwatch-deep": (b"[" * MB, "cloudwatch"),
}


@pytest.mark.parametrize("name", sorted(LOG_BODIES))
def test_log_framing_memory_is_bounded(name):
    body, fmt = LOG_BODIES[name]
    bounded(lambda: frame(body, fmt, content_type=None), (LogParseError,), seconds=10, peak_mb=160)


TRACES = {
    "python-frames": "Traceback (most recent call last):\n" + '  File "a.py", line 1, in f\n' * (MB // 28),
    "java-causes": "x.Y: z\n" + "Caused by: x.Y: z\n\tat a.B.c(B.java:1)\n" * (MB // 38),
    "nested-groups": "  + Exception Group Traceback (most recent call last):\n" + "  | " * (MB // 4),
    "go-goroutines": "panic: p\n\n" + "goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n" * (MB // 46),
}


@pytest.mark.parametrize("name", sorted(TRACES))
def test_trace_parser_memory_is_bounded(name):
    bounded(lambda: parse_trace(TRACES[name]), (), seconds=5, peak_mb=64)


@pytest.mark.parametrize("text", ['"' * MB, "a:[" * (MB // 3), "-" * MB, "tags[" * (MB // 5), "x " * (MB // 2)])
def test_query_parser_memory_is_bounded(text):
    bounded(lambda: parse_query(text), (QueryError,), seconds=5, peak_mb=64)


MESSAGES = [
    "1" * MB,
    "0x" + "f" * MB,
    "a." * (MB // 2),
    "1:" * (MB // 2),
    "'" * MB,
    "a@b." * (MB // 4),
    "2026-01-01T00:00:00Z " * (MB // 21),
    "\u00e9\U0001f600" * (MB // 2),
]


@pytest.mark.parametrize("index", range(len(MESSAGES)))
def test_normalize_message_time_and_memory_are_bounded(index):
    bounded(lambda: normalize_message(MESSAGES[index]), (), seconds=2, peak_mb=16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.sampled_from(list("0123456789abcdefx.:-/@=_'\" \t\nTZ+,<>()[]")) | st.characters(), max_size=5000))
def test_normalize_message_is_fast_on_any_text(text):
    with cpu_budget(2.0, "normalising one message"):
        assert isinstance(normalize_message(text), str)
