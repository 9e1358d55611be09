"""Writes for alerts: creating and sending deliveries, updating Slack messages when an
issue changes, muting and archiving rules.

Nothing here queues a task: ``alerts.tasks`` calls these services and queues what
follows (the sends of new deliveries), and ``alerts.evaluation`` queues the
dispatch of rule matches. So the tasks import the services, never the reverse."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from alerts import selectors
from alerts.models import Channel, Delivery, DeliveryAttempt, DeliveryStatus, IssueAlertState, Rule
from alerts.registry import get_transport
from alerts.transports import TransportError
from errorhub import metrics

logger = logging.getLogger(__name__)

CIRCUIT_FAILURES = 5
CIRCUIT_OPEN_SECONDS = 60
PACE_SECONDS = 1.0
LEASE_SECONDS = 120  # a claimed delivery is not due again while its send is in flight
MAX_ATTEMPTS = 15


@transaction.atomic
def alert_dispatch(
    *, rule_id: int, issue_id: int | None, reason: str, payload: dict[str, Any], now: datetime | None = None
) -> list[Delivery]:
    """Create the deliveries of one rule match (respecting the rule's per-issue minimum
    interval). The caller queues their sends (``alerts.tasks.deliveries_queue``)."""
    now = now or timezone.now()
    rule = Rule.objects.filter(pk=rule_id, archived=False).first()
    if rule is None or rule.is_muted(now):
        return []
    if issue_id is not None and reason != "new_issue" and rule.min_interval_seconds:
        state = IssueAlertState.objects.select_for_update().filter(issue_id=issue_id, rule=rule).first()
        if state and state.last_sent_at > now - timedelta(seconds=rule.min_interval_seconds):
            return []
    if issue_id is not None:
        IssueAlertState.objects.update_or_create(issue_id=issue_id, rule=rule, defaults={"last_sent_at": now})
    payload = {**payload, "reason": reason}
    deliveries = [
        Delivery.objects.create(
            rule=rule, channel=channel, issue_id=issue_id, reason=reason, payload=payload, next_attempt_at=now
        )
        for channel in rule.channels.filter(enabled=True)
    ]
    return deliveries


def _claim(delivery_id: int, now: datetime) -> tuple[Delivery | None, float | None]:
    """Lock and check the delivery and its channel. Returns (delivery to send now, None)
    or (None, seconds to wait) or (None, None) when there is nothing left to do."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("issue__project", "rule")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
            return None, None
        if delivery.next_attempt_at > now:
            return None, (delivery.next_attempt_at - now).total_seconds()
        channel = Channel.objects.select_for_update().get(pk=delivery.channel_id)
        if not channel.enabled:
            _finish(delivery, DeliveryStatus.FAILED, f"channel disabled: {channel.disabled_reason}", now)
            return None, None
        if delivery.attempts >= MAX_ATTEMPTS:  # every attempt was claimed, none reported back (worker lost)
            _finish(
                delivery,
                DeliveryStatus.FAILED,
                f"gave up after {delivery.attempts} attempts: {delivery.last_error or 'no attempt finished'}",
                now,
            )
            return None, None
        try:
            transport = get_transport(channel)
        except TransportError as exc:
            _finish(delivery, DeliveryStatus.FAILED, str(exc), now)
            return None, None
        wait_until = max(
            [t for t in (channel.open_until, channel.next_allowed_at if transport.paced else None) if t and t > now],
            default=None,
        )
        if wait_until is not None:  # circuit open or pacing: wait, never drop
            delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, wait_until
            delivery.save(update_fields=["status", "next_attempt_at"])
            return None, (wait_until - now).total_seconds()
        if transport.paced:
            channel.next_allowed_at = now + timedelta(seconds=PACE_SECONDS)
            channel.save(update_fields=["next_allowed_at"])
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=LEASE_SECONDS)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        delivery.channel = channel
        return delivery, None


def _finish(delivery: Delivery, status: str, error: str, now: datetime, response: str = "") -> None:
    delivery.status, delivery.last_error = status, error[:2000]
    if status == DeliveryStatus.SENT:
        delivery.sent_at = now
    delivery.save()
    DeliveryAttempt.objects.create(
        delivery=delivery, at=now, status=status, error=error[:2000], response=response[:2000]
    )
    metrics.delivery_recorded(delivery.channel.kind, status)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> float | None:
    """Try to send one delivery. Returns None when it is settled (sent or failed for good),
    else the seconds until it should be tried again."""
    now = now or timezone.now()
    delivery, wait = _claim(delivery_id, now)
    if delivery is None:
        return wait
    channel = delivery.channel
    try:
        result = get_transport(channel).notify(delivery)
    except TransportError as exc:
        return _record_failure(delivery, channel, exc, now)
    except Exception as exc:  # noqa: BLE001 - recorded, reported and retried, never left pending
        logger.exception("delivery %s: the %s transport raised outside TransportError", delivery.pk, channel.kind)
        with transaction.atomic():
            return _retry_or_give_up(delivery, _unexpected(exc), now)
    for key, value in result.extra.items():
        setattr(delivery, key, value)
    with transaction.atomic():
        _finish(delivery, DeliveryStatus.SENT, "", now, result.response)
        Channel.objects.filter(pk=channel.pk).update(consecutive_failures=0, open_until=None)
    return None


def _unexpected(exc: Exception) -> TransportError:
    """A transport's own bug or bad data (a header it could not build, a config it could not
    read) as a temporary failure of this one delivery: retried with backoff, then failed in
    the delivery log. It says nothing about the channel, so its circuit breaker is not touched:
    one bad delivery must not hold back everyone else's alerts on the channel."""
    return TransportError(f"{type(exc).__name__}: {exc}"[:500], permanent=False)


def _record_failure(delivery: Delivery, channel: Channel, exc: TransportError, now: datetime) -> float | None:
    """A transport failure: it counts against the channel (disable, circuit, Retry-After)."""
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if exc.permanent:
            channel.enabled, channel.disabled_reason = False, str(exc)[:500]
            channel.save(update_fields=["enabled", "disabled_reason"])
            _finish(delivery, DeliveryStatus.FAILED, str(exc), now, exc.response)
            logger.warning("channel %s disabled: %s", channel.pk, exc)
            return None
        channel.consecutive_failures += 1
        if channel.consecutive_failures >= CIRCUIT_FAILURES:
            channel.open_until = now + timedelta(seconds=CIRCUIT_OPEN_SECONDS)
        if exc.retry_after:
            channel.next_allowed_at = now + timedelta(seconds=exc.retry_after)
        channel.save(update_fields=["consecutive_failures", "open_until", "next_allowed_at"])
        return _retry_or_give_up(delivery, exc, now)


def _retry_or_give_up(delivery: Delivery, exc: TransportError, now: datetime) -> float | None:
    """Record a temporary failure on the delivery: schedule the next attempt with backoff, or
    fail it after MAX_ATTEMPTS. Returns the seconds to wait, or None when it gave up."""
    if delivery.attempts >= MAX_ATTEMPTS:
        _finish(
            delivery, DeliveryStatus.FAILED, f"gave up after {delivery.attempts} attempts: {exc}", now, exc.response
        )
        return None
    wait = max(exc.retry_after or 0, min(2 ** (delivery.attempts - 1), 300))
    delivery.next_attempt_at = now + timedelta(seconds=wait)
    _finish(delivery, DeliveryStatus.RETRYING, str(exc), now, exc.response)
    return wait


def issue_state_changed(*, issue_id: int) -> int:
    """Update every first Slack message about the issue to show its new state."""
    updated = 0
    for root in selectors.slack_roots_for_issue(issue_id):
        if not root.channel.enabled:
            continue
        try:
            get_transport(root.channel).issue_changed(root)
            updated += 1
        except TransportError as exc:
            DeliveryAttempt.objects.create(delivery=root, status="update_failed", error=str(exc)[:2000])
            if not exc.permanent:
                raise
    return updated


@transaction.atomic
def rule_mute(*, rule: Rule, until: datetime, reason: str) -> Rule:
    """Mute like a snooze: with an end and a reason."""
    if not reason.strip():
        raise ValueError("muting a rule needs a reason")
    if until <= timezone.now():
        raise ValueError("the mute end must be in the future")
    rule.muted_until, rule.mute_reason = until, reason.strip()[:500]
    rule.save(update_fields=["muted_until", "mute_reason", "updated_at"])
    selectors.clear_rule_cache()
    return rule


@transaction.atomic
def rule_archive(*, rule: Rule, by: str, reason: str) -> Rule:
    """Rules are never deleted silently: archiving keeps who and why, and the delivery log."""
    if not reason.strip():
        raise ValueError("archiving a rule needs a reason")
    rule.archived, rule.archived_by, rule.archived_reason = True, by[:200], reason.strip()[:500]
    rule.archived_at = timezone.now()
    rule.save()
    selectors.clear_rule_cache()
    return rule
