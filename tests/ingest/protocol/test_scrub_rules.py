"""ingest.protocol.scrub: Sentry's default rule set, each rule switchable, applied to every
place of the event that a title, culprit, hash or search text is made from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.protocol.grouping import compute_grouping
from ingest.protocol.normalize import event_culprit, event_title, normalize_sentry_event
from ingest.protocol.scrub import DEFAULT_RULES, FILTERED, RULES, ScrubConfig, scrub_event, scrub_text

NOW = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
PEM = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yPJdBqXKT6aaGCq\n-----END EC PRIVATE KEY-----"


def normalized(payload: dict[str, Any]) -> dict[str, Any]:
    return normalize_sentry_event(payload, project_id=1, event_id="b" * 32, received_at=NOW)  # type: ignore[return-value]


def scrubbed(payload: dict[str, Any], config: ScrubConfig | None = None) -> dict[str, Any]:
    return scrub_event(normalized(payload), config or ScrubConfig())  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ssn 078-05-1120 on file", f"ssn {FILTERED} on file"),
        ("iban DE89 3704 0044 0532 0130 00 paid", f"iban {FILTERED} paid"),
        ("iban GB82WEST12345698765432.", f"iban {FILTERED}."),
        ("imei 490154203237518 lost", f"imei {FILTERED} lost"),
        ("imei 49-015420-323751-8 lost", f"imei {FILTERED} lost"),
        ("mac 00:1A:2B:3C:4D:5E up", f"mac {FILTERED} up"),
        ("mac 00-1a-2b-3c-4d-5e up", f"mac {FILTERED} up"),
        ("amex 3782 822463 10005 ok", f"amex {FILTERED} ok"),
        (f"key {PEM} loaded", f"key -----BEGIN EC PRIVATE KEY-----{FILTERED}-----END EC PRIVATE KEY----- loaded"),
        ("dsn postgres://app:pw-1@db:5432/x", f"dsn postgres://{FILTERED}@db:5432/x"),
        ("mysql_pwd=s3cret privatekey: abc", f"mysql_pwd={FILTERED} privatekey: {FILTERED}"),
    ],
)
def test_default_rules_in_text(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ssn 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000",  # never issued
        "iban DE89 3704 0044 0532 0130 01",  # checksum off by one
        "imei 490154203237519",  # Luhn fails
        "uuid 1b4e28ba-2fa1-11d2-883f-0016d3cca427 and at 12:30:45:10",
        "build 2026-11-01 10:00:00.123456 in 1714557600123 ms on port 8080, HTTP 503, v1.2.3",
        "phone +1 415-555-0132, order 2024-000123, sha 3f786850e387550fdab836ed7e6dc881de23001b",
        "if password == other: return",  # code comparing, not a secret
    ],
)
def test_look_alikes_kept(text):
    assert scrub_text(text) == text


def test_email_only_when_switched_on():
    text = "mail ada@example.com failed"
    assert scrub_text(text) == text
    assert scrub_text(text, ScrubConfig(rules=DEFAULT_RULES + ("email",))) == f"mail {FILTERED} failed"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_switches_off_alone(rule):
    samples = {
        "password": "password=hunter2",
        "creditcard": "4111 1111 1111 1111",
        "usssn": "078-05-1120",
        "iban": "DE89370400440532013000",
        "bearer": "Bearer abc.def.ghi",
        "pemkey": PEM,
        "urlauth": "https://ada:pw@x.example/",
        "imei": "490154203237518",
        "mac": "00:1a:2b:3c:4d:5e",
        "email": "ada@example.com",
    }
    text = f"value {samples[rule]} end"
    everything = ScrubConfig(rules=frozenset(DEFAULT_RULES) | {rule})
    without = ScrubConfig(rules=frozenset(DEFAULT_RULES) - {rule})
    assert scrub_text(text, everything) != text
    assert scrub_text(text, without) == text


def test_unknown_rule_rejected_when_configured():
    with pytest.raises(ValueError, match="unknown scrub rule 'ssn'"):
        ScrubConfig(rules=frozenset({"ssn"}))


def test_password_rule_off_keeps_keys_and_cookie_headers_but_extra_fields_still_apply():
    config = ScrubConfig(rules=frozenset(DEFAULT_RULES) - {"password"}, extra_fields=("order_ref",))
    event = scrubbed({"extra": {"password": "p", "order_ref": "o"}, "request": {"headers": {"Cookie": "a=b"}}}, config)
    assert event["extra"] == {"password": "p", "order_ref": FILTERED}
    assert event["request"]["headers"] == {"Cookie": "a=b"}


# --------------------------------------------------------------------------- places


CARD, OTHER_CARD = "4111111111111111", "5555 5555 5555 4444"


def card_payload(card: str) -> dict[str, Any]:
    return {
        "transaction": f"/checkout/{card}",
        "fingerprint": ["{{ default }}", card],
        "exception": {
            "values": [
                {
                    "type": f"Declined{card}",
                    "value": f"card {card}",
                    "module": f"m{card}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": f"pay_{card}",
                                "module": "shop",
                                "filename": "shop.py",
                                "lineno": 3,
                                "context_line": f"charge('{card}')",
                            }
                        ]
                    },
                }
            ]
        },
    }


def test_card_everywhere_title_culprit_and_hash_come_from_scrubbed_text():
    first, second = scrubbed(card_payload(CARD)), scrubbed(card_payload(OTHER_CARD))
    assert event_title(first) == f"Declined{FILTERED}: card {FILTERED}"  # type: ignore[arg-type]
    assert event_culprit(first) == f"/checkout/{FILTERED}"  # type: ignore[arg-type]
    assert first["fingerprint"] == ["{{ default }}", FILTERED]
    frame = first["exception"][0]["stacktrace"]["frames"][0]
    assert frame["function"] == f"pay_{FILTERED}" and frame["context_line"] == f"charge('{FILTERED}')"
    assert compute_grouping(first).hash == compute_grouping(second).hash  # type: ignore[arg-type]
    assert first["exception"] == second["exception"]


def test_logentry_param_by_key_formatted_here_or_by_the_sdk():
    params = {"user": "ada", "password": "hunter2"}
    ours = scrubbed({"logentry": {"message": "login %(user)s %(password)s", "params": params}})
    sdk = scrubbed(
        {"logentry": {"message": "login %(user)s %(password)s", "params": params, "formatted": "login ada hunter2"}}
    )
    assert ours["message"] == sdk["message"] == f"login ada {FILTERED}"
    assert ours["message_template"] == "login %(user)s %(password)s"


def test_source_lines_scrubbed_like_any_text():
    frame = {
        "function": "f",
        "context_line": '    password = "hunter2"',
        "pre_context": ["token: 'abc-123'"],
        "post_context": ["x = 1"],
    }
    event = scrubbed({"exception": {"values": [{"type": "E", "stacktrace": {"frames": [frame]}}]}})
    frame = event["exception"][0]["stacktrace"]["frames"][0]
    assert frame["context_line"] == f'    password = "{FILTERED}"'
    assert frame["pre_context"] == [f"token: '{FILTERED}'"] and frame["post_context"] == ["x = 1"]


def test_user_all_but_id():
    event = scrubbed(
        {
            "user": {
                "id": "4111111111111111",
                "username": "ssn 078-05-1120",
                "email": "ada@example.com",
                "ip_address": "192.0.2.1",
            }
        }
    )
    assert event["user"] == {
        "id": "4111111111111111",
        "username": f"ssn {FILTERED}",
        "email": "ada@example.com",
        "ip_address": "192.0.2.1",
    }


def test_hostnames_logger_release_kept():
    payload = {
        "server_name": "db-4111111111111111",
        "logger": "pay.4111111111111111",
        "release": "shop@1.2.3",
        "message": "x",
    }
    event = scrubbed(payload)
    assert (event["server_name"], event["logger"], event["release"]) == (
        "db-4111111111111111",
        "pay.4111111111111111",
        "shop@1.2.3",
    )
