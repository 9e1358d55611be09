"""Property tests: the parsers never fail in an unplanned way, and stay fast.

``frame`` may only raise ``LogParseError`` (answered as a 400); ``plain`` never
raises; ``event_from_record``, ``parse_access_line``, ``parse_logfmt``,
``event_from_text_line`` and ``extract`` never raise on arbitrary input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.protocol.logs.access import event_from_access, parse_access_line
from ingest.protocol.logs.formats import FORMATS, frame
from ingest.protocol.logs.model import LogLine, LogParseError
from ingest.protocol.logs.pipeline import extract
from ingest.protocol.logs.structured import event_from_record, event_from_text_line, parse_logfmt
from tests.budget import cpu_budget

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMAT_NAMES = [None, *FORMATS]
SEEDS = [
    b"",
    b"83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - x",
    b"<13>1 - - - - - -",
    b'{"log":"a","stream":"stdout"}',
    b"2024-01-01T00:00:00Z stdout P x",
    b"H4sI",
    b"\x1f\x8b\x08",
    b'{"records":[{"data":"H4sI"}]}',
    b'{"messageType":"DATA_MESSAGE"}',
    b"\0",
    b"[",
    b"{",
]

bodies = st.one_of(
    st.binary(max_size=2048),
    st.builds(lambda seed, tail: seed + tail, st.sampled_from(SEEDS), st.binary(max_size=512)),
    st.text(max_size=1024).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
KEYS = [
    "level",
    "severity",
    "@l",
    "msg",
    "message",
    "@m",
    "@mt",
    "@x",
    "err",
    "error",
    "error.type",
    "stack_trace",
    "exception",
    "stack",
    "jsonPayload",
    "short_message",
    "full_message",
    "time",
    "@timestamp",
    "timestamp",
    "host",
    "service",
    "trace.id",
    "labels",
    "status",
    "method",
    "path",
    "event",
]
records = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), json_values, max_size=8)


@FUZZ
@given(
    body=bodies,
    fmt=st.sampled_from(FORMAT_NAMES),
    content_type=st.sampled_from([None, "text/plain", "application/json", "application/logplex-1"]),
)
def test_frame_raises_only_log_parse_error(body: bytes, fmt: str | None, content_type: str | None) -> None:
    with cpu_budget(5.0, "framing one body"):
        try:
            name, lines = frame(body, fmt, content_type=content_type)
        except LogParseError:
            assert fmt not in ("plain",), "plain mode never fails"
            return
    assert name in FORMATS
    assert all(isinstance(line, LogLine) for line in lines)


@FUZZ
@given(body=bodies, fmt=st.sampled_from(FORMAT_NAMES))
def test_extract_raises_only_log_parse_error(body: bytes, fmt: str | None) -> None:
    try:
        result = extract(body, fmt=fmt, content_type=None, defaults={"project_id": 1})
    except LogParseError:
        return
    assert result.lines_accepted >= 0


@FUZZ
@given(fields=records)
def test_event_from_record_never_raises(fields: dict) -> None:
    event = event_from_record(fields, defaults={"service": "s"})
    assert event is None or event["level"] in ("debug", "info", "warning", "error", "fatal")


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=400),
        st.builds(
            lambda a, b: a + b,
            st.sampled_from(
                [
                    '1.2.3.4 - - [01/Apr/2021:12:02:31 +0000] "GET /',
                    "2021/04/01 13:02:31 [error] 1#1: ",
                    "[01/Mar/2021:12:00:19 +0000] [x:error] ",
                    '{"status": 502, "method": "GET", "path": "',
                ]
            ),
            st.text(max_size=300),
        ),
    )
)
def test_access_and_text_parsers_never_raise(text: str) -> None:
    record = parse_access_line(text)
    if record is not None:
        event_from_access(record, {})
    parse_logfmt(text)
    event_from_text_line(LogLine(text=text), {})


def test_pathological_lines_stay_fast() -> None:
    lines = [
        '"' * 60000,
        "[" * 60000,
        "a=" * 30000,
        "1" * 60000 + " ERROR",
        '{"a":' * 20000,
        "x " * 30000 + '" 500 1',
        "2024/01/01 00:00:00 [error] 1#1: " + ", client: x" * 5000,
    ]
    with cpu_budget(20.0, "the pathological lines"):
        for text in lines:
            parse_access_line(text)
            parse_logfmt(text)
            event_from_text_line(LogLine(text=text), {})
            extract(text.encode(), fmt=None, content_type=None, defaults={})
