"""Celery tasks for alerts (thin: load ids, call one service, own the retry policy).
All of them route to the ``alerts`` queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from alerts import selectors, services
from alerts.digest import digest_send, users_due_for_digest
from alerts.models import Delivery
from alerts.system import inbox_sla_breaches, system_rules_check
from alerts.transports import TransportError


@shared_task
def dispatch_alert(rule_id: int, issue_id: int | None, reason: str, payload: dict[str, Any]) -> int:
    return len(
        deliveries_queue(services.alert_dispatch(rule_id=rule_id, issue_id=issue_id, reason=reason, payload=payload))
    )


@shared_task(bind=True)
def deliver(self, delivery_id: int) -> None:
    wait = services.delivery_attempt(delivery_id=delivery_id)
    # An eager call cannot wait; check_system_rules (beat, every minute) re-queues the delivery
    # when due (deliveries_due_requeue), the safety net should this message be lost.
    if wait is not None and not self.request.is_eager:
        deliver.apply_async((delivery_id,), countdown=max(wait, 0.5))


@shared_task(autoretry_for=(TransportError,), retry_backoff=2, max_retries=5)
def update_issue_messages(issue_id: int) -> int:
    return services.issue_state_changed(issue_id=issue_id)


@shared_task
def check_system_rules() -> int:
    """Every minute: system triggers, the inbox SLA, and due deliveries. Returns the alerts
    fired plus the deliveries re-queued, so a tick that did either logs its "succeeded" line."""
    fired = 0
    for rule_id, trigger, detail in system_rules_check():
        deliveries_queue(
            services.alert_dispatch(rule_id=rule_id, issue_id=None, reason=trigger, payload={"detail": detail})
        )
        fired += 1
    for rule_id, issue_id in inbox_sla_breaches():
        deliveries_queue(services.alert_dispatch(rule_id=rule_id, issue_id=issue_id, reason="inbox_sla", payload={}))
        fired += 1
    # in this task, not a message of its own: one idle tick, one (unlogged) task
    return fired + deliveries_due_requeue()


@shared_task
def send_due_digests() -> int:
    due = users_due_for_digest(timezone.now())
    for user_id, day in due:
        send_digest.delay(user_id, day.isoformat())
    return len(due)


@shared_task(bind=True, max_retries=3, default_retry_delay=120)
def send_digest(self, user_id: int, day: str) -> bool:
    try:
        return digest_send(user_id=user_id, day=date.fromisoformat(day))
    except OSError as exc:  # SMTP down: the claim was released, try again later
        raise self.retry(exc=exc) from exc


def deliveries_queue(deliveries: list[Delivery]) -> list[Delivery]:
    """Queue a send of each new delivery once the transaction that created it commits
    (at once outside a transaction: ``alert_dispatch`` has committed by then)."""
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: deliver.delay(pk))
    return deliveries


def deliveries_due_requeue(*, now: datetime | None = None) -> int:
    """Queue a send for every delivery whose retry time came (after backoff, Retry-After, an
    open circuit) or whose claimed attempt never reported back. Run by the every-minute
    ``check_system_rules``: the safety net should a delivery's scheduled retry message be lost,
    and the only retry an eager (embedded, test) set-up has. Returns how many were queued."""
    ids = list(selectors.deliveries_due(now or timezone.now()).values_list("pk", flat=True))
    for pk in ids:
        deliver.delay(pk)
    return len(ids)
