"""System triggers (organisation-wide rules) and the inbox SLA, checked every minute."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from alerts.models import Delivery, IssueAlertState, Rule
from errorhub.events.models import SeenEvent
from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue
from ingest.models import DeadLetter
from ingest.quotas import queue_depths


def _queue_backlog(threshold: int, now: datetime) -> str:
    depths = queue_depths()
    total = sum(depths.values())
    return f"{total} tasks queued ({depths})" if total > (threshold or 10_000) else ""


def _dead_letters(threshold: int, now: datetime) -> str:
    count = DeadLetter.objects.filter(replayed_at__isnull=True, discarded_at__isnull=True).count()
    return f"{count} payloads in the dead-letter store" if count > threshold else ""


def _ingest_stalled(threshold: int, now: datetime) -> str:
    """Events arrived in the last day but none in the last ``threshold`` minutes."""
    quiet = timedelta(minutes=threshold or 30)
    recent = SeenEvent.objects.filter(received_at__gte=now - timedelta(days=1))
    if recent.exists() and not recent.filter(received_at__gte=now - quiet).exists():
        return f"no event received for {int(quiet.total_seconds() // 60)} minutes"
    return ""


def _event_store_down(threshold: int, now: datetime) -> str:
    try:
        get_event_store().ping()
    except Exception as exc:  # any failure to answer is "down"
        return f"event store unreachable: {type(exc).__name__}: {exc}"[:300]
    return ""


CHECKS: dict[str, Callable[[int, datetime], str]] = {
    "queue_backlog": _queue_backlog,
    "dead_letters": _dead_letters,
    "ingest_stalled": _ingest_stalled,
    "event_store_down": _event_store_down,
}


def system_rules_check(now: datetime | None = None) -> list[tuple[int, str, str]]:
    """(rule id, trigger, detail) for every system rule whose condition holds and that
    did not alert about it within its minimum interval."""
    now = now or timezone.now()
    fired = []
    rules = Rule.objects.filter(archived=False).filter(Q(muted_until__isnull=True) | Q(muted_until__lte=now))
    results: dict[str, str] = {}
    for rule in rules:
        for trigger in set(rule.triggers) & set(CHECKS):
            key = f"{trigger}:{rule.system_threshold}"
            if key not in results:
                results[key] = CHECKS[trigger](rule.system_threshold, now)
            if not results[key]:
                continue
            recent = Delivery.objects.filter(
                rule=rule,
                issue__isnull=True,
                reason=trigger,
                created_at__gte=now - timedelta(seconds=rule.min_interval_seconds),
            )
            if not recent.exists():
                fired.append((rule.pk, trigger, results[key]))
    return fired


def _rules_with_trigger(trigger: str, now: datetime) -> list[Rule]:
    """Live, unmuted rules with ``trigger``. Filtered in Python: a JSON ``contains``
    lookup does not exist on SQLite (the embedded default), and rules are few."""
    rules = Rule.objects.filter(archived=False).exclude(muted_until__gt=now)
    return [rule for rule in rules if trigger in (rule.triggers or [])]


def inbox_sla_breaches(now: datetime | None = None, limit: int = 100) -> list[tuple[int, int]]:
    """(rule id, issue id) for inbox issues older than a rule's SLA it has not alerted about."""
    now = now or timezone.now()
    out = []
    for rule in _rules_with_trigger("inbox_sla", now):
        scope = Q(project_id=rule.project_id) if rule.project_id else Q(project__organization_id=rule.organization_id)
        cutoff = now - timedelta(seconds=rule.inbox_sla_seconds or 86_400)
        issues = Issue.objects.filter(scope, in_inbox=True, inbox_since__lte=cutoff, merged_into__isnull=True)
        for issue in issues.order_by("inbox_since")[:limit]:
            state = IssueAlertState.objects.filter(issue=issue, rule=rule).first()
            if state is None or state.last_sent_at < issue.inbox_since:
                out.append((rule.pk, issue.pk))
    return out
