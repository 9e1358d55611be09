"""Block Kit for an issue alert: what a user sees in Slack, with the lifecycle buttons."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from errorhub.issues.models import Issue

LEVEL_EMOJI = {
    "fatal": ":red_circle:",
    "error": ":large_orange_circle:",
    "warning": ":large_yellow_circle:",
    "info": ":large_blue_circle:",
    "debug": ":white_circle:",
}
REASONS = {
    "new_issue": "New issue",
    "regression": "Regressed",
    "snooze_ended": "Snooze ended",
    "frequency": "Frequent",
    "spike": "Spike",
    "inbox_sla": "Untriaged too long",
}


def escape(text: object) -> str:
    """Event data as inert Slack mrkdwn: Slack's own escaping (``&``, ``<``, ``>``), so an
    exception value, environment or release cannot post ``<!channel>``, ``<@U…>`` or a link."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_label(text: object) -> str:
    """Escaped text for the label of ``<url|label>``: a ``|`` is shown as ``¦`` so the label
    cannot start a second field of the link."""
    return escape(text).replace("|", "\u00a6")


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object for text that carries event data. ``verbatim``: Slack renders only
    the markup written here (our links, dates, the rule's mention) and does not turn bare URLs,
    ``#channel`` names or ``@names`` in the event text into links or mentions."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def link(url: str, label: object) -> str:
    return f"<{url}|{link_label(label)}>"


def issue_url(issue: Issue) -> str:
    return f"{settings.BASE_URL}/issues/{issue.pk}/"


def _state_line(issue: Issue, assignee_mention: str = "") -> str:
    state = issue.lifecycle.capitalize()
    if issue.lifecycle == "acknowledged" and (assignee_mention or issue.assignee_id):
        state += f" by {assignee_mention or escape(issue.assignee.get_username())}"
    if issue.lifecycle == "snoozed":
        state += f" ({escape(issue.snooze_reason)})"
    return state


def issue_blocks(
    issue: Issue, payload: dict[str, Any], *, mention: str = "", assignee_mention: str = "", buttons: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for the first message about an issue, or its update.
    Every value from an event or a user is escaped; only ``mention`` (a rule's Slack user or
    group id, set by an admin) and ``assignee_mention`` (from Slack itself) are mrkdwn."""
    reason = escape(REASONS.get(payload.get("reason", ""), payload.get("reason", "")))
    emoji = LEVEL_EMOJI.get(issue.level, ":white_circle:")
    title = issue.title[:150]
    text = f"{reason}: {escape(issue.short_code)} {escape(title)}"
    header = f"{emoji} *{link(issue_url(issue), f'{issue.short_code}: {title}')}*"
    if mention:
        header = f"<{'!subteam^' + mention if mention.startswith('S') else '@' + mention}> " + header
    fields = [
        f"*Project*\n{escape(issue.project.slug)}",
        f"*Level*\n{escape(issue.level)}",
        f"*Environment*\n{escape(payload.get('environment') or issue.environment or '—')}",
        f"*Release*\n{escape(payload.get('release') or issue.last_release or '—')}",
        f"*Events*\n{issue.times_seen} ({issue.users_seen} users)",
        f"*State*\n{_state_line(issue, assignee_mention)}",
        f"*First seen*\n<!date^{int(issue.first_seen.timestamp())}^{{date_short_pretty}} {{time}}"
        f"|{issue.first_seen:%Y-%m-%d %H:%M} UTC>",
        f"*Last seen*\n<!date^{int(issue.last_seen.timestamp())}^{{date_short_pretty}} {{time}}"
        f"|{issue.last_seen:%Y-%m-%d %H:%M} UTC>",
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(f"*{reason}* {header}")},
        {"type": "section", "fields": [mrkdwn(f) for f in fields]},
    ]
    if issue.culprit:
        blocks.append({"type": "context", "elements": [mrkdwn(f"`{escape(issue.culprit[:200])}`")]})
    actions: list[dict[str, Any]] = []
    if buttons and issue.lifecycle not in ("resolved", "fixed"):
        if issue.lifecycle != "acknowledged":
            actions.append(_button("Acknowledge", "issue_ack", issue, style="primary"))
        actions += [_button("Resolve", "issue_resolve", issue), _button("Snooze…", "issue_snooze", issue)]
    actions.append(
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open"},
            "action_id": "issue_open",
            "url": issue_url(issue),
            "value": str(issue.pk),
        }
    )
    blocks.append({"type": "actions", "block_id": f"issue:{issue.pk}", "elements": actions})
    return text, blocks


def _button(label: str, action_id: str, issue: Issue, style: str = "") -> dict[str, Any]:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": str(issue.pk),
    }
    if style:
        button["style"] = style
    return button


def reply_text(issue: Issue, payload: dict[str, Any]) -> str:
    reason = REASONS.get(payload.get("reason", ""), payload.get("reason", ""))
    return escape(
        f"{reason}: {payload.get('events', 0)} more event(s) in {payload.get('environment') or '—'} "
        f"(release {payload.get('release') or '—'}); {issue.times_seen} in total."
    )


def text_blocks(text: str) -> list[dict[str, Any]]:
    """A text-only message (thread reply, system alert) as one verbatim section, so its event
    text is not auto-linked either; the message's ``text`` stays as the notification fallback."""
    return [{"type": "section", "text": mrkdwn(text[:3000])}]  # Slack's limit for a section's text


# chat.postMessage and incoming-webhook arguments: no link or media previews of event text
NO_UNFURL: dict[str, bool] = {"unfurl_links": False, "unfurl_media": False}


def system_text(payload: dict[str, Any]) -> str:
    return (
        f":rotating_light: *ErrorHub system alert* — "
        f"{escape(payload.get('reason'))}: {escape(payload.get('detail', ''))}"
    )


def snooze_modal(issue: Issue) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "issue_snooze",
        "private_metadata": str(issue.pk),
        "title": {"type": "plain_text", "text": "Snooze issue"},
        "submit": {"type": "plain_text", "text": "Snooze"},
        "blocks": [
            {"type": "section", "text": mrkdwn(f"*{escape(issue.short_code)}*: {escape(issue.title[:200])}")},
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why snooze?"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "hours",
                "label": {"type": "plain_text", "text": "For how many hours?"},
                "element": {
                    "type": "number_input",
                    "is_decimal_allowed": False,
                    "action_id": "value",
                    "initial_value": "24",
                    "min_value": "1",
                },
            },
        ],
    }
