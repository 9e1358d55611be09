"""A delivery that trips over our own bug (the transport raises outside ``TransportError``)
is retried and logged as ErrorHub's exception, but it says nothing about the channel: the
channel's circuit breaker stays closed and the other alerts on that channel go out."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Delivery
from alerts.services import CIRCUIT_FAILURES, delivery_attempt
from errorhub.issues.models import Issue
from tests.alerts.conftest import make_event, record, slack_channel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def test_a_broken_delivery_does_not_open_the_channels_circuit(world, slack, caplog):
    channel = slack_channel(world.project.organization)
    issue = Issue.objects.get(pk=next(iter(record(world.project, make_event()).changes)))
    now = timezone.now()
    # a payload the Slack blocks cannot read (a list, not an object): a bug for this delivery only
    broken = Delivery.objects.create(
        channel=channel, issue=issue, reason="new_issue", payload=["not", "a", "dict"], next_attempt_at=now
    )
    good = Delivery.objects.create(
        channel=channel,
        issue=issue,
        reason="new_issue",
        payload={"reason": "new_issue", "environment": "production"},
        next_attempt_at=now,
    )

    with caplog.at_level(logging.ERROR, logger="alerts.services"):
        for _ in range(CIRCUIT_FAILURES + 1):
            Delivery.objects.filter(pk=broken.pk).update(next_attempt_at=now)
            delivery_attempt(delivery_id=broken.pk, now=now)
            now += timedelta(seconds=2)  # past the channel's pacing
    broken.refresh_from_db()
    channel.refresh_from_db()
    assert broken.status == "retrying" and "AttributeError" in broken.last_error
    assert broken.attempt_log.count() == CIRCUIT_FAILURES + 1
    assert channel.enabled and channel.consecutive_failures == 0 and channel.open_until is None
    reported = [r for r in caplog.records if "raised outside TransportError" in r.getMessage()]
    assert len(reported) == CIRCUIT_FAILURES + 1 and all(r.exc_info for r in reported)

    Delivery.objects.filter(pk=good.pk).update(next_attempt_at=now)
    assert delivery_attempt(delivery_id=good.pk, now=now) is None
    good.refresh_from_db()
    assert good.status == "sent" and [c.args["channel"] for c in slack.posted()] == ["C0ALERTS"]
