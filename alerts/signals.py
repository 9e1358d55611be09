"""Keep Slack messages in step with the issue: when an issue's state or owner changes
(anywhere: dashboard, API, Slack, processing), queue an update of its first messages.

Cheap: the previous values are remembered at load time, so a save that does not
change them costs nothing; one indexed query only when they did."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver

from alerts.selectors import slack_roots_for_issue
from alerts.tasks import update_issue_messages
from errorhub.issues.models import Issue


def _watched(instance: Issue) -> tuple:
    return instance.__dict__.get("lifecycle"), instance.__dict__.get("assignee_id")


@receiver(post_init, sender=Issue, dispatch_uid="alerts.issue_remember")
def _remember(sender, instance: Issue, **kwargs) -> None:
    instance._alerts_previous = _watched(instance)


@receiver(post_save, sender=Issue, dispatch_uid="alerts.issue_changed")
def _changed(sender, instance: Issue, created: bool, **kwargs) -> None:
    now = _watched(instance)
    if created or now == getattr(instance, "_alerts_previous", now):
        return
    instance._alerts_previous = now
    if slack_roots_for_issue(instance.pk).exists():
        transaction.on_commit(lambda: update_issue_messages.delay(instance.pk))
