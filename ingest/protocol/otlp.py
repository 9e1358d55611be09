"""OpenTelemetry (OTLP/HTTP) logs and traces -> ErrorHub events (pure, no Django).

Requests are decoded with the official ``opentelemetry.proto`` message classes:
``application/x-protobuf`` with ``ParseFromString`` and ``application/json`` with
``google.protobuf.json_format`` (which accepts the OTLP JSON mapping: lowerCamelCase
field names, enum numbers, and — because OTLP says so — *hex* trace/span ids, see
``_hex_ids_to_base64``).

What becomes an event:

- a log record with ``SeverityNumber >= 17`` (ERROR) or any ``exception.*``
  attribute; the stack trace text goes through ``parse_trace`` (any runtime);
- a span event named ``exception`` (``span.record_exception``);
- a SERVER span answering HTTP >= 500 without an exception event: a 5xx event
  grouped like an access-log line, ``["http-5xx", service, method, route, status]``.

Everything else is only counted. Event ids are derived from the record itself, so a
client retrying an export does not create duplicates.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from ingest.protocol.errors import ClientError
from ingest.protocol.event import Event, ExceptionValue, normalize_level
from ingest.protocol.limits import MAX_JSON_DEPTH, deeper_than, may_be_deeper_than
from ingest.protocol.logs.access import route_template, split_url
from ingest.protocol.logs.stacktraces import parse_trace

__all__ = [
    "MAX_ATTRIBUTE_CHARS",
    "OtlpError",
    "Conversion",
    "decode_request",
    "encode_response",
    "events_from_request",
    "rejected_up_front",
]

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
SIGNALS = ("logs", "traces")
#: A string/bytes attribute value longer than this rejects its record (reported in partial_success).
MAX_ATTRIBUTE_CHARS = 64 * 1024
_MAX_TAG_CHARS = 200
_MAX_EXTRA_CHARS = 4096
_EXCEPTION_KEYS = ("exception.type", "exception.message", "exception.stacktrace")
_RESOURCE_KEYS = {
    "service.name",
    "service.version",
    "deployment.environment",
    "deployment.environment.name",
    "host.name",
    "telemetry.sdk.language",
    "telemetry.sdk.name",
    "telemetry.sdk.version",
}
_HEX_ID_FIELDS = ("traceId", "spanId", "parentSpanId")
_LANGUAGE_PLATFORM = {
    "python": "python",
    "java": "java",
    "go": "go",
    "nodejs": "node",
    "js": "javascript",
    "webjs": "javascript",
    "ruby": "ruby",
    "php": "php",
    "dotnet": "csharp",
    "rust": "rust",
    "cpp": "native",
    "erlang": "elixir",
    "swift": "cocoa",
}


class OtlpError(ClientError, ValueError):
    """The body is not an OTLP request of the declared encoding (answer 400)."""


ExportRequest = ExportLogsServiceRequest | ExportTraceServiceRequest
ExportResponse = ExportLogsServiceResponse | ExportTraceServiceResponse

_REQUESTS: dict[str, type[ExportRequest]] = {"logs": ExportLogsServiceRequest, "traces": ExportTraceServiceRequest}
_RESPONSES: dict[str, type[ExportResponse]] = {"logs": ExportLogsServiceResponse, "traces": ExportTraceServiceResponse}


def media_type(content_type: str | None) -> str | None:
    """``application/json; charset=utf-8`` -> ``application/json``; None if not OTLP's."""
    value = (content_type or "").split(";", 1)[0].strip().lower()
    return value if value in (PROTOBUF, JSON) else None


def _hex_ids_to_base64(node: Any) -> None:
    """OTLP/JSON writes trace and span ids as hex; protobuf's JSON mapping expects
    base64 for ``bytes``. Convert in place before ``ParseDict``."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name in _HEX_ID_FIELDS and isinstance(value, str) and re.fullmatch(r"(?:[0-9a-fA-F]{2})*", value):
                node[name] = base64.b64encode(bytes.fromhex(value)).decode("ascii")
            else:
                _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)


def decode_request(signal: str, data: bytes, content_type: str) -> ExportRequest:
    """Bytes of one export request -> its message. Raises ``OtlpError`` saying what is wrong."""
    message = _REQUESTS[signal]()
    if media_type(content_type) == JSON:
        import orjson

        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise OtlpError(f"body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise OtlpError("OTLP/JSON body must be an object")
        if may_be_deeper_than(data) and deeper_than(body):  # the conversions below recurse per level
            raise OtlpError(f"OTLP/JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
        _hex_ids_to_base64(body)
        try:
            json_format.ParseDict(body, message, ignore_unknown_fields=True)
        except (json_format.ParseError, ValueError, TypeError) as exc:
            raise OtlpError(f"not an OTLP {signal} request: {exc}") from None
        return message
    try:
        message.ParseFromString(data)
    except (DecodeError, ValueError) as exc:
        raise OtlpError(f"not an OTLP {signal} protobuf message: {exc}") from None
    return message


def encode_response(signal: str, content_type: str, rejected: int = 0, message: str = "") -> tuple[bytes, str]:
    """The ``Export*ServiceResponse`` (with ``partial_success`` when something was rejected),
    in the request's encoding."""
    response = _RESPONSES[signal]()
    if rejected or message:
        field_name = "rejected_log_records" if signal == "logs" else "rejected_spans"
        setattr(response.partial_success, field_name, rejected)
        response.partial_success.error_message = message
    if media_type(content_type) == JSON:
        return json_format.MessageToJson(response, indent=None).encode("utf-8"), JSON
    return response.SerializeToString(), PROTOBUF


# ---------------------------------------------------------------- attributes


def any_value(value: AnyValue) -> Any:
    """An ``AnyValue`` as plain Python (bytes as hex)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def attributes(values: Iterable[KeyValue]) -> dict[str, Any]:
    return {kv.key: any_value(kv.value) for kv in values}


def _too_long(values: Iterable[KeyValue]) -> str | None:
    for kv in values:
        kind = kv.value.WhichOneof("value")
        if kind in ("string_value", "bytes_value") and len(getattr(kv.value, kind)) > MAX_ATTRIBUTE_CHARS:
            return kv.key
        if kind == "array_value" and any(
            len(v.string_value) > MAX_ATTRIBUTE_CHARS for v in kv.value.array_value.values
        ):
            return kv.key
    return None


def _record_refusal(record: Any) -> str | None:
    key = _too_long(record.attributes)
    if key is None and isinstance(record, Span):
        key = next((k for ev in record.events if (k := _too_long(ev.attributes))), None)
    elif key is None and len(record.body.string_value) > MAX_ATTRIBUTE_CHARS:
        key = "body"
    return key


def _records(signal: str, request: ExportRequest) -> Iterator[tuple[Any, Any, Any]]:
    """(resource, scope, record) for every log record or span of the request."""
    if isinstance(request, ExportLogsServiceRequest):  # decode_request(signal) made it from the signal
        for rl in request.resource_logs:
            for sl in rl.scope_logs:
                for record in sl.log_records:
                    yield rl.resource, sl.scope, record
    else:
        for rs in request.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    yield rs.resource, ss.scope, span


def rejected_up_front(signal: str, request: ExportRequest) -> tuple[int, str]:
    """Records refused before queueing (an attribute value over ``MAX_ATTRIBUTE_CHARS``):
    (count, message for ``partial_success``). The worker skips the same records."""
    rejected, keys = 0, []
    for _, _, record in _records(signal, request):
        key = _record_refusal(record)
        if key:
            rejected += 1
            if key not in keys:
                keys.append(key)
    if not rejected:
        return 0, ""
    noun = "log records" if signal == "logs" else "spans"
    return rejected, (
        f"{rejected} {noun} rejected: attribute value over {MAX_ATTRIBUTE_CHARS} characters ({', '.join(keys[:5])})"
    )


# ---------------------------------------------------------------- events


@dataclass
class Conversion:
    """What one request yielded: events, and counts of records that were not events."""

    events: list[Event] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=dict)

    def count(self, item_type: str) -> None:
        self.counted[item_type] = self.counted.get(item_type, 0) + 1


def _iso(nanos: int) -> str | None:
    if not nanos:
        return None
    return datetime.fromtimestamp(nanos / 1e9, tz=UTC).isoformat()


def _level(severity: int, text: str = "") -> str:
    """OTLP's severity number (1-24, in four-step bands) -> level; with no number (0),
    the record's severity text read through the one alias table, else error."""
    if not severity:
        return normalize_level(text, "error")
    if severity >= 21:
        return "fatal"
    if severity >= 17:
        return "error"
    if severity >= 13:
        return "warning"
    if severity >= 9:
        return "info"
    return "debug"


def _event_id(*parts: Any) -> str:
    return hashlib.sha256("\0".join(str(p) for p in parts).encode("utf-8", "replace")).hexdigest()[:32]


def _split_attributes(attrs: dict[str, Any], event: Event) -> None:
    """Short scalars become tags, everything else extra."""
    tags, extra = event.setdefault("tags", {}), event.setdefault("extra", {})
    for key, value in attrs.items():
        if isinstance(value, (str, int, float, bool)) and len(str(value)) <= _MAX_TAG_CHARS and len(key) <= 200:
            tags[key] = str(value)
        else:
            text = value if isinstance(value, str) else repr(value)
            extra[key] = value if len(text) <= _MAX_EXTRA_CHARS else text[:_MAX_EXTRA_CHARS] + "…"


def _base_event(resource: dict[str, Any], scope: Any, source: str, project_id: int | None, received_at: str) -> Event:
    event: Event = {
        "platform": _LANGUAGE_PLATFORM.get(str(resource.get("telemetry.sdk.language")), "other"),
        "source": source,
        "received_at": received_at,
        "tags": {},
        "extra": {},
    }
    if project_id is not None:
        event["project_id"] = project_id
    service = resource.get("service.name")
    if service and service != "unknown_service" and not str(service).startswith("unknown_service:"):
        event["service"] = str(service)[:200]
    if resource.get("service.version"):
        event["release"] = str(resource["service.version"])[:200]
    environment = resource.get("deployment.environment.name") or resource.get("deployment.environment")
    if environment:
        event["environment"] = str(environment)[:64]
    if resource.get("host.name"):
        event["server_name"] = str(resource["host.name"])[:200]
    sdk = {k: v for k, v in resource.items() if k.startswith("telemetry.sdk.")}
    if sdk:
        event["contexts"] = {"otel": {"resource": sdk, "scope": scope.name or None}}
    if scope.name:
        event["logger"] = scope.name[:200]
    _split_attributes({k: v for k, v in resource.items() if k not in _RESOURCE_KEYS}, event)
    return event


def _as_text(value: Any) -> str | None:
    """An attribute meant as text; a sender may put a number, list or map there instead."""
    return value if value is None or isinstance(value, str) else repr(value)


def exception_from(exc_type: Any, message: Any, stacktrace: Any) -> list[ExceptionValue]:
    """``exception.*`` attributes -> the Event's exception chain (parsed trace when possible)."""
    exc_type, message, stacktrace = _as_text(exc_type), _as_text(message), _as_text(stacktrace)
    chain = parse_trace(stacktrace) if stacktrace else None
    if chain:
        last = chain[-1]
        if exc_type and not last.get("type"):
            last["type"] = exc_type
        if message and not last.get("value"):
            last["value"] = message
        return chain
    value: ExceptionValue = {"type": exc_type or "Error", "value": message or None}
    if stacktrace:
        value["mechanism"] = {"type": "otlp", "handled": None}
    return [value]


def _log_event(record: Any, resource: dict[str, Any], scope: Any, project_id: int | None, received_at: str) -> Event:
    attrs = attributes(record.attributes)
    event = _base_event(resource, scope, "otlp:logs", project_id, received_at)
    event["level"] = _level(record.severity_number, record.severity_text)
    body = any_value(record.body)
    if body is not None:
        event["message"] = body if isinstance(body, str) else repr(body)
    if any(k in attrs for k in _EXCEPTION_KEYS):
        event["exception"] = exception_from(
            attrs.pop("exception.type", None),
            attrs.pop("exception.message", None),
            attrs.pop("exception.stacktrace", None),
        )
    if record.trace_id:
        event["trace_id"] = record.trace_id.hex()
    if record.span_id:
        event["span_id"] = record.span_id.hex()
    if record.severity_text:
        event["tags"]["otel.severity"] = record.severity_text[:64]
    _common_attributes(event, attrs)
    event["timestamp"] = _iso(record.time_unix_nano or record.observed_time_unix_nano) or received_at
    event["event_id"] = _event_id(project_id, "log", record.SerializeToString(deterministic=True), event.get("service"))
    return event


def _common_attributes(event: Event, attrs: dict[str, Any]) -> None:
    """Well-known semantic-convention attributes to Event fields; the rest to tags/extra."""
    if "enduser.id" in attrs or "user.id" in attrs:
        event["user"] = {"id": str(attrs.get("user.id") or attrs.get("enduser.id"))[:128]}
    request_id = attrs.get("http.request.id") or attrs.get("request_id")
    if isinstance(request_id, str):
        event["request_id"] = request_id[:200]
    _split_attributes(attrs, event)


def _http(attrs: dict[str, Any]) -> tuple[str | None, str | None, int | None]:
    method = attrs.get("http.request.method") or attrs.get("http.method")
    url = attrs.get("url.full") or attrs.get("url.path") or attrs.get("http.target") or attrs.get("http.url")
    status = attrs.get("http.response.status_code") or attrs.get("http.status_code")
    try:
        status_code = int(status) if status is not None else None
    except (TypeError, ValueError):
        status_code = None
    return (str(method).upper()[:20] if method else None), (str(url) if url else None), status_code


def _route(attrs: dict[str, Any], span: Span, url: str | None) -> str:
    route = attrs.get("http.route")
    if isinstance(route, str) and route:
        return route[:200]
    if url:
        return route_template(url)
    return span.name[:200] or "-"


def _span_base(
    span: Span,
    resource: dict[str, Any],
    scope: Any,
    attrs: dict[str, Any],
    source: str,
    project_id: int | None,
    received_at: str,
) -> Event:
    event = _base_event(resource, scope, source, project_id, received_at)
    event["transaction"] = span.name[:200]
    event["trace_id"] = span.trace_id.hex() or None
    event["span_id"] = span.span_id.hex() or None
    method, url, status = _http(attrs)
    if method or url or status:
        event["request"] = {"method": method, "url": split_url(url)[0] if url else None, "status_code": status}
    if "http.route" in attrs:
        event["tags"]["http.route"] = str(attrs["http.route"])[:200]
    if status is not None:
        event["tags"]["http.status_code"] = str(status)
    return event


def _exception_event(
    span: Span,
    span_event: Any,
    resource: dict[str, Any],
    scope: Any,
    attrs: dict[str, Any],
    project_id: int | None,
    received_at: str,
) -> Event:
    event = _span_base(span, resource, scope, attrs, "otlp:traces", project_id, received_at)
    exc_attrs = attributes(span_event.attributes)
    event["level"] = "error"
    event["exception"] = exception_from(
        exc_attrs.pop("exception.type", None),
        exc_attrs.pop("exception.message", None),
        exc_attrs.pop("exception.stacktrace", None),
    )
    event["message"] = (event["exception"][-1].get("value") or "")[:1000] or None
    escaped = exc_attrs.pop("exception.escaped", None)
    if escaped is not None:
        event["exception"][-1]["mechanism"] = {"type": "otlp", "handled": not escaped}
    event["extra"]["span.attributes"] = {k: v for k, v in attrs.items() if len(repr(v)) <= _MAX_EXTRA_CHARS}
    _split_attributes(exc_attrs, event)
    event["timestamp"] = _iso(span_event.time_unix_nano or span.end_time_unix_nano) or received_at
    event["event_id"] = _event_id(
        project_id,
        "span-exception",
        span.trace_id.hex(),
        span.span_id.hex(),
        span_event.time_unix_nano,
        span_event.SerializeToString(deterministic=True),
    )
    return event


def _server_error_event(
    span: Span, resource: dict[str, Any], scope: Any, attrs: dict[str, Any], project_id: int | None, received_at: str
) -> Event:
    event = _span_base(span, resource, scope, attrs, "otlp:traces", project_id, received_at)
    method, url, status = _http(attrs)
    method = method or "-"
    route = _route(attrs, span, url)
    event.update(
        {
            "level": "error",
            "message": f"{status} {method} {route}",
            "transaction": f"{method} {route}",
            "fingerprint": ["http-5xx", event.get("service") or "", method, route, str(status)],
        }
    )
    if span.status.message:
        event["extra"]["span.status_message"] = span.status.message[:_MAX_EXTRA_CHARS]
    event["timestamp"] = _iso(span.end_time_unix_nano or span.start_time_unix_nano) or received_at
    event["event_id"] = _event_id(project_id, "span-5xx", span.trace_id.hex(), span.span_id.hex())
    return event


def _log_is_event(record: Any) -> bool:
    return record.severity_number >= 17 or any(kv.key in _EXCEPTION_KEYS for kv in record.attributes)


def _span_events(
    span: Span, resource: dict[str, Any], scope: Any, project_id: int | None, received_at: str, out: Conversion
) -> None:
    attrs = attributes(span.attributes)
    exceptions = [ev for ev in span.events if ev.name == "exception"]
    for span_event in exceptions:
        out.events.append(_exception_event(span, span_event, resource, scope, attrs, project_id, received_at))
    _, _, status = _http(attrs)
    if not exceptions and span.kind == Span.SPAN_KIND_SERVER and status is not None and status >= 500:
        out.events.append(_server_error_event(span, resource, scope, attrs, project_id, received_at))
    elif not exceptions:
        out.count("otlp_span_error" if span.status.code == Status.STATUS_CODE_ERROR else "otlp_span")


def events_from_request(signal: str, request: ExportRequest, *, project_id: int | None, received_at: str) -> Conversion:
    """Every event one export request holds, plus counts of what was not an event."""
    out = Conversion()
    resources: dict[int, dict[str, Any]] = {}
    for resource, scope, record in _records(signal, request):
        if _record_refusal(record):
            out.count(f"otlp_{signal}_rejected")
            continue
        attrs = resources.setdefault(id(resource), attributes(resource.attributes))
        if signal == "traces":
            _span_events(record, attrs, scope, project_id, received_at, out)
        elif _log_is_event(record):
            out.events.append(_log_event(record, attrs, scope, project_id, received_at))
        else:
            out.count("otlp_log")
    return out


def candidate_events(signal: str, request: ExportRequest) -> tuple[int, int]:
    """(records, records that will become events) without building the events: what
    the view counts against quotas."""
    records = events = 0
    for _, _, record in _records(signal, request):
        records += 1
        if signal == "logs":
            events += _log_is_event(record)
        else:
            exceptions = sum(ev.name == "exception" for ev in record.events)
            if exceptions:
                events += exceptions
            elif record.kind == Span.SPAN_KIND_SERVER and (_http(attributes(record.attributes))[2] or 0) >= 500:
                events += 1
    return records, events


def events_from_bytes(
    signal: str, data: bytes, content_type: str, *, project_id: int | None, received_at: str
) -> Conversion:
    """Worker side: the queued raw body -> events (``OtlpError`` if it no longer decodes)."""
    return events_from_request(
        signal, decode_request(signal, data, content_type), project_id=project_id, received_at=received_at
    )
