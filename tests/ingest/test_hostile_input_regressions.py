"""The ingest 500s and memory blow-ups of issue #24 (parts 5, 6, 7), replayed through the real views.

Each hostile request that used to raise (``RecursionError``, an inflated-then-checked
body) now gets a 4xx whose ``detail`` says what was wrong, and a hostile body the
logs view accepts is one the worker processes without a dead letter (tasks run
eagerly here: the worker's half runs inside the same request).
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib

import pytest

from errorhub.issues.models import Issue
from errorhub.middleware import ServerErrorCounterMiddleware
from ingest.models import DeadLetter
from tests.ingest.helpers import assert_refused

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

PYTHON_ERROR = b'{"level": "error", "message": "payment failed", "logger": "shop.pay"}\n'


@pytest.fixture(autouse=True)
def _no_500_and_no_dead_letters():
    before = ServerErrorCounterMiddleware.count
    yield
    assert ServerErrorCounterMiddleware.count == before
    assert list(DeadLetter.objects.values("task", "error")) == []


def post_logs(client, world, body: bytes, *, content_type: str = "text/plain", **params: str):
    query = "&".join(f"{k}={v}" for k, v in {"sentry_key": world.key.public_key, **params}.items())
    return client.post(f"/api/{world.project.pk}/logs/?{query}", data=body, content_type=content_type)


def post_otlp(client, world, signal: str, body: bytes):
    return client.post(
        f"/v1/{signal}", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"DSN {world.key.public_key}"
    )


def _zeros_gzip(size: int) -> bytes:
    """``size`` zero bytes gzipped (about 1000:1), built without holding them."""
    comp, zeros = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS), bytes(1 << 20)
    return b"".join(comp.compress(zeros) for _ in range(size >> 20)) + comp.flush()


def test_three_thousand_concatenated_gzip_members_are_read_in_a_loop(client, world):
    body = b"".join(gzip.compress(b"worker %d started\n" % n) for n in range(3000))
    response = post_logs(client, world, body)
    assert response.status_code == 200, response.content
    assert response.json()["lines_accepted"] == 3000


def test_a_body_that_merely_starts_with_gzip_bytes_stops_at_the_log_limit(client, world, settings):
    settings.INGEST_MAX_LOG_BYTES = 1 << 20
    bomb = _zeros_gzip(64 << 20)  # ~64 KB on the wire, 64 MiB inflated
    assert len(bomb) < settings.INGEST_MAX_LOG_BYTES
    assert_refused(post_logs(client, world, bomb), 413, "expands past 1048576 bytes")


def test_gzip_layers_share_the_limit_whichever_way_they_were_found(client, world, settings):
    settings.INGEST_MAX_LOG_BYTES = 1 << 20
    layered = gzip.compress(_zeros_gzip(16 << 20))  # sniffed gzip inside gzip
    assert_refused(post_logs(client, world, layered), 413, "expands past")
    response = client.post(
        f"/api/{world.project.pk}/logs/?sentry_key={world.key.public_key}",
        data=layered,
        content_type="text/plain",
        HTTP_CONTENT_ENCODING="gzip",
    )  # header, then sniffed
    assert_refused(response, 413, "expands past")


def test_cloudwatch_records_cannot_multiply_the_limit(client, world, settings):
    settings.INGEST_MAX_LOG_BYTES = 1 << 20
    message = gzip.compress(
        json.dumps(
            {
                "messageType": "DATA_MESSAGE",
                "logGroup": "g",
                "logStream": "s",
                "logEvents": [{"id": "1", "timestamp": 0, "message": "x" * (400 << 10)}],
            }
        ).encode()
    )
    body = json.dumps({"records": [{"data": base64.b64encode(message).decode()}] * 4}).encode()
    assert len(body) < settings.INGEST_MAX_LOG_BYTES
    assert_refused(post_logs(client, world, body, format="cloudwatch"), 413, "expands past")


def test_ten_thousand_deep_json_in_cloudwatch_is_a_400(client, world):
    body = b"[" * 10_000 + b"]" * 10_000
    assert_refused(post_logs(client, world, body, format="cloudwatch"), 400, "nested deeper than 128")


def test_cloudwatch_wrappers_nested_without_end_are_a_400(client, world):
    inner = json.dumps({"messageType": "DATA_MESSAGE", "logEvents": []}).encode()
    for _ in range(50):
        inner = json.dumps({"awslogs": {"data": base64.b64encode(gzip.compress(inner)).decode()}}).encode()
    assert_refused(post_logs(client, world, inner, format="cloudwatch"), 400, "nested more than")


@pytest.mark.parametrize("signal, field", [("logs", "resourceLogs"), ("traces", "resourceSpans")])
def test_thousand_deep_arrays_in_otlp_json_are_a_400(client, world, signal, field):
    body = b'{"%s": ' % field.encode() + b"[" * 1000 + b"]" * 1000 + b"}"
    assert_refused(post_otlp(client, world, signal, body), 400, "nested deeper than 128")


@pytest.mark.parametrize(
    "line",
    [
        b'{"level": "error", "message": "boom",\n"value": NaN}\n',  # NaN across a broken line: was jsonb-rejected
        b'{"level": "error", "message": "boom", "items": [1, 2\n',  # truncated JSON
        b'{"level": "error", "message": "' + b"x" * (10 << 20) + b'"}\n',  # a 10 MB JSON line
        b'{"level": "error", "message": "deep", "a": ' + b"[" * 900 + b"]" * 900 + b"}\n",
    ],
    ids=["nan", "truncated", "10MB-line", "900-deep"],
)
def test_what_the_logs_view_accepts_the_worker_processes(client, world, settings, line):
    settings.INGEST_MAX_LOG_BYTES = 16 << 20
    response = post_logs(client, world, PYTHON_ERROR + line, format="ndjson")
    assert response.status_code == 200, response.content
    assert response.json()["lines_accepted"] >= 2
    assert Issue.objects.filter(project=world.project, title__contains="payment failed").exists()


def test_otlp_exception_attributes_that_are_not_text_are_processed(client, world):
    """Found by tests/security/test_fuzz_otlp.py: a map as ``exception.message`` crashed the worker."""
    attrs = [
        {"key": "exception.type", "value": {"intValue": 7}},
        {"key": "exception.message", "value": {"kvlistValue": {"values": [{"key": "a", "value": {}}]}}},
    ]
    body = {
        "resourceLogs": [
            {
                "scopeLogs": [
                    {
                        "logRecords": [
                            {"severityNumber": 17, "attributes": attrs, "body": {"stringValue": "charge failed"}}
                        ]
                    }
                ]
            }
        ]
    }
    response = post_otlp(client, world, "logs", json.dumps(body).encode())
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "fmt, record", [("ndjson", b'{"a":1}\n'), ("syslog", b"<13>1 - - - - - x\n"), ("gelf", b'{"short_message":"x"}\0')]
)
def test_a_body_of_tiny_records_is_refused_past_the_record_cap(client, world, fmt, record):
    """#24.7: 10 MB of tiny records framed into millions of objects (gigabytes) in the web worker."""
    body = record * 200_001
    assert_refused(post_logs(client, world, body, format=fmt), 400, "more than 200000 records")
