"""normalize_sentry_event on real SDK payloads and on each awkward input shape.

Fixtures live in tests/fixtures/sentry/python/: ``*.envelope`` are captured
from the real Python SDK (see capture.py there); ``*_handwritten.json`` follow
the public protocol docs for SDKs we do not drive here (JS, Java, Go).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from ingest.protocol.event import normalize_level
from ingest.protocol.normalize import (
    DEFAULT,
    NormalizeError,
    NormalizeLimits,
    event_culprit,
    event_title,
    normalize_minimal,
    normalize_sentry_event,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sentry" / "python"
EVENT_ID = "0123456789abcdef0123456789abcdef"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _line(data: bytes, at: int) -> tuple[bytes, int]:
    end = data.find(b"\n", at)
    end = len(data) if end < 0 else end
    return data[at:end], end + 1


def event_items(data: bytes) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(envelope header, event payload) per event item: a minimal reader for fixtures."""
    header_line, at = _line(data, 0)
    header, found = json.loads(header_line), []
    while at < len(data):
        item_line, at = _line(data, at)
        if not item_line.strip():
            continue
        item = json.loads(item_line)
        if "length" in item:
            payload, at = data[at : at + item["length"]], at + item["length"] + 1
        else:
            payload, at = _line(data, at)
        if item.get("type") == "event":
            found.append((header, json.loads(payload)))
    return found


def load_envelope(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    items = event_items((FIXTURES / name).read_bytes())
    assert len(items) == 1
    return items[0]


def received_after(payload: dict[str, Any]) -> datetime:
    """A receive time just after the fixture was sent, so its timestamp is kept."""
    stamp = payload["timestamp"]
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, tz=UTC) + timedelta(seconds=1)
    return datetime.fromisoformat(stamp).astimezone(UTC) + timedelta(seconds=1)


def normalize(payload: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("received_at", NOW)
    return normalize_sentry_event(payload, project_id=7, event_id=EVENT_ID, **kwargs)  # type: ignore[return-value]


def handwritten(name: str) -> dict[str, Any]:
    payload = json.loads((FIXTURES / f"{name}_handwritten.json").read_text())
    return normalize(payload, received_at=received_after(payload))


# --------------------------------------------------------------------------- real Python SDK


@pytest.fixture(scope="module")
def python_chained() -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload = load_envelope("chained_exception.envelope")
    return header, normalize(payload, received_at=received_after(payload), size=1234)


def test_python_chained_exception_oldest_first(python_chained):
    _, event = python_chained
    assert [e["type"] for e in event["exception"]] == ["ConnectionError", "PaymentDeclined"]
    assert event["exception"][-1]["value"] == "payment declined for order 42"
    assert event["exception"][-1]["mechanism"] == {"type": "generic", "handled": True}


def test_python_raising_frames_are_last(python_chained):
    _, event = python_chained
    cause, outer = event["exception"]
    assert cause["stacktrace"]["frames"][-1]["function"] == "charge_card"
    raising = outer["stacktrace"]["frames"][-1]
    assert raising["function"] == "checkout"
    assert raising["filename"] == "capture.py"
    assert raising["abs_path"].endswith("tests/fixtures/sentry/python/capture.py")
    assert raising["in_app"] is True
    assert raising["lineno"] > 0
    assert "PaymentDeclined" in raising["context_line"]


def test_python_event_attributes(python_chained):
    header, event = python_chained
    assert event["event_id"] == EVENT_ID and event["project_id"] == 7
    assert event["platform"] == "python" and event["level"] == "error"
    assert event["release"] == "shop@1.4.2" and event["environment"] == "production"
    assert event["server_name"] == "web-1"
    assert event["request_id"] == "req-7f3a"  # from the request_id tag
    assert event["trace_id"] == header["trace"]["trace_id"]
    assert event["source"].startswith("sdk:sentry.python") and event["source"].endswith("/2.75.0")
    assert event["timestamp"].startswith("20") and event["timestamp"].endswith("Z")
    assert event["size"] == 1234
    assert "_meta" not in event  # nothing was trimmed
    assert event["modules"]["sentry-sdk"] == "2.75.0"  # issue #19: modules are kept (were dropped)
    orjson.dumps(event)  # storable as is


def test_python_title_and_culprit(python_chained):
    _, event = python_chained
    assert event_title(event) == "PaymentDeclined: payment declined for order 42"
    assert event_culprit(event) == "__main__ in checkout"


def test_python_message_event():
    _, payload = load_envelope("message_event.envelope")
    event = normalize(payload, received_at=received_after(payload))
    assert event["message"] == "Payment retry limit reached for order 42"
    assert event["level"] == "warning"
    assert event["exception"] == []
    assert event["tags"] == {"feature": "checkout", "customer_tier": "gold"}
    assert event["user"] == {"id": "u-123", "email": "ada@example.com"}
    assert [c["category"] for c in event["breadcrumbs"]] == ["auth", "http"]
    assert event["breadcrumbs"][1]["data"]["method"] == "POST"
    assert event["release"] == "shop@1.4.2" and event["environment"] == "production"
    assert event["contexts"]["order"]["id"] == 42
    assert event["extra"]["cart_size"] == 3
    assert event_title(event) == "Payment retry limit reached for order 42"
    assert event_culprit(event) == ""


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.envelope")), ids=lambda p: p.name)
def test_every_captured_envelope_normalises(path):
    for _, payload in event_items(path.read_bytes()):
        event = normalize(payload, received_at=received_after(payload))
        assert event_title(event) != "<unlabeled event>"
        orjson.dumps(event)


# --------------------------------------------------------------------------- other SDKs (hand-written)


def test_js_node_error():
    event = handwritten("js_node")
    assert [e["type"] for e in event["exception"]] == ["Error", "TypeError"]
    mechanism = event["exception"][-1]["mechanism"]
    assert {k: mechanism[k] for k in ("type", "handled")} == {"type": "onunhandledrejection", "handled": False}
    raising = event["exception"][-1]["stacktrace"]["frames"][-1]
    assert raising["function"] == "Layer.handle [as handle_request]" and raising["in_app"] is False
    assert event_title(event) == "TypeError: Cannot read properties of undefined (reading 'total')"
    assert event_culprit(event) == "POST /api/checkout"  # the transaction wins
    assert event["source"] == "sdk:sentry.javascript.node/8.34.0"
    assert event["timestamp"] == "2024-05-01T10:00:00.250000Z"


def test_js_node_request_user_tags_trace():
    event = handwritten("js_node")
    request = event["request"]
    assert request["method"] == "POST" and request["status_code"] == 500
    assert request["query_string"] == "token=abc123&page=2"
    assert request["headers"]["User-Agent"] == "curl/8.5.0"
    assert event["request_id"] == "5d1c1a2e-77aa-4c3b-9f00-1b2c3d4e5f60"
    assert event["user"] == {"id": "981", "email": "bob@example.com"}  # {{auto}} is not an IP
    assert event["tags"] == {"region": "eu-west-1", "retry": "2", "beta": "true"}
    assert event["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert event["span_id"] == "b7ad6b7169203331"
    assert [c["level"] for c in event["breadcrumbs"]] == ["info", "info"]  # "log" -> info


def test_js_message_exception_without_type():
    event = handwritten("js_message_no_type")
    assert event["exception"][0]["type"] is None
    assert event_title(event) == "Checkout button clicked twice"
    # issue #19: Sentry's JavaScript form, function(location)
    assert event_culprit(event) == "onClick(https://shop.example.com/static/app.3f2a.js)"
    assert event["breadcrumbs"][0]["category"] == "ui.click"


def test_java_exceptions_take_stack_from_their_thread():
    event = handwritten("java_thread_stacktrace")
    outer = event["exception"][-1]
    frames = outer["stacktrace"]["frames"]
    assert [f["function"] for f in frames] == ["run", "checkout", "charge", "execute"]
    assert event_culprit(event) == "com.shop.payments.PaymentService in charge"
    assert event_title(event) == "PaymentException: could not charge order-42"
    assert event["level"] == "fatal"


def test_java_logentry_and_tag_pairs():
    event = handwritten("java_thread_stacktrace")
    assert event["message"] == "Payment order-42 failed after 3 attempts"
    assert event["message_template"] == "Payment %s failed after %d attempts"
    assert event["tags"] == {"thread": "http-nio-8080-exec-3", "request_id": "r-991"}
    assert event["request_id"] == "r-991"
    assert event["timestamp"] == "2024-05-01T10:00:00.123000Z"  # +02:00 converted to UTC


def test_go_crashed_thread_fallback_and_nanosecond_timestamp():
    event = handwritten("go_crashed_thread")
    frames = event["exception"][0]["stacktrace"]["frames"]
    assert frames[-1]["module"] == "encoding/json"
    assert event_culprit(event) == "github.com/acme/app/queue in (*Worker).Handle"
    assert event["level"] == "fatal"  # "critical"
    assert event["timestamp"] == "2024-05-01T08:30:00.123456Z"
    assert event["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert event["fingerprint"] == ["queue-too-large", "{{ default }}"]


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    "exception",
    [
        {"values": [{"type": "KeyError", "value": "'x'"}]},
        [{"type": "KeyError", "value": "'x'"}],
        {"type": "KeyError", "value": "'x'"},
    ],
    ids=["values", "bare-list", "single-object"],
)
def test_exception_shapes(exception):
    event = normalize({"exception": exception})
    assert [(e["type"], e["value"]) for e in event["exception"]] == [("KeyError", "'x'")]


def test_empty_and_junk_exception_entries_are_dropped():
    event = normalize({"exception": {"values": [{}, "x", 3, {"type": "E"}, {"mechanism": {"type": "x"}}]}})
    assert [e["type"] for e in event["exception"]] == ["E"]


@pytest.mark.parametrize(
    ("payload", "message", "template"),
    [
        ({"message": "plain"}, "plain", None),
        ({"message": {"formatted": "done 3", "message": "done %s", "params": [3]}}, "done 3", "done %s"),
        ({"logentry": {"message": "user %(id)s", "params": {"id": 5}}}, "user 5", "user %(id)s"),
        ({"logentry": {"message": "order {} of {}", "params": ["a", 2]}}, "order a of 2", "order {} of {}"),
        ({"logentry": {"message": "%999999999d", "params": [1]}}, "%999999999d", "%999999999d"),
        ({"logentry": {"message": "bad %s %s", "params": [1]}}, "bad %s %s", "bad %s %s"),
        ({"logentry": {"formatted": "f"}, "message": "ignored"}, "f", None),
        ({"message": 42}, "42", None),
        ({"message": ["x"]}, None, None),
    ],
)
def test_message_forms(payload, message, template):
    event = normalize(payload)
    assert (event["message"], event["message_template"]) == (message, template)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1714557600.5, "2024-05-01T10:00:00.500000Z"),
        (1714557600500, "2024-05-01T10:00:00.500000Z"),  # milliseconds
        ("1714557600", "2024-05-01T10:00:00.000000Z"),
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000000Z"),
        ("2024-05-01T10:00:00", "2024-05-01T10:00:00.000000Z"),  # naive = UTC
        ("yesterday", "2024-05-01T12:00:00.000000Z"),
        (None, "2024-05-01T12:00:00.000000Z"),
        (1e300, "2024-05-01T12:00:00.000000Z"),
        ("2030-01-01T00:00:00Z", "2024-05-01T12:00:00.000000Z"),  # future clock
        ("2020-01-01T00:00:00Z", "2024-05-01T12:00:00.000000Z"),  # beyond 30 days
    ],
)
def test_timestamps(value, expected):
    assert normalize({"timestamp": value})["timestamp"] == expected


@pytest.mark.parametrize(
    ("raw", "level"),
    [("warn", "warning"), ("WARNING", "warning"), ("critical", "fatal"), ("info", "info"),
     ("debug", "debug"), ("bogus", "error"), (None, "error"), (3, "error")],
)  # fmt: skip
def test_levels(raw, level):
    assert normalize({"level": raw})["level"] == level
    assert normalize_level(raw, "error") == level  # an SDK event's unreadable level is an error


def test_tags_are_stringified_and_trimmed():
    event = normalize({"tags": {"k" * 300: "v" * 300, "n": 1.5, "none": None, "obj": {"a": 1}, " sp ": " x "}})
    tags = event["tags"]
    assert {len(k) for k in tags} >= {200}
    assert len(tags["k" * 199 + "…"]) == 200
    assert tags["n"] == "1.5" and tags["sp"] == "x"
    assert "none" not in tags and "obj" not in tags


def test_request_headers_as_pairs_and_request_id_header():
    event = normalize({"request": {"headers": [["x-request-id", "abc"], ["Accept", "*/*"], ["bad"]]}})
    assert event["request"]["headers"] == {"x-request-id": "abc", "Accept": "*/*"}
    assert event["request_id"] == "abc"


def test_query_string_as_dict():
    event = normalize({"request": {"url": "https://x/y", "query_string": {"a": "1", "b": 2}}})
    assert event["request"]["query_string"] == "a=1&b=2"


def test_frames_trimmed_head_and_tail():
    frames = [{"function": f"f{i}", "lineno": i} for i in range(1000)]
    stack = normalize({"exception": {"type": "RecursionError", "stacktrace": {"frames": frames}}})["exception"][0][
        "stacktrace"
    ]
    names = [f["function"] for f in stack["frames"]]
    assert len(names) == DEFAULT.max_frames
    assert names[:2] == ["f0", "f1"] and names[99] == "f99"
    assert names[100] == "f850" and names[-1] == "f999"  # the raising frame survives
    assert stack["frames_omitted"] == 750


def test_frames_limit_configurable():
    limits = NormalizeLimits(max_frames=4, frames_head=1)
    frames = [{"function": f"f{i}"} for i in range(10)]
    event = normalize({"exception": {"type": "E", "stacktrace": {"frames": frames}}}, limits=limits)
    assert [f["function"] for f in event["exception"][0]["stacktrace"]["frames"]] == ["f0", "f7", "f8", "f9"]


def test_string_limits():
    event = normalize(
        {
            "message": "m" * 10000,
            "exception": {"type": "E", "value": "v" * 10000, "stacktrace": {"frames": [{"context_line": "c" * 5000}]}},
            "release": "r" * 5000,
        }
    )
    assert len(event["message"]) == 8192 and event["message"].endswith("…")
    assert len(event["exception"][0]["value"]) == 4096
    assert len(event["exception"][0]["stacktrace"]["frames"][0]["context_line"]) == 1024
    assert len(event["release"]) == 1024


def test_breadcrumbs_keep_the_last_hundred():
    crumbs = [{"message": str(i)} for i in range(150)]
    event = normalize({"breadcrumbs": {"values": crumbs}})
    assert [c["message"] for c in event["breadcrumbs"]] == [str(i) for i in range(50, 150)]


def test_depth_limit_in_extra_and_contexts():
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(12):
        deep = {"d": deep}
    event = normalize({"extra": {"x": deep}, "contexts": {"c": deep}})
    node: Any = event["extra"]
    depth = 0
    while isinstance(node, dict):
        node = next(iter(node.values()))
        depth += 1
    assert node == "[depth limit]" and depth == DEFAULT.max_depth


def test_unstorable_strings_are_cleaned():
    event = normalize({"message": "nul\x00here \ud800", "tags": {"t": "a\x00"}})
    assert "\x00" not in event["message"] and "\x00" not in event["tags"]["t"]
    orjson.dumps(event)


def test_sdk_client_used_when_payload_has_no_sdk():
    assert normalize({}, sdk_client="sentry.ruby/5.17.0")["source"] == "sdk:sentry.ruby/5.17.0"
    assert normalize({})["source"] == "sdk:unknown"


def test_in_app_kept_only_when_given():
    frames = [{"function": "a", "in_app": True}, {"function": "b"}, {"function": "c", "in_app": "yes"}]
    event = normalize({"exception": {"type": "E", "stacktrace": {"frames": frames}}})
    assert [f["in_app"] for f in event["exception"][0]["stacktrace"]["frames"]] == [True, None, None]


@pytest.mark.parametrize("given", ["", None, 42, "not-hex", "A" * 32])
def test_bad_event_ids_are_replaced(given):
    event = normalize_sentry_event({}, project_id=1, event_id=given, received_at=NOW)  # type: ignore[arg-type]
    assert len(event["event_id"]) == 32 and set(event["event_id"]) <= set("0123456789abcdef")
    if given == "A" * 32:
        assert event["event_id"] == "a" * 32


def test_uuid_event_id_is_compacted():
    event = normalize_sentry_event({}, project_id=1, event_id="5D1C1A2E-77AA-4C3B-9F00-1B2C3D4E5F60", received_at=NOW)
    assert event["event_id"] == "5d1c1a2e77aa4c3b9f001b2c3d4e5f60"


def test_not_an_object_is_a_normalize_error():
    with pytest.raises(NormalizeError):
        normalize_sentry_event([1], project_id=1, event_id=EVENT_ID, received_at=NOW)  # type: ignore[arg-type]


def test_title_and_culprit_fallbacks():
    assert event_title(normalize({})) == "<unlabeled event>"
    assert event_title(normalize({"exception": {"type": "E"}})) == "E"
    assert event_title(normalize({"message": "first\nsecond"})) == "first"
    frames = [{"filename": "lib.py", "function": "outer", "in_app": False}]
    assert event_culprit(normalize({"exception": {"type": "E", "stacktrace": {"frames": frames}}})) == "lib.py in outer"


# --------------------------------------------------------------------------- minimal (no SDK)


def test_minimal_message():
    event = normalize_minimal(
        {"message": "disk full", "level": "warn"}, project_id=1, event_id=EVENT_ID, received_at=NOW
    )
    assert (event["message"], event["level"], event["source"]) == ("disk full", "warning", "api:minimal")
    assert event["timestamp"] == "2024-05-01T12:00:00.000000Z"


def test_minimal_plain_text_trace_kept_raw():
    trace = 'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\nValueError: bad'
    payload = {"exception": {"type": "ValueError", "value": "bad", "stacktrace": trace}}
    event = normalize_minimal(payload, project_id=1, event_id=EVENT_ID, received_at=NOW)
    assert event["exception"][0]["stacktrace"] == {"frames": [], "raw": trace}
    assert event_title(event) == "ValueError: bad"


def test_minimal_top_level_trace_text():
    payload = {"message": "job crashed", "stacktrace": "java.lang.IllegalStateException: x\n\tat A.b(A.java:1)"}
    event = normalize_minimal(payload, project_id=1, event_id=EVENT_ID, received_at=NOW)
    assert event["exception"][0]["stacktrace"]["raw"].startswith("java.lang.IllegalStateException")
    assert event["message"] == "job crashed"
