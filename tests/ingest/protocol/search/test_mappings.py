"""Index template and the document indexed for an event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ingest.protocol.search.mappings import (
    INDEX_TEMPLATE,
    MAPPINGS,
    MAX_ARRAY_VALUES,
    READ_ALIAS,
    document_from_event,
    index_day,
    index_name,
    index_template,
    split_tag,
)


def python_event() -> dict:
    """A Django request error as the normaliser emits it for sentry-python."""
    return {
        "event_id": "9f2c1a7e4b3d4c8e9a0b1c2d3e4f5a6b",
        "project_id": 7,
        "received_at": "2026-11-03T23:59:59.950000+00:00",
        "timestamp": "2026-11-03T23:59:59.871234Z",
        "platform": "python",
        "level": "error",
        "logger": "django.request",
        "message": "Internal Server Error: /api/orders/42/pay",
        "exception": [
            {
                "type": "ConnectionRefusedError",
                "value": "[Errno 111] Connection refused",
                "module": "builtins",
                "mechanism": {"type": "chained", "handled": True},
                "stacktrace": {
                    "frames": [
                        {
                            "filename": "payments/gateway.py",
                            "module": "payments.gateway",
                            "function": "PaymentGateway.connect",
                            "lineno": 88,
                            "in_app": True,
                        },
                    ]
                },
            },
            {
                "type": "PaymentError",
                "value": "gateway unreachable",
                "module": "payments.errors",
                "mechanism": {"type": "django", "handled": False},
                "stacktrace": {
                    "frames": [
                        {
                            "filename": "django/core/handlers/base.py",
                            "module": "django.core.handlers.base",
                            "function": "_get_response",
                            "lineno": 197,
                            "in_app": False,
                        },
                        {
                            "filename": "orders/views.py",
                            "module": "orders.views",
                            "function": "pay",
                            "lineno": 41,
                            "in_app": True,
                            "context_line": "    charge(order)",
                        },
                        {
                            "filename": "payments/gateway.py",
                            "module": "payments.gateway",
                            "function": "PaymentGateway.connect",
                            "lineno": 90,
                            "in_app": True,
                        },
                    ]
                },
            },
        ],
        "release": "shop@1.4.2",
        "environment": "production",
        "server_name": "web-3",
        "service": "shop",
        "transaction": "/api/orders/{id}/pay",
        "request": {
            "method": "POST",
            "url": "https://shop.example.com/api/orders/42/pay",
            "status_code": 500,
            "headers": {"User-Agent": "curl/8.5"},
        },
        "user": {"id": "42", "ip_address": "203.0.113.9", "email": None},
        "tags": {"browser": "Chrome 131", "customer": "acme", "bad=key": "x"},
        "contexts": {"runtime": {"name": "CPython", "version": "3.11.7"}},
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "request_id": "req-7f3a",
        "fingerprint": ["{{ default }}"],
        "source": "sdk:sentry.python/2.75.0",
        "size": 4817,
    }


def test_document_from_event():
    event = python_event()
    doc = document_from_event(event, issue_id=1234)
    body = doc.pop("body")
    assert body is event
    assert doc == {
        "event_id": "9f2c1a7e4b3d4c8e9a0b1c2d3e4f5a6b",
        "project_id": "7",
        "issue_id": "1234",
        "timestamp": "2026-11-03T23:59:59.871Z",
        "received_at": "2026-11-03T23:59:59.950Z",
        "platform": "python",
        "level": "error",
        "logger": "django.request",
        "release": "shop@1.4.2",
        "environment": "production",
        "server_name": "web-3",
        "service": "shop",
        "transaction": "/api/orders/{id}/pay",
        "source": "sdk:sentry.python/2.75.0",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "request_id": "req-7f3a",
        "message": "Internal Server Error: /api/orders/42/pay",
        "size": 4817,
        "exception": {
            "type": ["ConnectionRefusedError", "PaymentError"],
            "value": ["[Errno 111] Connection refused", "gateway unreachable"],
            "module": ["builtins", "payments.errors"],
            "handled": False,
        },
        "frames": {
            "function": ["PaymentGateway.connect", "_get_response", "pay"],
            "module": ["payments.gateway", "django.core.handlers.base", "orders.views"],
            "filename": ["payments/gateway.py", "django/core/handlers/base.py", "orders/views.py"],
        },
        "request": {"method": "POST", "url": "https://shop.example.com/api/orders/42/pay", "status_code": 500},
        "user": {"id": "42", "ip_address": "203.0.113.9"},
        "tags": ["browser=Chrome 131", "customer=acme"],
        "tag_keys": ["browser", "customer"],
    }


def test_minimal_log_event_leaves_absent_fields_out():
    doc = document_from_event(
        {
            "event_id": "a" * 32,
            "project_id": 1,
            "received_at": "2026-11-03T10:00:00Z",
            "level": "warning",
            "message": "disk almost full",
            "source": "log:nginx",
        },
        issue_id=5,
    )
    assert set(doc) == {
        "event_id",
        "project_id",
        "issue_id",
        "timestamp",
        "received_at",
        "level",
        "message",
        "source",
        "body",
    }
    assert doc["timestamp"] == "2026-11-03T10:00:00.000Z"  # falls back to received_at


def test_event_without_any_time_is_rejected():
    with pytest.raises(ValueError, match="neither timestamp nor received_at"):
        document_from_event({"event_id": "a" * 32, "project_id": 1}, issue_id=1)


def test_long_values_are_bounded():
    frames = [{"function": f"f{i}"} for i in range(MAX_ARRAY_VALUES + 50)]
    event = {
        "event_id": "b" * 32,
        "project_id": 1,
        "timestamp": "2026-11-03T10:00:00Z",
        "message": "x" * 100_000,
        "exception": [{"type": "E", "stacktrace": {"frames": frames}}],
    }
    doc = document_from_event(event, issue_id=1)
    assert len(doc["frames"]["function"]) == MAX_ARRAY_VALUES
    assert len(doc["message"]) == 8192
    assert len(doc["body"]["message"]) == 100_000


def _mapped_paths(properties: dict, prefix: str = "") -> set[str]:
    paths = set()
    for name, spec in properties.items():
        paths.add(prefix + name)
        if "properties" in spec:
            paths |= _mapped_paths(spec["properties"], f"{prefix}{name}.")
    return paths


def _doc_paths(doc: dict, prefix: str = "") -> set[str]:
    paths = set()
    for name, value in doc.items():
        paths.add(prefix + name)
        if isinstance(value, dict) and name != "body":
            paths |= _doc_paths(value, f"{prefix}{name}.")
    return paths


def test_every_document_field_is_mapped():
    # The mapping is strict: an unmapped field would fail the write.
    doc = document_from_event(python_event(), issue_id=1)
    assert _doc_paths(doc) <= _mapped_paths(MAPPINGS["properties"])


def test_template_shape_and_json():
    json.dumps(INDEX_TEMPLATE)
    assert INDEX_TEMPLATE["index_patterns"] == ["errorhub-events-*"]
    template = INDEX_TEMPLATE["template"]
    assert template["settings"] == {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}
    assert template["aliases"] == {READ_ALIAS: {}}
    props = template["mappings"]["properties"]
    assert template["mappings"]["dynamic"] == "strict"
    assert props["body"] == {"type": "object", "enabled": False}
    assert props["message"]["type"] == "text"
    assert props["message"]["fields"]["keyword"]["type"] == "keyword"
    assert props["exception"]["properties"]["type"]["type"] == "keyword"
    assert props["exception"]["properties"]["value"]["type"] == "text"
    assert props["timestamp"]["type"] == "date"
    for name in (
        "trace_id",
        "request_id",
        "issue_id",
        "project_id",
        "event_id",
        "release",
        "environment",
        "level",
        "tags",
        "tag_keys",
    ):
        assert props[name]["type"] == "keyword", name
        assert props[name]["ignore_above"] > 0
    assert "nested" not in json.dumps(INDEX_TEMPLATE)


def test_template_settings_are_configurable():
    settings = index_template(shards=3, replicas=1, refresh_interval="5s")["template"]["settings"]
    assert settings == {"number_of_shards": 3, "number_of_replicas": 1, "refresh_interval": "5s"}


def test_index_name_is_the_utc_day():
    assert index_name(datetime(2026, 11, 3, 23, 59, tzinfo=UTC)) == "errorhub-events-2026.11.03"
    assert index_name("2026-11-03T23:30:00-02:00") == "errorhub-events-2026.11.04"
    plus_two = timezone(timedelta(hours=2))
    assert index_name(datetime(2026, 11, 4, 1, 0, tzinfo=plus_two)) == "errorhub-events-2026.11.03"
    assert index_name(datetime(2026, 1, 2, 3, 4)) == "errorhub-events-2026.01.02"  # naive = UTC


def test_index_day_reads_our_names_only():
    assert index_day("errorhub-events-2026.11.03") == date(2026, 11, 3)
    assert index_day("errorhub-events-2026.13.03") is None
    assert index_day("errorhub-events") is None
    assert index_day("other-2026.11.03") is None


def test_split_tag():
    assert split_tag("url=https://x/?a=b") == ("url", "https://x/?a=b")
