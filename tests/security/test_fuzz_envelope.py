"""Hypothesis: the envelope parser, the event JSON parser and the event normaliser on
hostile input raise nothing but ``ClientError`` (and what they accept normalises)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st

from ingest.protocol.envelope import parse_envelope, parse_event_json
from ingest.protocol.normalize import normalize_sentry_event
from tests.security.fuzzing import FUZZ, deep, hostile_bytes, json_text, only_client_errors

LIMITS = {"event": 4096, "attachment": 4096, "*": 4096}


@FUZZ
@given(
    st.one_of(
        hostile_bytes,
        st.lists(hostile_bytes, max_size=5).map(b"\n".join),
        st.integers(1, 20_000).map(lambda n: b"{}\n" + deep(b"[", b"]", n)),
    )
)
def test_envelope_bytes(data):
    only_client_errors(lambda: parse_envelope(data, max_item_size=LIMITS))


def _normalized(payload: bytes):
    event = parse_event_json(payload)
    return normalize_sentry_event(
        event, project_id=1, event_id="0" * 32, received_at=datetime.now(UTC), sdk_client=None
    )


@FUZZ
@given(
    st.one_of(
        hostile_bytes,
        st.dictionaries(
            st.sampled_from(
                [
                    "message",
                    "exception",
                    "extra",
                    "tags",
                    "contexts",
                    "user",
                    "request",
                    "timestamp",
                    "level",
                    "fingerprint",
                    "breadcrumbs",
                ]
            ),
            json_text,
            max_size=6,
        ).map(lambda d: orjson.dumps(d, option=orjson.OPT_NON_STR_KEYS) if _finite(d) else b"{}"),
        st.integers(100, 20_000).map(lambda n: b'{"extra": ' + deep(b"[", b"]", n) + b"}"),
    )
)
def test_event_json_and_its_normalisation(payload):
    only_client_errors(lambda: _normalized(payload))


def _finite(value) -> bool:
    try:
        orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return False
    return True
