"""Reads for alerts: the project's rules (cached in-process for the hot path), deliveries."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from alerts.models import Delivery, Rule
from errorhub.caching import MISSING, LockedTTLCache

RULE_CACHE_SECONDS = 5.0
_rules: LockedTTLCache[int, list[Rule]] = LockedTTLCache(ttl=RULE_CACHE_SECONDS, maxsize=10_000)


def rules_for_project(project: Any, *, fresh: bool = False) -> list[Rule]:
    """Live (not archived) event rules of a project, including its organisation-wide rules,
    with channels loaded; cached for a few seconds per process since this runs per batch."""
    hit = MISSING if fresh else _rules.get(project.pk)
    if hit is not MISSING:
        return hit
    rules = list(
        Rule.objects.filter(
            Q(project_id=project.pk) | Q(project__isnull=True, organization_id=project.organization_id), archived=False
        ).prefetch_related("channels")
    )
    for rule in rules:
        rule.cached_channels = list(rule.channels.all())
    rules = [r for r in rules if set(r.triggers) - set(Rule.SYSTEM_TRIGGERS)]
    _rules.set(project.pk, rules)
    return rules


def clear_rule_cache() -> None:
    """Forget every project's rules: called by every rule and channel write."""
    _rules.clear()


def deliveries_due(now: Any, limit: int = 500) -> QuerySet[Delivery]:
    return Delivery.objects.filter(status__in=("pending", "retrying"), next_attempt_at__lte=now).order_by(
        "next_attempt_at"
    )[:limit]


def slack_roots_for_issue(issue_id: int) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(issue_id=issue_id, channel__kind="slack", status="sent", slack_thread_ts="")
        .exclude(slack_ts="")
        .select_related("channel", "issue")
    )
