"""Dry run: which rules and channels would an event reach, and why — without sending."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alerts import selectors
from alerts.routing import route
from errorhub.accounts.models import Project
from errorhub.issues.digest import IssueChange, _issue_fields
from errorhub.issues.models import GroupHash, Issue
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
