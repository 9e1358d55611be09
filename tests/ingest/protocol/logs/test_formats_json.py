"""NDJSON, JSON arrays, shipper envelopes (Fluent Bit, Vector), GELF, sniffing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.protocol.logs.formats import frame, sniff
from ingest.protocol.logs.model import LogParseError

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "logs" / "formats"


def test_ndjson_mixed_with_text_lines() -> None:
    fmt, records = frame(b'{"level":"error","msg":"a"}\nnot json\n\n{"msg":"b"}\n', None, content_type=None)
    assert fmt == "ndjson"
    assert [(r.text, r.fields is not None, r.source) for r in records] == [
        ("a", True, "ndjson"),
        ("not json", False, "plain"),
        ("b", True, "ndjson"),
    ]


def test_json_array_batch() -> None:
    fmt, records = frame(b'[{"msg":"a"},{"msg":"b"}]', None, content_type="application/json")
    assert fmt == "ndjson"
    assert [r.fields["msg"] for r in records] == ["a", "b"]


def test_fluent_bit_kubernetes_envelope_is_unwrapped() -> None:
    body = (FIXTURES / "fluentbit_http_kubernetes.json").read_bytes()
    fmt, records = frame(body, None, content_type="application/json")
    assert fmt == "ndjson"
    assert records[1].text == "Traceback (most recent call last):"
    assert records[1].fields is None
    assert records[1].stream == "shop/checkout-7d9f8b-x2x/web/stderr"
    assert records[1].meta["service"] == "checkout"
    assert records[1].meta["host"] == "node-1"
    assert records[1].timestamp == "2024-05-01T10:00:01Z"
    assert records[5].text.startswith('{"level":"error"')  # inner JSON stays text for the pipeline


def test_vector_kubernetes_logs_envelope_is_unwrapped() -> None:
    body = (FIXTURES / "vector_kubernetes.ndjson").read_bytes()
    fmt, records = frame(body, None, content_type="application/x-ndjson")
    assert fmt == "ndjson"
    assert records[0].text.startswith("2024-05-01 10:00:00,123 ERROR")
    assert records[0].stream == "prod/api-5c6d7/api/stderr"
    assert records[0].meta["service"] == "api"


def test_gelf_ndjson_and_nul_separated() -> None:
    one = {"version": "1.1", "host": "h", "short_message": "a", "timestamp": 1714557600.5, "level": 3}
    two = {"version": "1.1", "host": "h", "short_message": "b", "level": 6}
    for body in (
        f"{json.dumps(one)}\n{json.dumps(two)}\n".encode(),
        f"{json.dumps(one)}\0{json.dumps(two)}\0".encode(),
    ):
        fmt, records = frame(body, None, content_type=None)
        assert fmt == "gelf"
        assert [r.text for r in records] == ["a", "b"]
        assert records[0].timestamp == "2024-05-01T10:00:00.500000Z"
        assert records[0].meta["host"] == "h"


def test_object_broken_by_raw_newline_is_rejoined() -> None:
    _, records = frame(b'{"log": "cc\n", "stream": "stdout"}\n{"msg":"next"}\n', "ndjson", content_type=None)
    assert [r.text for r in records] == ["cc", "next"]


@pytest.mark.parametrize(
    ("first_line", "fmt"),
    [
        (b'{"messageType":"DATA_MESSAGE","logEvents":[]}', "cloudwatch"),
        (b'{"short_message":"x","host":"h","version":"1.1"}', "gelf"),
        (b'{"log":"x\\n","stream":"stdout","time":"2024-01-01T00:00:00Z"}', "docker"),
        (b'{"level":"info"}', "ndjson"),
        (b"2024-01-01T00:00:00.1Z stdout F hello", "cri"),
        (b"83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - x", "logplex"),
        (b"<13>1 2024-01-01T00:00:00Z h a - - - x", "syslog"),
        (b"H4sIAAAAAAAA", "cloudwatch"),
        (b"hello world", "plain"),
    ],
)
def test_sniff(first_line: bytes, fmt: str) -> None:
    assert sniff(b"\n  \n" + first_line + b"\n") == fmt


def test_explicit_ndjson_that_is_not_json_is_an_error() -> None:
    with pytest.raises(LogParseError, match="body is not ndjson"):
        frame(b"plain words\n", "ndjson", content_type=None)


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(LogParseError, match="unknown log format 'xml'"):
        frame(b"x", "xml", content_type=None)
