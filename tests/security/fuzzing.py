"""What every ``test_fuzz_<parser>.py`` here shares: the one allowed failure and the budget.

The ingest and API views turn ``ClientError`` (and only it) into a 4xx; any other
exception from a parser is a 500. So each property calls a parser on hostile input
and lets nothing but the client-error family escape. Examples are few and
unbounded in time (``deadline=None``: a slow shared machine is no failure), so the
whole set runs in well under a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ingest.protocol.errors import ClientError

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# Bytes a hostile client would try: JSON punctuation, gzip magic, brackets, NaN, NUL.
hostile_bytes = st.lists(
    st.sampled_from(
        [
            b"{",
            b"}",
            b"[",
            b"]",
            b'"',
            b":",
            b",",
            b"\n",
            b"\r\n",
            b"\x00",
            b"\x1f\x8b\x08",
            b"NaN",
            b"-1e999",
            b"null",
            b"H4sI",
            b"<13>1 ",
            b"\\u0000",
            b"\xff\xfe",
            b"9" * 30,
            b" ",
        ]
    )
    | st.binary(max_size=12),
    max_size=60,
).map(b"".join)

json_text = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)


def deep(opening: bytes, closing: bytes, depth: int) -> bytes:
    """``depth`` levels of one bracket: the shape that used to raise ``RecursionError``."""
    return opening * depth + closing * depth


def only_client_errors(call: Callable[[], Any]) -> Any:
    """Run ``call``; a ``ClientError`` with a message is fine, anything else fails the test."""
    try:
        return call()
    except ClientError as exc:
        assert 400 <= exc.status < 500 and exc.message.strip(), exc
        return None
