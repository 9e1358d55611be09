"""What Slack buttons, modals and the /errorhub command do: every change goes through
the lifecycle services with ``actor="slack:<user id>"``, as the matching ErrorHub user."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from alerts.integrations.slack import blocks
from alerts.integrations.slack.transport import call_slack
from alerts.transports import TransportError
from errorhub import selectors
from errorhub.models import Issue
from errorhub.services import issues as lifecycle


class SlackActionError(Exception):
    """Shown to the clicking user as an ephemeral message."""


def django_user_for_slack(slack_user_id: str) -> Any:
    """The active ErrorHub user whose email is the Slack user's email."""
    try:
        info = call_slack("users.info", timeout=2, user=slack_user_id)
    except TransportError as exc:
        raise SlackActionError(f"could not look up your Slack profile: {exc}") from exc
    email = ((info.get("user") or {}).get("profile") or {}).get("email", "")
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is None:
        raise SlackActionError(f"no ErrorHub account has the email {email or '(hidden)'}; "
                               "ask an admin to add it, or use the dashboard")
    return user


def _issue(user: Any, ref: str) -> Issue:
    ref = ref.strip()
    match = re.fullmatch(r"([A-Za-z0-9_-]+)-(\d+)", ref)
    qs = selectors.issues_for_user(user)
    issue = (qs.filter(project__slug__iexact=match[1], short_id=int(match[2])).first() if match
             else qs.filter(pk=int(ref)).first() if ref.isdigit() else None)
    if issue is None:
        raise SlackActionError(f"no issue {ref} that you can see")
    return issue


def handle_block_action(slack_user_id: str, action: dict[str, Any], trigger_id: str) -> str:
    """A button press; returns a short confirmation (the message itself is updated by the signal)."""
    action_id = action.get("action_id", "")
    if action_id == "issue_open":
        return ""
    user = django_user_for_slack(slack_user_id)
    issue = _issue(user, action.get("value", ""))
    actor = f"slack:{slack_user_id}"
    try:
        if action_id == "issue_ack":
            lifecycle.issue_acknowledge(issue=issue, user=user, actor=actor)
            return f"{issue.short_code} acknowledged; it is yours."
        if action_id == "issue_resolve":
            lifecycle.issue_resolve(issue=issue, user=user, actor=actor)
            return f"{issue.short_code} resolved."
        if action_id == "issue_snooze":
            call_slack("views.open", timeout=2, trigger_id=trigger_id, view=blocks.snooze_modal(issue))
            return ""
    except lifecycle.LifecycleError as exc:
        raise SlackActionError(str(exc)) from exc
    except TransportError as exc:
        raise SlackActionError(f"Slack did not open the dialog: {exc}") from exc
    raise SlackActionError(f"unknown action {action_id}")


def handle_snooze_submission(slack_user_id: str, view: dict[str, Any]) -> dict[str, str]:
    """The snooze modal was submitted: {} on success, else {block_id: error} for Slack to show."""
    values = (view.get("state") or {}).get("values") or {}
    reason = ((values.get("reason") or {}).get("value") or {}).get("value") or ""
    hours_text = ((values.get("hours") or {}).get("value") or {}).get("value") or ""
    if not hours_text.isdigit() or int(hours_text) < 1:
        return {"hours": "enter a whole number of hours, at least 1"}
    user = django_user_for_slack(slack_user_id)
    issue = _issue(user, view.get("private_metadata", ""))
    try:
        lifecycle.issue_snooze(issue=issue, user=user, reason=reason,
                               until=timezone.now() + timedelta(hours=int(hours_text)),
                               actor=f"slack:{slack_user_id}")
    except lifecycle.LifecycleError as exc:
        return {"reason": str(exc)}
    return {}


def handle_command(slack_user_id: str, text: str) -> str:
    """``/errorhub inbox | resolve <id> | ack <id>``."""
    words = text.split()
    verb = words[0].lower() if words else "help"
    if verb not in ("inbox", "resolve", "ack"):
        return "Usage: `/errorhub inbox`, `/errorhub resolve <id>`, `/errorhub ack <id>` (id: 123 or SHOP-12)"
    user = django_user_for_slack(slack_user_id)
    if verb == "inbox":
        issues = list(selectors.inbox_for_user(user).order_by("-last_seen")[:10])
        if not issues:
            return "Inbox zero. :tada:"
        lines = [f"• <{blocks.issue_url(i)}|{i.short_code}> {i.title[:80]} ({i.times_seen} events)" for i in issues]
        total = selectors.inbox_for_user(user).count()
        return f"*{total} issue(s) in your inbox*\n" + "\n".join(lines)
    if len(words) < 2:
        raise SlackActionError(f"`/errorhub {verb} <id>`: which issue?")
    issue = _issue(user, words[1])
    actor = f"slack:{slack_user_id}"
    try:
        if verb == "resolve":
            lifecycle.issue_resolve(issue=issue, user=user, actor=actor)
            return f"{issue.short_code} resolved."
        lifecycle.issue_acknowledge(issue=issue, user=user, actor=actor)
        return f"{issue.short_code} acknowledged; it is yours."
    except lifecycle.LifecycleError as exc:
        raise SlackActionError(str(exc)) from exc
