"""Dry runs, nothing sent: which rules and channels would an event reach, and why; and which
recent issues would a rule being edited have fired on (the rule form's live preview)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts import selectors
from alerts.models import Rule
from alerts.routing import route, rule_fires
from errorhub.accounts.models import Project
from errorhub.events.stores import get_event_store
from errorhub.issues.digest import IssueChange, _issue_fields
from errorhub.issues.models import Activity, GroupHash, Issue
from ingest.protocol.errors import ClientError
from ingest.protocol.grouping import compute_grouping
from ingest.protocol.limits import MAX_JSON_DEPTH, deeper_than
from ingest.protocol.normalize import normalize_sentry_event


@dataclass
class DryRunResult:
    issue_id: int | None
    change: str
    decisions: list[dict[str, Any]]


class DryRunInputError(ClientError):
    """A sample event the dry run cannot take: the message says why (answer 400)."""


def parse_sample_event(text: str) -> dict[str, Any]:
    """A pasted sample event: a JSON object nested at most ``MAX_JSON_DEPTH`` deep.

    The stdlib decoder recurses per level, so a few thousand ``[`` raise
    ``RecursionError``; that, like any too-deep object, is the sender's to fix.
    """
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DryRunInputError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise DryRunInputError(f"the event is nested deeper than {MAX_JSON_DEPTH} levels") from None
    if not isinstance(event, dict) or not event:
        raise DryRunInputError("the event must be a JSON object")
    _check_depth(event)
    return event


def _check_depth(event: Any) -> None:
    if deeper_than(event):
        raise DryRunInputError(f"the event is nested deeper than {MAX_JSON_DEPTH} levels")


def alert_dry_run(*, project: Project, event: dict[str, Any]) -> DryRunResult:
    """Normalise ``event`` like ingest does, find its issue (or pretend it is new) and route it.
    Frequency and spike triggers are not simulated (they depend on live counts)."""
    _check_depth(event)  # normalising recurses into it
    now = datetime.now(UTC)
    normalized = normalize_sentry_event(
        event, project_id=project.pk, event_id=event.get("event_id") or "0" * 32, received_at=now, sdk_client=None
    )
    grouping = compute_grouping(normalized)
    existing = GroupHash.objects.filter(project=project, hash=grouping.hash).select_related("issue").first()
    if existing:
        issue = existing.issue
        change = IssueChange(
            issue_id=issue.pk, events=1, regressed=issue.lifecycle in ("resolved", "fixed"), sample_event=normalized
        )
    else:
        issue = Issue(project=project, short_id=0, grouping_version=grouping.version, **_issue_fields(normalized, now))
        change = IssueChange(issue_id=0, events=1, new=True, sample_event=normalized)
    decisions = route(normalized, issue, change, selectors.rules_for_project(project, fresh=True), now=now)
    kind = "new" if change.new else "regression" if change.regressed else "existing"
    return DryRunResult(
        issue_id=issue.pk,
        change=kind,
        decisions=[
            {
                "rule_id": d.rule.pk,
                "rule": d.rule.name,
                "channel_id": d.channel.pk,
                "channel": d.channel.name,
                "kind": d.channel.kind,
                "reason": d.reason,
            }
            for d in decisions
        ],
    )


#: how far back the rule preview looks, and how many of the most recent issues it examines
PREVIEW_WINDOW = timedelta(days=7)
PREVIEW_MAX_ISSUES = 100
#: triggers the preview cannot replay from stored history (live counts, or no issue at all)
UNSIMULATED_TRIGGERS = ("frequency", "spike", "inbox_sla", *Rule.SYSTEM_TRIGGERS)


@dataclass
class PreviewMatch:
    issue: Issue
    reason: str


@dataclass
class RulePreview:
    """What ``rule_preview`` found: the issues the rule would have fired on, and its bounds."""

    since: datetime
    examined: int
    matches: list[PreviewMatch] = field(default_factory=list)
    truncated: bool = False  # more recent issues than PREVIEW_MAX_ISSUES: only the newest were examined
    unsimulated: list[str] = field(default_factory=list)


def _window_changes(issues: list[Issue], since: datetime) -> dict[int, IssueChange]:
    """What happened to each issue since ``since``, as the digest step reports it live:
    opened (new), regressed, snooze ended (from the activity log)."""
    happened: dict[int, set[str]] = defaultdict(set)
    for issue_id, kind in Activity.objects.filter(
        issue__in=issues, created_at__gte=since, kind__in=("regressed", "snooze_ended")
    ).values_list("issue_id", "kind"):
        happened[issue_id].add(kind)
    return {
        issue.pk: IssueChange(
            issue_id=issue.pk,
            events=1,
            new=issue.first_seen >= since,
            regressed="regressed" in happened[issue.pk],
            snooze_ended="snooze_ended" in happened[issue.pk],
        )
        for issue in issues
    }


def _latest_event(issue: Issue) -> dict[str, Any]:
    """The issue's latest stored event (filters on release and tags read it); {} when none is kept.
    ``EventStoreUnavailable`` propagates: a preview without events would be wrong, not partial."""
    events = get_event_store().list_for_issue(issue.pk, limit=1).events
    return events[0] if events else {}


def rule_preview(*, rule: Rule, projects: Iterable[Project], now: datetime | None = None) -> RulePreview:
    """Which of the recent issues of ``projects`` (last seen within ``PREVIEW_WINDOW``, newest
    ``PREVIEW_MAX_ISSUES``) ``rule`` (unsaved: the form's values) would have fired on, decided by
    ``alerts.routing.rule_fires`` — the same filters and triggers the alert path runs — on each
    issue's latest event. Frequency, spike, inbox-SLA and system triggers are not replayed."""
    now = now or datetime.now(UTC)
    since = now - PREVIEW_WINDOW
    recent = (
        Issue.objects.filter(project__in=list(projects), last_seen__gte=since, merged_into__isnull=True)
        .select_related("project")
        .order_by("-last_seen", "-pk")
    )
    issues = list(recent[: PREVIEW_MAX_ISSUES + 1])
    preview = RulePreview(
        since=since,
        examined=min(len(issues), PREVIEW_MAX_ISSUES),
        truncated=len(issues) > PREVIEW_MAX_ISSUES,
        unsimulated=[t for t in rule.triggers if t in UNSIMULATED_TRIGGERS],
    )
    issues = issues[:PREVIEW_MAX_ISSUES]
    changes = _window_changes(issues, since)
    for issue in issues:
        reason = rule_fires(rule, _latest_event(issue), issue, changes[issue.pk], None, now)
        if reason:
            preview.matches.append(PreviewMatch(issue=issue, reason=reason))
    return preview
