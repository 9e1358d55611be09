"""ingest.protocol.scrub_raw: attachments and dead-letter payloads, scrubbed where readable,
binary kept, and a scrubbed envelope still parses (replayable)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from ingest.protocol.envelope import parse_envelope, serialize_envelope
from ingest.protocol.scrub import FILTERED, ScrubConfig
from ingest.protocol.scrub_raw import is_text_attachment, scrub_attachment, scrub_payload

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sentry" / "python"
CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize(
    ("filename", "content_type", "text"),
    [
        ("a.bin", "text/plain; charset=utf-8", True),
        ("a", "application/json", True),
        ("a", "application/vnd.api+json", True),
        ("app.log", "", True),
        ("app.log", "application/octet-stream", True),
        ("crash.dmp", "application/x-dmp", False),
        ("a.png", "image/png", False),
        ("core", "", False),
    ],
)
def test_what_counts_as_text(filename, content_type, text):
    assert is_text_attachment(filename, content_type) is text


def test_text_attachment_and_its_name():
    name, data = scrub_attachment(f"card-{CARD}.txt", "text/plain", f"password=hunter2 card {CARD}\n".encode())
    assert name == f"card-{FILTERED}.txt"
    assert data == f"password={FILTERED} card {FILTERED}\n".encode()


def test_json_attachment_by_key_and_pattern():
    body = json.dumps({"user": "ada", "api_key": "k-1", "notes": ["ssn 078-05-1120"]}).encode()
    _, data = scrub_attachment("state.json", "application/json", body)
    assert json.loads(data) == {"user": "ada", "api_key": FILTERED, "notes": [f"ssn {FILTERED}"]}


def test_binary_and_undecodable_kept_byte_for_byte():
    minidump = b"MDMP\x93\xa7" + CARD.encode() + b"\xff\xfe"
    assert scrub_attachment("crash.dmp", "application/x-dmp", minidump)[1] == minidump
    assert scrub_attachment("odd.txt", "text/plain", minidump)[1] == minidump  # claims text, is not UTF-8


def _payload(kind: str, data: bytes, *, b64: bool = False) -> dict:
    text = base64.b64encode(data).decode() if b64 else data.decode()
    return {"v": 1, "kind": kind, "project_id": 3, "data": text, "b64": b64, "received_at": 1.0}


def test_envelope_payload_rebuilt_and_still_parses():
    event = {"event_id": "c" * 32, "message": f"paid {CARD}", "extra": {"password": "hunter2"}}
    data = serialize_envelope(
        {"event_id": "c" * 32, "dsn": "https://k@x/3"},
        [
            ({"type": "event"}, event),
            ({"type": "attachment", "filename": "notes.txt", "content_type": "text/plain"}, b"token=abc-123"),
            ({"type": "attachment", "filename": "crash.dmp", "attachment_type": "event.minidump"}, b"MDMP\x00\x01"),
        ],
    )
    out = scrub_payload(_payload("envelope", data))
    raw = out["data"].encode()
    envelope = parse_envelope(raw)
    assert envelope.headers == {"event_id": "c" * 32, "dsn": "https://k@x/3"}
    body = json.loads(envelope.items[0].payload)
    assert body["message"] == f"paid {FILTERED}" and body["extra"] == {"password": FILTERED}
    assert envelope.items[1].payload == f"token={FILTERED}".encode()
    assert envelope.items[2].payload == b"MDMP\x00\x01"
    assert {k: v for k, v in out.items() if k != "data"} == {
        "v": 1,
        "kind": "envelope",
        "project_id": 3,
        "b64": False,
        "received_at": 1.0,
    }


def test_real_sdk_envelope_keeps_its_items():
    data = (FIXTURES / "chained_exception.envelope").read_bytes()
    out = scrub_payload(_payload("envelope", data))
    before, after = parse_envelope(data), parse_envelope(out["data"].encode())
    assert [i.type for i in after.items] == [i.type for i in before.items]
    assert b"hunter2" in data and "hunter2" not in out["data"]


def test_base64_payload_stays_base64():
    data = b"ERROR login password=hunter2 \xff\xfe\n"
    out = scrub_payload(_payload("logs", data, b64=True))
    assert out["b64"] is True and base64.b64decode(out["data"]) == data  # not UTF-8: nothing readable


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("logs", f"ERROR card={CARD} password=hunter2\n", f"ERROR card={FILTERED} password={FILTERED}\n"),
        (
            "store",
            json.dumps({"message": "x", "extra": {"secret": "s"}}),
            json.dumps({"message": "x", "extra": {"secret": FILTERED}}, separators=(",", ":")),
        ),
        ("otlp", '{"resourceLogs": [{"token": "t"}]}', '{"resourceLogs":[{"token":"[Filtered]"}]}'),
    ],
)
def test_other_kinds(kind, data, expected):
    assert scrub_payload(_payload(kind, data.encode()))["data"] == expected


def test_other_shapes_untouched():
    document = {"project_id": 1, "issue_id": 2, "document": {"message": "password=x"}}
    assert scrub_payload(document) is document


def test_project_config_applies():
    out = scrub_payload(_payload("logs", b"order ORD-123456 ok"), ScrubConfig(extra_patterns=(r"ORD-\d{6}",)))
    assert out["data"] == f"order {FILTERED} ok"
