"""The whole log path: body -> framing -> records -> events."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingest.protocol.logs.model import LogParseError
from ingest.protocol.logs.pipeline import extract

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "logs" / "formats"
DEFAULTS = {"project_id": 5, "service": "shop", "environment": "prod", "release": "1.2.3"}

MIXED = b"""2024-05-01 10:00:00,001 INFO [web] started
2024-05-01 10:00:01,002 ERROR [web] payment failed for order 991
Traceback (most recent call last):
  File "/app/shop/views.py", line 12, in checkout
    total = order.total()
ZeroDivisionError: division by zero
10.0.0.1 - - [01/May/2024:10:00:02 +0000] "GET /api/orders/991 HTTP/1.1" 502 12 "-" "curl/8"
10.0.0.1 - - [01/May/2024:10:00:02 +0000] "GET /api/orders/992 HTTP/1.1" 200 12 "-" "curl/8"
{"level":"error","message":"refund failed","error":{"type":"RefundError","message":"gateway 502"},"@timestamp":"2024-05-01T10:00:03Z"}
time=2024-05-01T10:00:04Z level=error msg="cache stampede" err="redis: timeout"
0 errors reported
"""  # noqa: E501 (real log lines, kept whole)


def _by_source(events):
    return {event["source"]: event for event in events}


def test_mixed_plain_body() -> None:
    result = extract(MIXED, fmt=None, content_type=None, defaults=DEFAULTS)
    assert (result.format, result.lines_accepted, result.skipped) == ("plain", 11, 0)
    sources = sorted(event["source"] for event in result.events)
    assert "log:nginx" in sources and "log:logfmt" in sources and "log:ecs" in sources
    assert any(event.get("exception", [{}])[-1].get("type") == "ZeroDivisionError" for event in result.events)
    assert not any("0 errors" in (event.get("message") or "") for event in result.events)
    for event in result.events:
        assert event["project_id"] == 5
        assert len(event["event_id"]) == 32 and int(event["event_id"], 16) >= 0
        assert event["environment"] == "prod"
    nginx = _by_source(result.events)["log:nginx"]
    assert nginx["transaction"] == "GET /api/orders/{id}"


def test_event_ids_are_stable_across_retries_of_the_same_body() -> None:
    first = [e["event_id"] for e in extract(MIXED, fmt=None, content_type=None, defaults=DEFAULTS).events]
    second = [e["event_id"] for e in extract(MIXED, fmt=None, content_type=None, defaults=DEFAULTS).events]
    assert first == second
    assert len(set(first)) == len(first)


def test_lines_without_timestamp_get_fresh_ids() -> None:
    body = b"ERROR something broke\n"
    one = extract(body, fmt="plain", content_type=None, defaults={}).events[0]["event_id"]
    two = extract(body, fmt="plain", content_type=None, defaults={}).events[0]["event_id"]
    assert one != two


def test_fluent_bit_kubernetes_batch() -> None:
    body = (FIXTURES / "fluentbit_http_kubernetes.json").read_bytes()
    result = extract(gzip.compress(body), fmt=None, content_type="application/json", defaults={"project_id": 1})
    assert result.format == "ndjson"
    services = {event.get("service") for event in result.events}
    assert services == {"checkout"}
    streams = {event["tags"]["log.stream"] for event in result.events}
    assert "shop/checkout-7d9f8b-x2x/web/stderr" in streams
    refund = [e for e in result.events if e.get("message") == "refund failed"]
    assert refund and refund[0]["exception"][-1]["type"] == "RefundError"


def test_heroku_drain() -> None:
    body = (FIXTURES / "heroku_drain.logplex").read_bytes()
    result = extract(body, fmt=None, content_type="application/logplex-1", defaults={"service": "myapp"})
    router = [e for e in result.events if e["source"] == "log:heroku"]
    assert router and router[0]["fingerprint"] == ["http-5xx", "myapp", "GET", "/orders/{id}", "503"]
    assert router[0]["request_id"] == "8601b555-6a83-4c12-8269-97c8e32cdb22"


def test_vector_kubernetes_error_line() -> None:
    body = (FIXTURES / "vector_kubernetes.ndjson").read_bytes()
    (event,) = extract(body, fmt=None, content_type="application/x-ndjson", defaults={}).events
    assert event["level"] == "error"
    assert event["service"] == "api"
    assert event["timestamp"] == "2024-05-01T10:00:00.123456Z"


def test_cloudwatch_lambda_trace_in_one_event() -> None:
    message = {
        "messageType": "DATA_MESSAGE",
        "owner": "1",
        "logGroup": "/aws/lambda/f",
        "logStream": "s",
        "subscriptionFilters": [],
        "logEvents": [
            {
                "id": "3713",
                "timestamp": 1714557600000,
                "message": 'Traceback (most recent call last):\n  File "/var/task/app.py", line 4, in handler\n'
                "    return 1 / 0\nZeroDivisionError: division by zero\n",
            }
        ],
    }
    result = extract(
        gzip.compress(json.dumps(message).encode()), fmt=None, content_type=None, defaults={"project_id": 2}
    )
    (event,) = result.events
    assert event["exception"][-1]["type"] == "ZeroDivisionError"
    again = extract(
        gzip.compress(json.dumps(message).encode()), fmt=None, content_type=None, defaults={"project_id": 2}
    )
    assert again.events[0]["event_id"] == event["event_id"]  # from the CloudWatch event id


def test_trace_split_across_two_requests_does_not_crash() -> None:
    lines = MIXED.split(b"\n")
    head, tail = b"\n".join(lines[:4]) + b"\n", b"\n".join(lines[4:])
    first = extract(head, fmt=None, content_type=None, defaults={})
    second = extract(tail, fmt=None, content_type=None, defaults={})
    assert first.lines_accepted + second.lines_accepted == 11
    assert all(event.get("level") in ("error", "fatal") for event in first.events + second.events)


def test_max_lines_counts_the_rest_as_skipped() -> None:
    body = b"".join(b"ERROR line %d\n" % n for n in range(10))
    result = extract(body, fmt="plain", content_type=None, defaults={}, max_lines=4)
    assert (result.lines_accepted, result.skipped, len(result.events)) == (4, 6, 4)


def test_bad_body_in_explicit_format_is_a_parse_error() -> None:
    with pytest.raises(LogParseError):
        extract(b"999 <13>1 short", fmt="logplex", content_type=None, defaults={})


def test_empty_body() -> None:
    result = extract(b"", fmt=None, content_type=None, defaults={})
    assert (result.format, result.lines_accepted, result.events) == ("plain", 0, [])
