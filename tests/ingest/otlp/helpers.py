"""OTLP requests built with the official protobuf classes, and reading events back."""

from __future__ import annotations

import time
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from errorhub.events.models import SeenEvent
from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue

TRACE_ID = bytes.fromhex("5b8efff798038103d269b633813fc60c")
SPAN_ID = bytes.fromhex("eee19b7ec3c1b174")
PY_TRACE = """Traceback (most recent call last):
  File "/srv/shop/orders.py", line 12, in checkout
    total = price(order)
  File "/srv/shop/pricing.py", line 40, in price
    raise ValueError("no price for sku 42")
ValueError: no price for sku 42"""


def kv(key: str, value: Any) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def resource_attrs(**extra: Any) -> list[KeyValue]:
    base = {
        "service.name": "checkout",
        "service.version": "1.4.2",
        "deployment.environment.name": "prod",
        "telemetry.sdk.language": "python",
        **extra,
    }
    return [kv(k, v) for k, v in base.items()]


def logs_request(*records: LogRecord) -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    rl = request.resource_logs.add()
    rl.resource.attributes.extend(resource_attrs())
    sl = rl.scope_logs.add()
    sl.scope.name = "shop.orders"
    sl.log_records.extend(records)
    return request


def error_log(
    body: str = "checkout failed", *, severity: int = 17, trace: str | None = PY_TRACE, **attrs: Any
) -> LogRecord:
    record = LogRecord(
        time_unix_nano=time.time_ns(),
        severity_number=severity,
        severity_text="ERROR",
        body=AnyValue(string_value=body),
        trace_id=TRACE_ID,
        span_id=SPAN_ID,
    )
    if trace:
        attrs.setdefault("exception.type", "ValueError")
        attrs.setdefault("exception.message", "no price for sku 42")
        attrs.setdefault("exception.stacktrace", trace)
    record.attributes.extend(kv(k, v) for k, v in attrs.items())
    return record


def traces_request(*spans: Span) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.extend(resource_attrs())
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.django"
    ss.spans.extend(spans)
    return request


def server_span(
    status: int, *, route: str = "/orders/{id}", exception: bool = False, span_id: bytes = SPAN_ID, **attrs: Any
) -> Span:
    now = time.time_ns()
    span = Span(
        trace_id=TRACE_ID,
        span_id=span_id,
        name=f"GET {route}",
        kind=Span.SPAN_KIND_SERVER,
        start_time_unix_nano=now - 5_000_000,
        end_time_unix_nano=now,
    )
    span.attributes.extend(
        kv(k, v)
        for k, v in {
            "http.request.method": "GET",
            "http.route": route,
            "url.path": "/orders/17",
            "http.response.status_code": status,
            **attrs,
        }.items()
    )
    if exception:
        event = span.events.add(name="exception", time_unix_nano=now - 1_000_000)
        event.attributes.extend(
            [
                kv("exception.type", "ValueError"),
                kv("exception.message", "no price for sku 42"),
                kv("exception.stacktrace", PY_TRACE),
                kv("exception.escaped", True),
            ]
        )
    return span


def stored_events(project_id: int) -> list[dict[str, Any]]:
    """Every stored event of the project, as the event store returns it."""
    store = get_event_store()
    seen = SeenEvent.objects.filter(project_id=project_id, issue_id__gt=0).values_list("event_id", flat=True)
    return [event for eid in seen if (event := store.get(project_id, eid))]


def issues(project_id: int) -> list[Issue]:
    return list(Issue.objects.filter(project_id=project_id).order_by("pk"))
