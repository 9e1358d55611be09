"""What Slack buttons, modals and the /errorhub command do: each is parsed into one typed
action for ``issue_apply_action`` with ``actor="slack:<user id>"``, as the matching ErrorHub
user — one who is a member of the issue's organisation and can see the issue."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from alerts.integrations.slack import blocks
from alerts.integrations.slack.payloads import BlockAction, Interaction, snooze_hours
from alerts.integrations.slack.transport import call_slack
from alerts.transports import TransportError
from errorhub.accounts import selectors
from errorhub.issues import selectors as issue_selectors
from errorhub.issues.actions import Acknowledge, IssueAction, Resolve, Snooze
from errorhub.issues.models import Issue
from errorhub.issues.services import MAX_SNOOZE_HOURS, issue_apply_action
from ingest.protocol.errors import ClientError


class SlackActionError(Exception):
    """Shown to the clicking user as an ephemeral message (its text is escaped there)."""


def _slack_email(slack_user_id: str) -> str:
    try:
        info = call_slack("users.info", timeout=2, user=slack_user_id)
    except TransportError as exc:
        raise SlackActionError(f"could not look up your Slack profile: {exc}") from exc
    profile = (info.get("user") or {}).get("profile") if isinstance(info.get("user"), dict) else None
    email = profile.get("email", "") if isinstance(profile, dict) else ""
    return email if isinstance(email, str) else ""


def accounts_for_slack(slack_user_id: str) -> list[Any]:
    """The active ErrorHub users whose email is the Slack user's email (usually one)."""
    email = _slack_email(slack_user_id)
    users = list(get_user_model().objects.filter(email__iexact=email, is_active=True).order_by("pk")) if email else []
    if not users:
        raise SlackActionError(
            f"no ErrorHub account has the email {email or '(hidden)'}; ask an admin to add it, or use the dashboard"
        )
    return users


def django_user_for_slack(slack_user_id: str) -> Any:
    """The first active ErrorHub user whose email is the Slack user's email."""
    return accounts_for_slack(slack_user_id)[0]


def _visible_issue(user: Any, ref: str) -> Issue | None:
    ref = ref.strip()
    match = re.fullmatch(r"([A-Za-z0-9_-]+)-(\d{1,18})", ref)
    qs = issue_selectors.issues_for_user(user)
    if match:
        return qs.filter(project__slug__iexact=match[1], short_id=int(match[2])).first()
    return qs.filter(pk=int(ref)).first() if ref.isascii() and ref.isdigit() and len(ref) <= 18 else None


def _is_member(user: Any, issue: Issue) -> bool:
    return selectors.is_member(user, issue.project.organization)


def actor_and_issue(slack_user_id: str, ref: str) -> tuple[Any, Issue]:
    """The Slack user's ErrorHub account that may act on issue ``ref`` — it sees the issue and
    is a member of the issue's organisation — and the issue. Otherwise the same answer whether
    the issue does not exist or belongs to someone else."""
    for user in accounts_for_slack(slack_user_id):
        issue = _visible_issue(user, ref)
        if issue is not None and _is_member(user, issue):
            return user, issue
    raise SlackActionError(f"no issue {ref.strip()[:40]} that you can see")


#: the buttons that change an issue, and the confirmation each answers with
_BUTTONS: dict[str, tuple[IssueAction, str]] = {
    "issue_ack": (Acknowledge(), "{code} acknowledged; it is yours."),
    "issue_resolve": (Resolve(), "{code} resolved."),
}
#: the /errorhub verbs that change an issue
_VERBS = {"ack": "issue_ack", "resolve": "issue_resolve"}


def _apply(slack_user_id: str, ref: str, button: str) -> str:
    """Apply a button's action to issue ``ref`` as the Slack user; the confirmation, unescaped."""
    action, done = _BUTTONS[button]
    user, issue = actor_and_issue(slack_user_id, ref)
    try:
        issue_apply_action(issue, action, user=user, actor=f"slack:{slack_user_id}")
    except ClientError as exc:
        raise SlackActionError(exc.message) from exc
    return done.format(code=issue.short_code)


def handle_block_action(slack_user_id: str, action: BlockAction, trigger_id: str) -> str:
    """A button press; returns a short confirmation (the message itself is updated by the signal)."""
    if action.action_id == "issue_open":
        return ""
    if action.action_id in _BUTTONS:
        return _apply(slack_user_id, action.value, action.action_id)
    if action.action_id != "issue_snooze":
        raise SlackActionError(f"unknown action {action.action_id[:40]}")
    _, issue = actor_and_issue(slack_user_id, action.value)
    try:
        call_slack("views.open", timeout=2, trigger_id=trigger_id, view=blocks.snooze_modal(issue))
    except TransportError as exc:
        raise SlackActionError(f"Slack did not open the dialog: {exc}") from exc
    return ""


def handle_snooze_submission(interaction: Interaction) -> dict[str, str]:
    """The snooze modal was submitted: {} on success, else {block_id: error} for Slack to show."""
    hours = snooze_hours(interaction.hours_text)
    if hours is None or hours > MAX_SNOOZE_HOURS:
        return {"hours": f"enter a whole number of hours from 1 to {MAX_SNOOZE_HOURS}"}
    if len(interaction.reason) > 500:
        return {"reason": "keep the reason under 500 characters"}
    user, issue = actor_and_issue(interaction.slack_user, interaction.issue_ref)
    action = Snooze(reason=interaction.reason, until=timezone.now() + timedelta(hours=hours))
    try:
        issue_apply_action(issue, action, user=user, actor=f"slack:{interaction.slack_user}")
    except ClientError as exc:
        return {"reason": blocks.escape(exc)}
    return {}


def handle_command(slack_user_id: str, text: str) -> str:
    """``/errorhub inbox | resolve <id> | ack <id>``; the answer is Slack mrkdwn, escaped."""
    words = text.split()
    verb = words[0].lower() if words else "help"
    if verb != "inbox" and verb not in _VERBS:
        return "Usage: `/errorhub inbox`, `/errorhub resolve <id>`, `/errorhub ack <id>` (id: 123 or SHOP-12)"
    if verb == "inbox":
        return _inbox_text(django_user_for_slack(slack_user_id))
    if len(words) < 2:
        raise SlackActionError(f"`/errorhub {verb} <id>`: which issue?")
    return blocks.escape(_apply(slack_user_id, words[1], _VERBS[verb]))


def _inbox_text(user: Any) -> str:
    issues = list(issue_selectors.inbox_for_user(user).order_by("-last_seen")[:10])
    if not issues:
        return "Inbox zero. :tada:"
    lines = [
        f"• {blocks.link(blocks.issue_url(i), i.short_code)} {blocks.escape(i.title[:80])} ({i.times_seen} events)"
        for i in issues
    ]
    total = issue_selectors.inbox_for_user(user).count()
    return f"*{total} issue(s) in your inbox*\n" + "\n".join(lines)
