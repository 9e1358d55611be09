"""Hypothesis: OTLP/JSON and OTLP/protobuf decoding raise nothing but ``ClientError``,
and a request the view accepts converts to events in the worker without error."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ingest.protocol import otlp
from tests.security.fuzzing import FUZZ, deep, hostile_bytes, json_text, only_client_errors

any_value = st.recursive(
    st.one_of(
        st.text(max_size=10).map(lambda s: {"stringValue": s}),
        st.integers().map(lambda i: {"intValue": i}),
        st.booleans().map(lambda b: {"boolValue": b}),
        st.just({}),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda v: {"arrayValue": {"values": v}}),
        st.lists(st.tuples(st.text(max_size=5), children), max_size=3).map(
            lambda kv: {"kvlistValue": {"values": [{"key": k, "value": v} for k, v in kv]}}
        ),
    ),
    max_leaves=12,
)


def _logs(body: dict, attrs: list) -> bytes:
    record = {"severityNumber": 17, "body": body, "attributes": attrs, "traceId": "5b8efff798038103d269b633813fc60c"}
    return json.dumps(
        {"resourceLogs": [{"resource": {"attributes": attrs}, "scopeLogs": [{"logRecords": [record]}]}]}
    ).encode()


def _traces(name: str, attrs: list) -> bytes:
    span = {
        "name": name,
        "kind": 2,
        "status": {"code": 2},
        "attributes": attrs,
        "events": [{"name": "exception", "attributes": attrs}],
        "traceId": "zz",
        "spanId": "eee19b7ec3c1b174",
    }
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()


attributes = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "exception.type",
                "exception.message",
                "exception.stacktrace",
                "http.response.status_code",
                "url.full",
                "x",
            ]
        ),
        any_value,
    ),
    max_size=4,
).map(lambda kv: [{"key": k, "value": v} for k, v in kv])

requests = st.one_of(
    hostile_bytes,
    json_text.map(lambda v: json.dumps(v).encode()),
    st.builds(_logs, any_value, attributes),
    st.builds(_traces, st.text(max_size=10), attributes),
    st.integers(1, 3000).map(lambda n: b'{"resourceLogs": ' + deep(b"[", b"]", n) + b"}"),
    st.integers(1, 3000).map(lambda n: b'{"resourceSpans": ' + deep(b"[", b"]", n) + b"}"),
)


@FUZZ
@given(data=requests, signal=st.sampled_from(["logs", "traces"]), media=st.sampled_from([otlp.JSON, otlp.PROTOBUF]))
def test_decode_raises_only_client_errors_and_accepted_requests_convert(data, signal, media):
    message = only_client_errors(lambda: otlp.decode_request(signal, data, media))
    if message is None:
        return
    otlp.candidate_events(signal, message)
    otlp.rejected_up_front(signal, message)
    otlp.events_from_bytes(signal, data, media, project_id=1, received_at="2026-12-03T00:00:00+00:00")
