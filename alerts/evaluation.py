"""Alert rules evaluated on the issue changes of each processed batch.

``AlertsConfig.ready`` connects ``evaluate_recorded_changes`` to
``errorhub.issues.signals.issue_changes_recorded``: the digest step (issues
layer) sends it inside the batch's transaction, synchronously, and must not import alerts.
The deliveries a match creates commit with the batch's events (nothing to lose between the
commit and a queued message); their sends are queued on commit, and beat's every-minute
``deliveries_due_requeue`` sends any whose message never left.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from alerts import selectors
from alerts.models import Rule
from alerts.routing import route
from alerts.services import alert_dispatch
from alerts.tasks import deliveries_queue
from errorhub.accounts.models import Project
from errorhub.issues.models import Issue

logger = logging.getLogger(__name__)

evaluation_errors = 0  # counted for /metrics-style inspection; evaluation never raises


def window_counter(rule: Rule, issue: Issue, events: int) -> int:
    """Events of ``issue`` in ``rule``'s current frequency window (shared cache, fixed windows)."""
    window = rule.frequency_seconds or 3600
    key = f"alerts:win:{rule.pk}:{issue.pk}:{int(timezone.now().timestamp() // window)}"
    cache.add(key, 0, timeout=window + 60)
    try:
        return cache.incr(key, events)
    except ValueError:  # expired between add and incr
        cache.set(key, events, timeout=window + 60)
        return events


def _alert_payload(reason: str, event: dict[str, Any], events: int) -> dict[str, Any]:
    return {
        "reason": reason,
        "environment": event.get("environment") or "",
        "release": event.get("release") or "",
        "level": event.get("level") or "",
        "events": events,
        "event_id": event.get("event_id") or "",
    }


def evaluate_issue_changes(*, project: Project, changes: dict[int, Any]) -> int:
    """Hot path, at the end of each batch's transaction: match the cached rules in memory and
    record each match's deliveries (each in a savepoint), their sends queued on commit. Never
    raises (logs and counts instead). Returns matches."""
    global evaluation_errors
    try:
        rules = selectors.rules_for_project(project)
        if not rules or not changes:
            return 0
        issues = Issue.objects.select_related("project").in_bulk(list(changes))
        queued = 0
        for issue_id, change in changes.items():
            issue = issues.get(issue_id)
            if issue is None:
                continue
            seen: set[tuple[int, str]] = set()
            for decision in route(change.sample_event, issue, change, rules, counter=window_counter):
                if (decision.rule.pk, decision.reason) in seen:
                    continue
                seen.add((decision.rule.pk, decision.reason))
                with transaction.atomic():  # a savepoint: a failed alert write never undoes the batch
                    deliveries = alert_dispatch(
                        rule_id=decision.rule.pk,
                        issue_id=issue_id,
                        reason=decision.reason,
                        payload=_alert_payload(decision.reason, change.sample_event, change.events),
                    )
                deliveries_queue(deliveries)
                queued += 1
        return queued
    except Exception:
        evaluation_errors += 1
        logger.exception("alert evaluation failed for project %s", project.pk)
        return 0


def evaluate_recorded_changes(sender: Any, *, project: Project, changes: dict[int, Any], **_: Any) -> None:
    """Receiver of ``issue_changes_recorded``."""
    evaluate_issue_changes(project=project, changes=changes)
