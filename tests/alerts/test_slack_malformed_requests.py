"""Bad Slack input is a 4xx naming what was wrong (or Slack's own error answer for a modal), never
a 500: malformed signature headers, payloads of the wrong shape — all correctly signed, so they
reach past the signature check — and a snooze of 99,999,999,999 hours."""

from __future__ import annotations

import json
import time

import pytest

from errorhub.issues.models import Issue
from tests.alerts.conftest import make_event, record
from tests.alerts.slack_requests import command, interaction, signed_post, snooze_submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


@pytest.fixture
def issue(world) -> Issue:
    return Issue.objects.get(pk=next(iter(record(world.project, make_event()).changes)))


@pytest.mark.parametrize("stamp", ["soon", "", "1.5e9", "-5", "١٧٠٠٠٠٠٠٠٠", "9" * 40])
def test_malformed_timestamp_is_401_before_anything_else(client, slack, stamp):
    body = "payload=" + json.dumps({"type": "block_actions", "user": {"id": "U0OLIVIA"}, "actions": []})
    response = signed_post(client, "/slack/interactions/", body, stamp=stamp)
    assert response.status_code == 401 and b"signature" in response.content
    assert command(client, "U0OLIVIA", "inbox", stamp=stamp).status_code == 401


def test_non_ascii_signature_is_401(client, slack):
    response = client.post(
        "/slack/commands/",
        data="text=inbox",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=str(int(time.time())),
        HTTP_X_SLACK_SIGNATURE="v0=é",
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ("{not json", "payload is not JSON"),
        ("", "payload is not JSON"),
        ("[1, 2]", "payload must be a JSON object"),
        ('"block_actions"', "payload must be a JSON object"),
        ("1" * 5000, "payload is not JSON"),
        ({"type": "block_actions", "actions": []}, "payload.user"),
        ({"type": "block_actions", "user": "U0OLIVIA", "actions": []}, "payload.user"),
        ({"type": "block_actions", "user": {"id": 7}, "actions": []}, "payload.user.id"),
        ({"type": "block_actions", "user": {"id": "U0OLIVIA"}, "actions": "issue_ack"}, "payload.actions"),
        ({"type": "block_actions", "user": {"id": "U0OLIVIA"}, "actions": ["issue_ack"]}, "actions[0]"),
        (
            {"type": "block_actions", "user": {"id": "U0OLIVIA"}, "actions": [{"action_id": "issue_ack", "value": 5}]},
            "actions[0].value",
        ),
        (
            {"type": "block_actions", "user": {"id": "U0OLIVIA"}, "actions": [{"action_id": ["x"]}]},
            "actions[0].action_id",
        ),
        ({"type": ["block_actions"], "user": {"id": "U0OLIVIA"}}, "payload.type"),
        ({"type": "view_submission", "user": {"id": "U0OLIVIA"}, "view": "issue_snooze"}, "payload.view"),
        (
            {
                "type": "view_submission",
                "user": {"id": "U0OLIVIA"},
                "view": {"callback_id": "issue_snooze", "state": []},
            },
            "view.state",
        ),
        (
            {
                "type": "view_submission",
                "user": {"id": "U0OLIVIA"},
                "view": {"callback_id": "issue_snooze", "state": {"values": "x"}},
            },
            "view.state.values",
        ),
        (
            {
                "type": "view_submission",
                "user": {"id": "U0OLIVIA"},
                "view": {"callback_id": "issue_snooze", "state": {"values": {"hours": ["4"]}}},
            },
            "view.state.values.hours",
        ),
        (
            {
                "type": "view_submission",
                "user": {"id": "U0OLIVIA"},
                "view": {"callback_id": "issue_snooze", "state": {"values": {"hours": {"value": "4"}}}},
            },
            "view.state.values.hours.value",
        ),
        (
            {
                "type": "view_submission",
                "user": {"id": "U0OLIVIA"},
                "view": {"callback_id": "issue_snooze", "state": {"values": {"hours": {"value": {"value": 4}}}}},
            },
            "view.state.values.hours.value.value",
        ),
        (
            {
                "type": "view_submission",
                "user": {"id": "U0OLIVIA"},
                "view": {"callback_id": "issue_snooze", "private_metadata": 12},
            },
            "private_metadata",
        ),
    ],
)
def test_malformed_payload_is_400_naming_the_field(client, slack, issue, payload, named):
    response = interaction(client, payload)
    assert response.status_code == 400 and named in response.content.decode()
    issue.refresh_from_db()
    assert issue.lifecycle == "new"


def test_huge_or_odd_snooze_hours_are_a_modal_error_not_a_500(client, slack, issue):
    for hours in ("99999999999", "9" * 400, "0", "-3", "2.5", "١٢", " ", "8761"):
        response = snooze_submission(client, "U0OLIVIA", str(issue.pk), "deploy tonight", hours)
        assert response.status_code == 200, hours
        assert "whole number of hours from 1 to 8760" in response.json()["errors"]["hours"], hours
    issue.refresh_from_db()
    assert issue.lifecycle == "new"
    assert snooze_submission(client, "U0OLIVIA", str(issue.pk), "deploy tonight", "8760").status_code == 200
    issue.refresh_from_db()
    assert issue.lifecycle == "snoozed"


def test_odd_issue_references_are_an_explanation(client, slack, issue):
    for ref in ("9" * 40, "SHOP-" + "9" * 40, "", "SHOP-1-2", "²"):
        answer = interaction(
            client,
            {
                "type": "block_actions",
                "user": {"id": "U0OLIVIA"},
                "trigger_id": ref,
                "actions": [{"action_id": "issue_resolve", "value": ref}],
            },
        )
        assert answer.status_code == 200 and "no issue" in answer.json()["text"], ref
        assert "no issue" in command(client, "U0OLIVIA", f"ack {ref or 'x'}").json()["text"]
    issue.refresh_from_db()
    assert issue.lifecycle == "new"
