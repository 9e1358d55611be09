"""VRL format samples (``formats/``): our parsers read the fields VRL's examples assert."""

from __future__ import annotations

import base64
import gzip
import json
import os
from pathlib import Path

import pytest

from ingest.protocol.logs.access import parse_access_line
from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.structured import parse_logfmt

CORPORA = Path(os.environ.get("ERRORHUB_CORPORA") or Path(__file__).resolve().parents[4].parent / "shared" / "corpora")
FORMATS = CORPORA / "formats"


def _samples(folder: str) -> list[dict]:
    """Rows of ``expected.jsonl`` with ``line`` = the input (``sample_line`` is its
    1-based line number in ``samples.txt``)."""
    path = FORMATS / folder / "expected.jsonl"
    if not path.is_file():
        pytest.fail(f"corpus not found at {FORMATS} (set ERRORHUB_CORPORA)")
    inputs = (FORMATS / folder / "samples.txt").read_text(encoding="utf-8").split("\n")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [{**row, "line": inputs[row["sample_line"] - 1]} for row in rows]


def test_syslog_5424_with_structured_data() -> None:
    (sample,) = _samples("syslog")
    expected = sample["expected"]
    fmt, (record,) = frame(sample["line"].encode(), None, content_type=None)
    assert fmt == "syslog"
    assert record.text == expected["message"]
    assert record.timestamp == "2020-03-13T20:45:38.119000Z"
    assert record.meta["host"] == expected["hostname"]
    assert record.meta["app"] == expected["appname"]
    assert record.meta["procid"] == str(expected["procid"])
    assert record.meta["msgid"] == expected["msgid"]
    assert record.meta["facility"] == expected["facility"]
    assert record.meta["severity"] == expected["severity"]
    assert record.meta["structured_data"] == {"exampleSDID@32473": expected["exampleSDID@32473"]}
    assert record.stream == "dynamicwireless.name/non/2426"


def _assert_cloudwatch(records, expected: dict) -> None:
    assert len(records) == len(expected["log_events"])
    for record, event in zip(records, expected["log_events"]):
        assert record.text == event["message"]
        assert record.timestamp == event["timestamp"].replace(".039Z", ".039000Z")
        assert record.meta["id"] == event["id"]
        assert record.meta["log_group"] == expected["log_group"]
        assert record.meta["log_stream"] == expected["log_stream"]
        assert record.meta["owner"] == expected["owner"]
        assert record.stream == f"{expected['log_group']}/{expected['log_stream']}"


@pytest.mark.parametrize("encoding", ["json", "pretty", "gzip", "base64-gzip", "firehose"])
def test_cloudwatch_subscription_message(encoding: str) -> None:
    (sample,) = _samples("aws_cloudwatch_log_subscription_message")
    raw = sample["line"].encode()
    body = {
        "json": raw,
        "pretty": (FORMATS / "aws_cloudwatch_log_subscription_message" / "sample_1.original.txt").read_bytes(),
        "gzip": gzip.compress(raw),
        "base64-gzip": base64.b64encode(gzip.compress(raw)),
        "firehose": json.dumps(
            {
                "requestId": "r1",
                "timestamp": 1600110569039,
                "records": [{"data": base64.b64encode(gzip.compress(raw)).decode()}],
            }
        ).encode(),
    }[encoding]
    fmt, records = frame(body, None, content_type=None)
    assert fmt == "cloudwatch"
    _assert_cloudwatch(records, sample["expected"])


@pytest.mark.parametrize("folder", ["nginx", "apache"])
def test_access_and_error_lines(folder: str) -> None:
    for sample in _samples(folder):
        expected = sample["expected"]
        record = parse_access_line(sample["line"])
        assert record is not None, sample["title"]
        assert record.server == folder
        assert record.timestamp == expected["timestamp"]
        if sample["vrl_format_argument"] == "error":
            _assert_error_line(record, expected)
        else:
            _assert_access_line(record, expected, sample["vrl_format_argument"])


def _assert_access_line(record, expected: dict, vrl_format: str) -> None:
    request = expected.get("request") or expected["message"]
    method, path, protocol = request.split(" ")
    assert (record.method, record.url, record.protocol) == (method, path, protocol)
    assert record.status == expected["status"]
    assert record.size == expected.get("size", expected.get("body_bytes_size"))
    assert record.client == expected.get("client", expected.get("host", expected.get("remote_addr")))
    assert record.user == expected.get("user", expected.get("remote_user"))
    assert record.referer == expected.get("referer", expected.get("referrer", expected.get("http_referer")))
    assert record.user_agent == expected.get("agent", expected.get("http_user_agent"))
    if "identity" in expected:
        assert record.fields["identity"] == expected["identity"]
    if vrl_format == "ingress_upstreaminfo":
        assert record.format == "ingress_upstreaminfo"
        assert record.request_id == expected["req_id"]
        for key in (
            "request_length",
            "request_time",
            "proxy_upstream_name",
            "proxy_alternative_upstream_name",
            "upstream_addr",
            "upstream_response_length",
            "upstream_response_time",
            "upstream_status",
        ):
            assert record.fields[key] == expected[key], key
    if vrl_format == "main":
        assert record.fields["x_forwarded_for"] == expected["http_x_forwarded_for"]
    if "compression" in expected:
        assert record.fields["compression"] == expected["compression"]


def _assert_error_line(record, expected: dict) -> None:
    assert record.kind == "error"
    assert record.severity == expected["severity"]
    assert record.message == expected["message"]
    assert record.client == expected["client"]
    for key in ("pid", "tid", "cid", "module", "thread", "port", "server"):
        if key in expected:
            assert record.fields[key] == expected[key], key
    if "host" in expected:
        assert record.host == expected["host"]
    if "request" in expected:
        assert f"{record.method} {record.url} {record.protocol}" == expected["request"]


def test_logfmt_samples() -> None:
    for sample in _samples("logfmt"):
        assert parse_logfmt(sample["line"]) == sample["expected"], sample["title"]
