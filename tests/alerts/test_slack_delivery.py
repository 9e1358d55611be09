"""Slack through the real slack_sdk against the stand-in: Block Kit, threads, updates,
outages (500, 429 Retry-After), permanent errors, the circuit breaker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Channel, Delivery
from alerts.services import delivery_attempt
from alerts.tasks import deliveries_due_requeue
from errorhub.issues.models import Issue
from errorhub.issues.services import issue_resolve
from tests.alerts.conftest import make_event, record, rule, slack_channel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def _new_issue(world, **overrides) -> Issue:
    result = record(world.project, make_event(**overrides))
    return Issue.objects.get(pk=next(iter(result.changes)))


def test_first_alert_has_blocks_and_buttons_then_thread_replies_then_update_on_resolve(world, slack, time_machine):
    ch = slack_channel(world.project.organization)
    rule(
        world.project,
        ch,
        triggers=["new_issue", "frequency"],
        frequency_count=1,
        frequency_seconds=1,
        min_interval_seconds=0,
        mention="U0OLIVIA",
    )
    issue = _new_issue(world)
    [first] = slack.posted()
    assert first.args["channel"] == "C0ALERTS" and "thread_ts" not in first.args
    buttons = {e["action_id"]: e for b in first.args["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert set(buttons) == {"issue_ack", "issue_resolve", "issue_snooze", "issue_open"}
    assert buttons["issue_resolve"]["value"] == str(issue.pk)
    text = str(first.args["blocks"])
    assert issue.short_code in text and "production" in text and "shop@1.0" in text and "<@U0OLIVIA>" in text

    time_machine.move_to(timezone.now() + timedelta(seconds=1.05))  # next frequency window, past the pacing
    record(world.project, make_event())
    replies = slack.posted()[1:]
    assert (
        len(replies) == 1
        and replies[0].args["thread_ts"] == Delivery.objects.get(issue=issue, reason="new_issue").slack_ts
    )

    issue_resolve(issue=Issue.objects.get(pk=issue.pk), user=world.owner)
    [update] = slack.posted("chat.update")
    assert update.args["ts"] == replies[0].args["thread_ts"]
    assert "Resolved" in str(update.args["blocks"]) and "issue_resolve" not in str(update.args["blocks"])


def test_outage_500_then_429_then_200_arrives_exactly_once_without_blocking(world, slack, time_machine):
    ch = slack_channel(world.project.organization)
    other = slack_channel(world.project.organization, name="other", channel_id="C0OTHER")
    rule(world.project, ch, environments=["production"])
    rule(world.project, other, environments=["staging"])
    slack.script = [("500",)]
    issue = _new_issue(world)
    delivery = Delivery.objects.get(issue=issue)
    assert delivery.status == "retrying" and "500" in delivery.last_error
    # not blocking: one attempt, and the retry is left to its time (no backoff waited inline)
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
    # other events keep flowing: a staging issue goes to the other channel at once
    _new_issue(world, environment="staging", exception={"values": [{"type": "KeyError", "value": "k"}]})
    assert [c.args["channel"] for c in slack.posted()] == ["C0OTHER"]

    slack.script = [("429", 1)]
    time_machine.move_to(timezone.now() + timedelta(seconds=1.05))  # the backoff after the first failure is 1 s
    deliveries_due_requeue()
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 2
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=0.5)  # Retry-After honoured
    deliveries_due_requeue()  # too early: nothing is sent
    assert len(slack.calls) == 3
    time_machine.move_to(delivery.next_attempt_at + timedelta(seconds=0.05))  # Retry-After has passed
    deliveries_due_requeue()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 3
    assert [c.args["channel"] for c in slack.posted()] == ["C0OTHER", "C0ALERTS"]
    assert [a.status for a in delivery.attempt_log.all()] == ["retrying", "retrying", "sent"]
    deliveries_due_requeue()
    assert len(slack.posted()) == 2  # exactly once


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "invalid_auth"])
def test_permanent_error_disables_the_channel(world, slack, error):
    ch = slack_channel(world.project.organization)
    rule(world.project, ch)
    slack.script = [("error", error)]
    issue = _new_issue(world)
    ch.refresh_from_db()
    assert not ch.enabled and error in ch.disabled_reason
    assert Delivery.objects.get(issue=issue).status == "failed"


def test_circuit_opens_after_five_failures_and_deliveries_wait(world, slack):
    ch = slack_channel(world.project.organization)
    rule(world.project, ch)
    deliveries = []
    for n in range(5):
        slack.script = [("500",)]
        Channel.objects.filter(pk=ch.pk).update(next_allowed_at=None)
        deliveries.append(
            Delivery.objects.get(issue=_new_issue(world, exception={"values": [{"type": f"E{n}", "value": "x"}]}))
        )
    ch.refresh_from_db()
    assert ch.consecutive_failures == 5 and ch.open_until > timezone.now()
    calls = len(slack.calls)
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliveries_due_requeue()
    assert len(slack.calls) == calls  # circuit open: nothing goes out, nothing is dropped
    assert set(Delivery.objects.values_list("status", flat=True)) == {"retrying"}
    # when the circuit closes, every waiting delivery is sent (paced, one per second per channel)
    now = ch.open_until + timedelta(seconds=1)
    for d in deliveries:
        wait = delivery_attempt(delivery_id=d.pk, now=now)
        while wait is not None:
            now += timedelta(seconds=wait)
            wait = delivery_attempt(delivery_id=d.pk, now=now)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(slack.posted()) == 5


def test_a_hanging_slack_times_out_and_retries(world, slack, settings):
    settings.OUTBOUND_TIMEOUT = 1
    ch = slack_channel(world.project.organization)
    rule(world.project, ch)
    slack.script = [("hang", 2)]
    issue = _new_issue(world)
    # had the call waited out the hang, Slack's answer would have made it "sent"
    assert Delivery.objects.get(issue=issue).status == "retrying"
