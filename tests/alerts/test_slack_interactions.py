"""Slack buttons, the snooze modal and /errorhub, signed with Slack's real v0 algorithm."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest

from errorhub.issues.models import Activity, Issue
from tests.alerts.conftest import make_event, record

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client, path: str, form: dict, secret="signing-secret-for-tests", stamp: int | None = None):
    body = urlencode(form)
    ts = str(stamp or int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=ts,
        HTTP_X_SLACK_SIGNATURE=sig,
    )


def _action(client, user: str, action_id: str, issue: Issue):
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": "T.123",
        "actions": [{"action_id": action_id, "value": str(issue.pk)}],
    }
    return _post(client, "/slack/interactions/", {"payload": json.dumps(payload)})


@pytest.fixture
def issue(world):
    return Issue.objects.get(pk=next(iter(record(world.project, make_event()).changes)))


def test_bad_or_stale_signature_is_401(client, slack, issue):
    payload = {"payload": json.dumps({"type": "block_actions", "user": {"id": "U0OLIVIA"}, "actions": []})}
    assert _post(client, "/slack/interactions/", payload, secret="wrong").status_code == 401
    assert _post(client, "/slack/interactions/", payload, stamp=int(time.time()) - 400).status_code == 401
    assert _post(client, "/slack/commands/", {"text": "inbox"}, secret="wrong").status_code == 401


def test_acknowledge_assigns_to_the_clicking_user(client, slack, world, issue):
    response = _action(client, "U0MIKE", "issue_ack", issue)
    assert response.status_code == 200 and "acknowledged" in response.json()["text"]
    issue.refresh_from_db()
    assert issue.lifecycle == "acknowledged" and issue.assignee == world.member
    assert Activity.objects.get(issue=issue, kind="acknowledged").actor == "slack:U0MIKE"


def test_unknown_slack_user_or_outsider_gets_an_explanation(client, slack, world, issue):
    slack.users["U0OSCAR"] = "oscar@example.com"  # exists, but not in the project's team
    assert "no issue" in _action(client, "U0OSCAR", "issue_resolve", issue).json()["text"]
    assert "user_not_found" in _action(client, "U0NOBODY", "issue_resolve", issue).json()["text"]
    slack.users["U0GHOST"] = "ghost@example.com"
    assert "no ErrorHub account" in _action(client, "U0GHOST", "issue_resolve", issue).json()["text"]
    issue.refresh_from_db()
    assert issue.lifecycle == "new"


def test_resolve_button(client, slack, issue):
    assert _action(client, "U0OLIVIA", "issue_resolve", issue).status_code == 200
    issue.refresh_from_db()
    assert issue.lifecycle == "resolved"
    assert Activity.objects.get(issue=issue, kind="resolved").actor == "slack:U0OLIVIA"


def test_snooze_opens_a_modal_and_the_submission_snoozes(client, slack, issue):
    assert _action(client, "U0OLIVIA", "issue_snooze", issue).status_code == 200
    [opened] = slack.posted("views.open")
    assert opened.args["trigger_id"] == "T.123" and opened.args["view"]["private_metadata"] == str(issue.pk)

    def submit(reason: str, hours: str):
        view = {
            "callback_id": "issue_snooze",
            "private_metadata": str(issue.pk),
            "state": {"values": {"reason": {"value": {"value": reason}}, "hours": {"value": {"value": hours}}}},
        }
        return _post(
            client,
            "/slack/interactions/",
            {"payload": json.dumps({"type": "view_submission", "user": {"id": "U0OLIVIA"}, "view": view})},
        )

    assert submit("", "4").json() == {"response_action": "errors", "errors": {"reason": "a snooze needs a reason"}}
    assert "hours" in submit("deploy tonight", "x").json()["errors"]
    assert submit("deploy tonight", "4").status_code == 200
    issue.refresh_from_db()
    assert issue.lifecycle == "snoozed" and issue.snooze_reason == "deploy tonight"
    assert Activity.objects.get(issue=issue, kind="snoozed").actor == "slack:U0OLIVIA"


def test_slash_command_inbox_resolve_ack(client, slack, world, issue):
    text = _post(client, "/slack/commands/", {"user_id": "U0OLIVIA", "text": "inbox"}).json()["text"]
    assert issue.short_code in text and "1 issue(s)" in text
    text = _post(client, "/slack/commands/", {"user_id": "U0OLIVIA", "text": f"ack {issue.short_code}"}).json()["text"]
    assert "acknowledged" in text
    issue.refresh_from_db()
    assert issue.assignee == world.owner
    _post(client, "/slack/commands/", {"user_id": "U0OLIVIA", "text": f"resolve {issue.pk}"})
    issue.refresh_from_db()
    assert issue.lifecycle == "resolved"
    assert "Usage" in _post(client, "/slack/commands/", {"user_id": "U0OLIVIA", "text": "dance"}).json()["text"]
