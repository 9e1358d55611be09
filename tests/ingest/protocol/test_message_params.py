"""Issue #19: logentry params of every style fill the message (and so the title)."""

from __future__ import annotations

import pytest

from ingest.protocol.titles import event_title
from tests.ingest.protocol.sdk_payloads import normalized


@pytest.mark.parametrize(
    ("logentry", "formatted"),
    [
        ({"message": "Here is a new {foo}", "params": {"foo": "error"}}, "Here is a new error"),
        ({"message": "Here is a new %(foo)s", "params": {"foo": "error"}}, "Here is a new error"),
        ({"message": "Order %s failed after %d tries", "params": ["o-42", 3]}, "Order o-42 failed after 3 tries"),
        ({"message": "Order {} failed after {} tries", "params": ["o-42", 3]}, "Order o-42 failed after 3 tries"),
        (
            {"message": "Order {0} failed, {1} left, order {0}", "params": ["o-42", 3]},
            "Order o-42 failed, 3 left, order o-42",
        ),
        ({"message": "Missing {bar} stays", "params": {"foo": "x"}}, "Missing {bar} stays"),
    ],
)
def test_both_param_styles_are_formatted(logentry, formatted):
    event = normalized("unity_csharp.json", exception=None, message=None, logentry=logentry)
    assert event["message"] == formatted
    assert event["message_template"] == logentry["message"]
    assert event_title(event) == formatted


def test_legacy_message_with_params_beside_it():
    event = normalized("unity_csharp.json", exception=None, message="Here is a new {foo}", params={"foo": "error"})
    assert event["message"] == "Here is a new error"


def test_a_named_secret_never_reaches_the_message():
    event = normalized(
        "unity_csharp.json",
        exception=None,
        message=None,
        logentry={"message": "login {user} with {password}", "params": {"user": "ada", "password": "s3cret"}},
    )
    assert "s3cret" not in event["message"] and event["message"].startswith("login ada with ")
