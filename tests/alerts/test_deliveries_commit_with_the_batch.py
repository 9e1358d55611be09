"""A match's deliveries are written in the batch's transaction, not by a message sent after it.

A worker killed between its batch's commit and the publish of a dispatch message used to lose the
alert for good: the redelivered events are already claimed, so no change is signalled again (the
multi-node storm in `tests/scale/` caught one missing new-issue alert). Now the delivery rows commit
with the events, the send is queued on commit, and beat's every-minute sweep sends any whose
message never left."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.signals import post_save

from alerts.models import Delivery
from alerts.tasks import deliveries_due_requeue
from tests.dashboard.conftest import crash, record_event
from tests.factories import ChannelFactory, RuleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_new_issue_delivery_exists_when_no_commit_hook_ran(world, django_capture_on_commit_callbacks):
    channel = ChannelFactory(organization=world.project.organization)
    rule = RuleFactory(organization=world.project.organization)
    rule.channels.add(channel)

    # the batch commits, and the worker dies before any on-commit hook (the send's publish) runs
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        issue, _ = record_event(world.project, **crash(fingerprint=["killed-after-commit"]))

    delivery = Delivery.objects.get(issue=issue, rule=rule)
    assert (delivery.channel, delivery.reason, delivery.status) == (channel, "new_issue", "pending")
    assert hooks, "the send is queued on commit"
    assert deliveries_due_requeue() == 1, "beat's sweep sends the delivery whose message never left"


def test_a_failing_alert_write_never_undoes_the_batch(world, monkeypatch):
    rule = RuleFactory(organization=world.project.organization)
    rule.channels.add(ChannelFactory(organization=world.project.organization))

    def broken(**_: object) -> list[Delivery]:
        Delivery.objects.create(rule=rule, channel=None, issue=None, reason="x", payload={})  # violates NOT NULL
        return []

    monkeypatch.setattr("alerts.evaluation.alert_dispatch", broken)
    issue, _ = record_event(world.project, **crash(fingerprint=["alert-write-fails"]))
    issue.refresh_from_db()
    assert issue.times_seen == 1 and not Delivery.objects.filter(rule=rule).exists()


@pytest.mark.django_db(transaction=True)
def test_the_delivery_is_written_inside_the_batch_transaction(world):
    rule = RuleFactory(organization=world.project.organization)
    rule.channels.add(ChannelFactory(organization=world.project.organization))
    depths: list[int] = []

    def saw(sender: object, instance: Delivery, created: bool, **_: object) -> None:
        if created:
            depths.append(len(connection.atomic_blocks))

    post_save.connect(saw, sender=Delivery)
    try:
        record_event(world.project, **crash(fingerprint=["inside-the-batch"]))
    finally:
        post_save.disconnect(saw, sender=Delivery)
    # the batch's transaction, the alert's savepoint, alert_dispatch's own block: not a fresh
    # transaction opened by a message after the commit
    assert depths and all(depth >= 3 for depth in depths), depths
