"""Celery tasks for alerts (thin: load ids, call one service, own the retry policy).
All of them route to the ``alerts`` queue."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from alerts import services
from alerts.transports import TransportError


@shared_task
def dispatch_alert(rule_id: int, issue_id: int | None, reason: str, payload: dict[str, Any]) -> int:
    return len(services.alert_dispatch(rule_id=rule_id, issue_id=issue_id, reason=reason, payload=payload))


@shared_task(bind=True)
def deliver(self, delivery_id: int) -> None:
    wait = services.delivery_attempt(delivery_id=delivery_id)
    # An eager call cannot wait; check_system_rules (beat, every minute) re-queues the delivery
    # when due (services.deliveries_due_requeue), the safety net should this message be lost.
    if wait is not None and not self.request.is_eager:
        deliver.apply_async((delivery_id,), countdown=max(wait, 0.5))


@shared_task(autoretry_for=(TransportError,), retry_backoff=2, max_retries=5)
def update_issue_messages(issue_id: int) -> int:
    return services.issue_state_changed(issue_id=issue_id)


@shared_task
def check_system_rules() -> int:
    """Every minute: system triggers, the inbox SLA, and due deliveries. Returns the alerts
    fired plus the deliveries re-queued, so a tick that did either logs its "succeeded" line."""
    from alerts.system import inbox_sla_breaches, system_rules_check

    fired = 0
    for rule_id, trigger, detail in system_rules_check():
        services.alert_dispatch(rule_id=rule_id, issue_id=None, reason=trigger, payload={"detail": detail})
        fired += 1
    for rule_id, issue_id in inbox_sla_breaches():
        services.alert_dispatch(rule_id=rule_id, issue_id=issue_id, reason="inbox_sla", payload={})
        fired += 1
    # in this task, not a message of its own: one idle tick, one (unlogged) task
    return fired + services.deliveries_due_requeue()


@shared_task
def send_due_digests() -> int:
    from alerts.digest import users_due_for_digest

    due = users_due_for_digest(timezone.now())
    for user_id, day in due:
        send_digest.delay(user_id, day.isoformat())
    return len(due)


@shared_task(bind=True, max_retries=3, default_retry_delay=120)
def send_digest(self, user_id: int, day: str) -> bool:
    from datetime import date

    from alerts.digest import digest_send

    try:
        return digest_send(user_id=user_id, day=date.fromisoformat(day))
    except OSError as exc:  # SMTP down: the claim was released, try again later
        raise self.retry(exc=exc) from exc
