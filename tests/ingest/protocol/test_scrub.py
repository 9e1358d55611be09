"""scrub_event: each category of secret a user must never find stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.protocol.normalize import normalize_sentry_event
from ingest.protocol.scrub import FILTERED, ScrubConfig, scrub_event, scrub_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sentry" / "python"
NOW = datetime(2024, 5, 1, 10, 0, 1, tzinfo=UTC)
VALID_CARD = "4111 1111 1111 1111"  # Visa test number, Luhn-valid
INVALID_CARD = "4111 1111 1111 1112"  # one digit off: fails Luhn


def event_from(payload: dict[str, Any], config: ScrubConfig | None = None) -> dict[str, Any]:
    event = normalize_sentry_event(payload, project_id=1, event_id="a" * 32, received_at=NOW)
    return scrub_event(event, config or ScrubConfig())  # type: ignore[return-value]


def fixture_event(name: str) -> dict[str, Any]:
    data = (FIXTURES / name).read_bytes()
    payload = json.loads(data.split(b"\n")[2]) if name.endswith(".envelope") else json.loads(data)
    event = normalize_sentry_event(payload, project_id=1, event_id="a" * 32, received_at=datetime.now(UTC))
    return scrub_event(event, ScrubConfig())  # type: ignore[return-value]


# --------------------------------------------------------------------------- by key


def test_request_headers():
    event = fixture_event("js_node_handwritten.json")
    headers = event["request"]["headers"]
    assert headers["Authorization"] == FILTERED
    assert headers["Cookie"] == FILTERED
    assert headers["User-Agent"] == "curl/8.5.0"
    assert headers["X-Request-ID"] == "5d1c1a2e-77aa-4c3b-9f00-1b2c3d4e5f60"


@pytest.mark.parametrize("name", ["Set-Cookie", "X-Api-Key", "Proxy-Authorization", "X-CSRFToken", "X-Auth-Token"])
def test_more_sensitive_headers(name):
    event = event_from({"request": {"headers": {name: "value-123", "Accept": "text/html"}}})
    assert event["request"]["headers"] == {name: FILTERED, "Accept": "text/html"}


def test_request_data_dict_and_query_string():
    event = fixture_event("js_node_handwritten.json")
    assert event["request"]["data"]["card_number"] == FILTERED
    assert event["request"]["data"]["cart"] == [1, 2]
    assert event["request"]["query_string"] == f"token={FILTERED}&page=2"


def test_request_form_body_and_url_query():
    event = event_from(
        {"request": {"url": "https://x.example/cb?code=1&access_token=abc&next=/", "data": "user=ada&password=hunter2"}}
    )
    assert event["request"]["url"] == f"https://x.example/cb?code=1&access_token={FILTERED}&next=/"
    assert event["request"]["data"] == f"user=ada&password={FILTERED}"


def test_contexts_extra_tags_breadcrumbs_from_real_sdk():
    event = fixture_event("message_event.envelope")
    assert event["contexts"]["order"] == {"id": 42, "api_key": FILTERED}
    assert event["extra"]["cart_size"] == 3
    assert event["breadcrumbs"][1]["data"]["url"] == f"https://api.example.com/pay?token={FILTERED}"
    assert event["tags"] == {"feature": "checkout", "customer_tier": "gold"}


def test_tags_and_extra_by_key():
    event = event_from({"tags": {"session_id": "s1", "env": "prod"}, "extra": {"nested": {"secretKey": "x", "ok": 1}}})
    assert event["tags"] == {"session_id": FILTERED, "env": "prod"}
    assert event["extra"] == {"nested": {"secretKey": FILTERED, "ok": 1}}


def test_frame_vars():
    frame = {"function": "login", "vars": {"passwd": "x", "user": "ada", "creds": {"api_key": "k"}}}
    event = event_from({"exception": {"type": "E", "stacktrace": {"frames": [frame]}}})
    assert event["exception"][0]["stacktrace"]["frames"][0]["vars"] == {
        "passwd": FILTERED,
        "user": "ada",
        "creds": {"api_key": FILTERED},
    }


def test_author_is_not_auth():
    event = event_from({"extra": {"author": "Ada", "authorization": "x", "oauth_token": "y"}})
    assert event["extra"] == {"author": "Ada", "authorization": FILTERED, "oauth_token": FILTERED}


# --------------------------------------------------------------------------- by value


def test_credit_cards_luhn_checked():
    event = event_from({"message": f"paid with {VALID_CARD}, retry {INVALID_CARD}"})
    assert event["message"] == f"paid with {FILTERED}, retry {INVALID_CARD}"


@pytest.mark.parametrize(
    "card", ["4111111111111111", "4111-1111-1111-1111", "5555555555554444", "378282246310005", "6011111111111117"]
)
def test_card_formats(card):
    assert scrub_text(f"card {card} end") == f"card {FILTERED} end"


@pytest.mark.parametrize(
    "text",
    ["ts 1714557600123", "id 41111111111111112", "order 4111111111111112", "call +49 6221 123456"],
)
def test_not_cards(text):
    assert scrub_text(text) == text


def test_exception_value_from_real_sdk():
    event = fixture_event("chained_exception.envelope")
    cause = event["exception"][0]
    assert cause["value"] == f"gateway refused amount=1999 card={FILTERED} password={FILTERED}"
    charge_vars = cause["stacktrace"]["frames"][-1]["vars"]
    assert charge_vars["password"] == FILTERED and charge_vars["card"] == f"'{FILTERED}'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:pass@db.example.com/x", f"https://{FILTERED}@db.example.com/x"),
        ("git clone https://ghp_abc@github.com/o/r", f"git clone https://{FILTERED}@github.com/o/r"),
        ("Authorization: Bearer eyJ.a.b", f"Authorization: {FILTERED}"),
        ("sent bearer abc.def-ghi to upstream", f"sent bearer {FILTERED} to upstream"),
        ("header was Basic dXNlcjpwYXNz", f"header was Basic {FILTERED}"),
        ('{"password": "hunter2", "user": "ada"}', f'{{"password": "{FILTERED}", "user": "ada"}}'),
        ("login failed: password=hunter2 user=ada", f"login failed: password={FILTERED} user=ada"),
        ("reset pwd: 1234", f"reset pwd: {FILTERED}"),
        ("mailto:ada@example.com", "mailto:ada@example.com"),
        ("basic setup complete", "basic setup complete"),
        ("classname=Foo", "classname=Foo"),
    ],
)
def test_text_rules(text, expected):
    assert scrub_text(text) == expected


def test_messages_and_templates():
    event = event_from({"logentry": {"message": "login password=%s", "params": ["hunter2"]}})
    assert event["message"] == f"login password={FILTERED}"
    assert event["message_template"] == f"login password={FILTERED}"


def test_raw_trace_text():
    event = event_from({"exception": {"type": "E", "stacktrace": f"E: card {VALID_CARD}\n  at x"}})
    assert event["exception"][0]["stacktrace"]["raw"] == f"E: card {FILTERED}\n  at x"


# --------------------------------------------------------------------------- per-project options


def test_extra_fields_and_patterns():
    config = ScrubConfig(extra_fields=["Order-Ref"], extra_patterns=[r"ACME-\d{4}"])
    event = event_from(
        {"extra": {"order_ref": "o-1", "note": "ticket ACME-1234 open"}, "tags": {"x": "ACME-9999"}}, config
    )
    assert event["extra"] == {"order_ref": FILTERED, "note": f"ticket {FILTERED} open"}
    assert event["tags"] == {"x": FILTERED}


@pytest.mark.parametrize("pattern", ["(unclosed", "a*"])
def test_bad_patterns_rejected_when_configured(pattern):
    with pytest.raises(ValueError, match="pattern"):
        ScrubConfig(extra_patterns=[pattern])


def test_ip_addresses_only_when_asked():
    payload = {
        "user": {"id": "1", "ip_address": "203.0.113.9"},
        "request": {"headers": {"X-Forwarded-For": "203.0.113.9, 10.0.0.1", "Host": "x"}},
        "message": "peer 2001:db8::1 and 198.51.100.7 at 12:30:45 (v1.2.3.4)",
    }
    kept = event_from(json.loads(json.dumps(payload)))
    assert kept["user"]["ip_address"] == "203.0.113.9"
    assert kept["message"] == payload["message"]
    scrubbed = event_from(json.loads(json.dumps(payload)), ScrubConfig(scrub_ip=True))
    assert scrubbed["user"] == {"id": "1", "ip_address": None}
    assert scrubbed["request"]["headers"] == {"X-Forwarded-For": FILTERED, "Host": "x"}
    assert scrubbed["message"] == f"peer {FILTERED} and {FILTERED} at 12:30:45 (v1.2.3.4)"


def test_in_place_and_returned():
    event = event_from({})
    assert scrub_event(event, ScrubConfig()) is event  # type: ignore[arg-type]


def test_leaves_actionable_data_alone():
    event = fixture_event("chained_exception.envelope")
    frame = event["exception"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "checkout" and frame["filename"] == "capture.py"
    assert event["release"] == "shop@1.4.2"
