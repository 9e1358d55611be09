"""Reads for alerts: the project's rules (cached in-process for the hot path), deliveries."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db.models import Q, QuerySet

from alerts.models import Delivery, Rule

RULE_CACHE_SECONDS = 5.0
_cache: dict[int, tuple[float, list[Rule]]] = {}
_lock = threading.Lock()


def rules_for_project(project: Any, *, fresh: bool = False) -> list[Rule]:
    """Live (not archived) event rules of a project, including its organisation-wide rules,
    with channels loaded; cached for a few seconds per process since this runs per batch."""
    now = time.monotonic()
    hit = _cache.get(project.pk)
    if hit and not fresh and hit[0] > now:
        return hit[1]
    rules = list(Rule.objects.filter(Q(project_id=project.pk) | Q(project__isnull=True,
                                                                  organization_id=project.organization_id),
                                     archived=False).prefetch_related("channels"))
    for rule in rules:
        rule.cached_channels = list(rule.channels.all())
    rules = [r for r in rules if set(r.triggers) - set(Rule.SYSTEM_TRIGGERS)]
    with _lock:
        _cache[project.pk] = (now + RULE_CACHE_SECONDS, rules)
    return rules


def clear_rule_cache() -> None:
    with _lock:
        _cache.clear()


def deliveries_due(now: Any, limit: int = 500) -> QuerySet[Delivery]:
    return Delivery.objects.filter(status__in=("pending", "retrying"), next_attempt_at__lte=now).order_by(
        "next_attempt_at")[:limit]


def slack_roots_for_issue(issue_id: int) -> QuerySet[Delivery]:
    return Delivery.objects.filter(issue_id=issue_id, channel__kind="slack", status="sent",
                                   slack_thread_ts="").exclude(slack_ts="").select_related("channel", "issue")
