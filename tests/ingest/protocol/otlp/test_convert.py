"""OTLP records -> events (pure: ``ingest.protocol.otlp``)."""

from __future__ import annotations

from google.protobuf import json_format

from ingest.protocol import otlp
from tests.ingest.otlp.helpers import PY_TRACE, error_log, logs_request, server_span, traces_request

NOW = "2026-01-01T00:00:00+00:00"


def _events(signal, request):
    return otlp.events_from_request(signal, request, project_id=7, received_at=NOW)


def test_error_log_with_python_trace_becomes_event_with_frames():
    out = _events("logs", logs_request(error_log(**{"order.id": "17", "http.request.id": "req-1"})))
    [event] = out.events
    assert event["source"] == "otlp:logs" and event["level"] == "error"
    assert (event["service"], event["release"], event["environment"]) == ("checkout", "1.4.2", "prod")
    assert event["trace_id"] == "5b8efff798038103d269b633813fc60c" and event["span_id"] == "eee19b7ec3c1b174"
    assert event["message"] == "checkout failed" and event["logger"] == "shop.orders"
    exc = event["exception"][-1]
    assert (exc["type"], exc["value"]) == ("ValueError", "no price for sku 42")
    assert [f["function"] for f in exc["stacktrace"]["frames"]] == ["checkout", "price"]
    assert event["tags"]["order.id"] == "17" and event["request_id"] == "req-1"
    assert event["platform"] == "python" and len(event["event_id"]) == 32


def test_info_log_is_counted_not_an_event_and_exception_attrs_make_one():
    info = error_log("all good", severity=9, trace=None)
    warn_with_exc = error_log("handled", severity=13, trace="not a trace at all")
    out = _events("logs", logs_request(info, warn_with_exc))
    assert out.counted == {"otlp_log": 1}
    [event] = out.events
    assert event["level"] == "warning"
    assert event["exception"] == [
        {"type": "ValueError", "value": "no price for sku 42", "mechanism": {"type": "otlp", "handled": None}}
    ]


def test_same_record_twice_has_the_same_event_id():
    record = error_log()
    first = _events("logs", logs_request(record)).events[0]["event_id"]
    assert _events("logs", logs_request(record)).events[0]["event_id"] == first


def test_span_exception_event_and_server_5xx():
    request = traces_request(
        server_span(500, exception=True), server_span(503, span_id=b"\x01" * 8), server_span(200, span_id=b"\x02" * 8)
    )
    out = _events("traces", request)
    exc_event, http_event = out.events
    assert exc_event["transaction"] == "GET /orders/{id}" and exc_event["exception"][-1]["type"] == "ValueError"
    assert exc_event["exception"][-1]["mechanism"]["handled"] is False
    assert exc_event["tags"]["http.route"] == "/orders/{id}" and exc_event["tags"]["http.status_code"] == "500"
    assert http_event["fingerprint"] == ["http-5xx", "checkout", "GET", "/orders/{id}", "503"]
    assert http_event["message"] == "503 GET /orders/{id}" and http_event["source"] == "otlp:traces"
    assert out.counted == {"otlp_span": 1}


def test_json_encoding_with_hex_ids_decodes_to_the_same_request():
    request = logs_request(error_log())
    body = json_format.MessageToDict(request)
    # OTLP/JSON writes ids as hex, not protobuf-JSON's base64
    record = body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    record["traceId"], record["spanId"] = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
    import orjson

    decoded = otlp.decode_request("logs", orjson.dumps(body), "application/json")
    assert decoded == request


def test_over_limit_attribute_rejected_up_front_and_skipped():
    huge = error_log(**{"payload": "x" * (otlp.MAX_ATTRIBUTE_CHARS + 1)})
    request = logs_request(huge, error_log("fine"))
    rejected, message = otlp.rejected_up_front("logs", request)
    assert rejected == 1 and "payload" in message
    out = _events("logs", request)
    assert len(out.events) == 1 and out.counted == {"otlp_logs_rejected": 1}


def test_response_partial_success_in_both_encodings():
    body, media = otlp.encode_response("traces", "application/json", 2, "too big")
    assert media == "application/json" and b'"rejectedSpans": "2"' in body
    body, media = otlp.encode_response("logs", "application/x-protobuf; charset=x", 0, "")
    assert media == "application/x-protobuf" and body == b""


def test_parse_trace_used_for_other_runtimes():
    java = (
        "java.lang.IllegalStateException: boom\n\tat com.shop.Orders.pay(Orders.java:10)\n"
        "\tat com.shop.Main.main(Main.java:3)"
    )
    event = _events("logs", logs_request(error_log(trace=java))).events[0]
    assert event["exception"][-1]["type"] == "java.lang.IllegalStateException"
    assert event["exception"][-1]["stacktrace"]["frames"][-1]["function"]
    assert PY_TRACE  # the default fixture is Python's
