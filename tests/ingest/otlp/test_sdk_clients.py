"""The real OpenTelemetry Python SDK exporting OTLP/HTTP (protobuf) to a live ErrorHub.

pytest-django's ``live_server`` serves ErrorHub in a thread; tasks run eagerly, so
each export is processed before the exporter gets its answer. The official
``opentelemetry-exporter-otlp-proto-http`` log and span exporters send with
``Authorization: DSN <key>``.
"""

from __future__ import annotations

import logging

import pytest
import sentry_sdk
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from tests.ingest.otlp.helpers import issues, stored_events

pytestmark = pytest.mark.django_db(transaction=True)
RESOURCE = Resource.create(
    {"service.name": "checkout", "service.version": "2.0.1", "deployment.environment.name": "staging"}
)


def price(order: dict) -> int:
    raise KeyError(f"no price for {order['sku']}")


def checkout() -> int:
    return price({"sku": "A-42"})


def _headers(world) -> dict[str, str]:
    return {"Authorization": f"DSN {world.key.public_key}"}


def test_otel_log_exporter_exception_becomes_issue(live_server, world):
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(
            OTLPLogExporter(endpoint=f"{live_server.url}/v1/logs", headers=_headers(world), timeout=10)
        )
    )
    log = logging.getLogger("tests.otel.shop")
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    log.addHandler(handler)
    try:
        log.info("checkout started")  # not an error: counted only
        try:
            checkout()
        except KeyError:
            log.exception("checkout failed")
        provider.force_flush()
    finally:
        log.removeHandler(handler)
        provider.shutdown()
    [event] = stored_events(world.project.pk)
    assert (event["service"], event["release"], event["environment"]) == ("checkout", "2.0.1", "staging")
    exc = event["exception"][-1]
    assert exc["type"] == "KeyError" and "A-42" in exc["value"]
    assert [f["function"] for f in exc["stacktrace"]["frames"]][-2:] == ["checkout", "price"]
    assert event["message"] == "checkout failed" and event["level"] == "error"
    assert event["source"] == "otlp:logs"


def test_otel_span_exporter_exception_and_server_503(live_server, world):
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(
        SimpleSpanProcessor(
            OTLPSpanExporter(endpoint=f"{live_server.url}/v1/traces", headers=_headers(world), timeout=10)
        )
    )
    tracer = provider.get_tracer("shop.http")
    with tracer.start_as_current_span(
        "GET /orders/{id}",
        kind=SpanKind.SERVER,
        attributes={"http.request.method": "GET", "http.route": "/orders/{id}", "http.response.status_code": 500},
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            checkout()
        except KeyError as exc:
            span.record_exception(exc)
        exc_trace = format(span.get_span_context().trace_id, "032x")
    with tracer.start_as_current_span(
        "GET /health/{id}",
        kind=SpanKind.SERVER,
        attributes={"http.request.method": "GET", "url.path": "/health/123", "http.response.status_code": 503},
    ) as span:
        http_trace = format(span.get_span_context().trace_id, "032x")
    with tracer.start_as_current_span("SELECT orders"):
        pass
    provider.force_flush()
    provider.shutdown()
    events = {e["trace_id"]: e for e in stored_events(world.project.pk)}
    assert set(events) == {exc_trace, http_trace}
    exc_event = events[exc_trace]
    assert exc_event["transaction"] == "GET /orders/{id}" and exc_event["exception"][-1]["type"] == "KeyError"
    assert exc_event["exception"][-1]["stacktrace"]["frames"][-1]["function"] == "price"
    http_event = events[http_trace]
    assert http_event["fingerprint"] == ["http-5xx", "checkout", "GET", "/health/{id}", "503"]
    assert len(issues(world.project.pk)) == 2


def test_otel_log_groups_with_sentry_sdk_event_when_frames_match(live_server, world):
    """Best effort: an OTel log and a Sentry SDK event for the same exception share
    an issue when the parsed frames match what the SDK reported (function, module
    and file agree; context lines, which only the SDK sends, do not take part)."""
    dsn = f"http://{world.key.public_key}@{live_server.url.split('://')[1]}/{world.project.pk}"
    client = sentry_sdk.Client(
        dsn,
        default_integrations=False,
        auto_enabling_integrations=False,
        include_local_variables=False,
        in_app_include=["tests"],
    )
    with sentry_sdk.isolation_scope() as scope:
        scope.set_client(client)
        try:
            checkout()
        except KeyError:
            sentry_sdk.capture_exception()
        client.flush(timeout=10)
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(
            OTLPLogExporter(endpoint=f"{live_server.url}/v1/logs", headers=_headers(world), timeout=10)
        )
    )
    log = logging.getLogger("tests.otel.grouping")
    handler = LoggingHandler(level=logging.ERROR, logger_provider=provider)
    log.addHandler(handler)
    try:
        try:
            checkout()
        except KeyError:
            log.exception("checkout failed")
        provider.force_flush()
    finally:
        log.removeHandler(handler)
        provider.shutdown()
    events = stored_events(world.project.pk)
    assert len(events) == 2
    assert len({e["issue_id"] for e in events}) == 1, (
        "the OTel log and the Sentry SDK event of one exception should be one issue; frames: "
        + "; ".join(str([f.get("function") for f in e["exception"][-1]["stacktrace"]["frames"]]) for e in events)
    )
