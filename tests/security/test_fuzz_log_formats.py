"""Hypothesis: every log format (CloudWatch included) frames hostile bodies raising
nothing but ``ClientError``, within the inflation limit — and whatever framing
accepts (what the logs view checks) the worker's extraction processes without error
(issue #24.6: the view and the worker validate with the one ``frame``)."""

from __future__ import annotations

import base64
import gzip
import json

from hypothesis import given
from hypothesis import strategies as st

from ingest.protocol.logs.formats import FORMATS, frame
from ingest.protocol.logs.formats._text import InflateBudget
from ingest.protocol.logs.pipeline import extract
from tests.security.fuzzing import FUZZ, deep, hostile_bytes, json_text, only_client_errors

FORMAT_NAMES = [None, *sorted(FORMATS), "json"]
LIMIT = 256 * 1024


def _cloudwatch(events: list[str], wrap: int) -> bytes:
    body = json.dumps(
        {
            "messageType": "DATA_MESSAGE",
            "logGroup": "g",
            "logStream": "s",
            "logEvents": [{"id": str(n), "timestamp": n, "message": m} for n, m in enumerate(events)],
        }
    )
    for _ in range(wrap):
        body = json.dumps({"awslogs": {"data": base64.b64encode(gzip.compress(body.encode())).decode()}})
    return body.encode()


log_lines = st.lists(
    st.one_of(
        st.text(max_size=40).map(str.encode),
        json_text.map(lambda v: json.dumps(v, allow_nan=True).encode()),
        st.sampled_from(
            [
                b'{"level": "error", "message": "x", "v": NaN}',
                b'{"level": "error", "msg": "cut',
                b"<13>1 -",
                b"2026-01-01T00:00:00Z stderr F panic: boom",
                b'{"log":"x\\n","stream":"stderr"}',
                b'{"short_message": "x", "level": 3}',
                b"Traceback (most recent call last):",
                b'  File "a.py", line 1, in f',
                b"ValueError: boom",
            ]
        ),
    ),
    max_size=12,
).map(b"\n".join)

bodies = st.one_of(
    hostile_bytes,
    log_lines,
    log_lines.map(gzip.compress),
    st.lists(log_lines.map(gzip.compress), max_size=30).map(b"".join),
    st.builds(_cloudwatch, st.lists(st.text(max_size=20), max_size=4), st.integers(0, 8)),
    st.integers(1, 12_000).map(lambda n: deep(b"[", b"]", n)),
    st.integers(1, 12_000).map(lambda n: b'{"records": [' + deep(b"[", b"]", n) + b"]}"),
    st.integers(1, 4).map(lambda n: gzip.compress(bytes(LIMIT * n))),
)


@FUZZ
@given(
    body=bodies,
    fmt=st.sampled_from(FORMAT_NAMES),
    content_type=st.sampled_from([None, "text/plain", "application/json", "application/logplex-1"]),
)
def test_framing_raises_only_client_errors_and_the_worker_takes_what_it_accepts(body, fmt, content_type):
    framed = only_client_errors(lambda: frame(body, fmt, content_type=content_type, budget=InflateBudget(LIMIT)))
    if framed is None:
        return
    assert all(len(record.text) <= 64 * 1024 for record in framed[1])
    extract(body, fmt=fmt, content_type=content_type, defaults={"project_id": 1})
