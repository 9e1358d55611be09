"""Slack through the bot token (Web API): first alert per issue and channel is a
message with buttons; later alerts are thread replies; the first message is
updated when the issue changes state."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings

from alerts.integrations.slack import blocks
from alerts.models import Delivery, DeliveryStatus
from alerts.transports import NotifyResult, Transport, TransportError

if TYPE_CHECKING:
    from slack_sdk import WebClient

logger = logging.getLogger(__name__)

PERMANENT_ERRORS = {
    "channel_not_found",
    "invalid_auth",
    "not_in_channel",
    "account_inactive",
    "is_archived",
    "token_revoked",
    "not_authed",
    "missing_scope",
    "channel_is_archived",
}
MAX_THREAD_REPLIES = 20


def slack_client(timeout: float | None = None) -> WebClient:
    from slack_sdk import WebClient  # imported on first use: ~15 MiB the web processes never need

    # retry_handlers=[]: retries are ours (Celery + the delivery log), not hidden inside the client
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_BASE_URL,
        timeout=int(timeout or settings.OUTBOUND_TIMEOUT) or 1,
        retry_handlers=[],
    )


def call_slack(method: str, timeout: float | None = None, **kwargs) -> dict:
    """One Web API call, with Slack's failures turned into ``TransportError``."""
    if not settings.SLACK_BOT_TOKEN:
        raise TransportError("SLACK_BOT_TOKEN is not set", permanent=True)
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        return slack_client(timeout).api_call(method, json=kwargs).data
    except SlackApiError as exc:
        resp = exc.response
        error = (resp.data or {}).get("error", "") if isinstance(resp.data, dict) else ""
        if resp.status_code == 429:
            after = resp.headers.get("Retry-After") or resp.headers.get("retry-after") or "1"
            raise TransportError("rate limited (429)", retry_after=float(after), response=str(resp.data)) from exc
        raise TransportError(
            f"slack {method}: HTTP {resp.status_code} {error}"[:300],
            permanent=error in PERMANENT_ERRORS,
            response=str(resp.data)[:1000],
        ) from exc
    except (SlackClientError, OSError) as exc:  # timeouts, connection refused
        raise TransportError(f"slack {method}: {type(exc).__name__}: {exc}"[:300]) from exc


class SlackTransport(Transport):
    kind = "slack"
    paced = True

    def _root(self, delivery: Delivery) -> Delivery | None:
        """The first message about this issue in this channel (the thread root)."""
        return (
            Delivery.objects.filter(
                channel=self.channel, issue=delivery.issue, status=DeliveryStatus.SENT, slack_thread_ts=""
            )
            .exclude(slack_ts="")
            .exclude(pk=delivery.pk)
            .order_by("-sent_at")
            .first()
        )

    def notify(self, delivery: Delivery) -> NotifyResult:
        channel_id = self.channel.config.get("channel", "")
        payload = delivery.payload
        if delivery.issue is None:
            text = blocks.system_text(payload)
            data = call_slack(
                "chat.postMessage", channel=channel_id, text=text, blocks=blocks.text_blocks(text), **blocks.NO_UNFURL
            )
            return NotifyResult(
                response=data.get("ts", ""), extra={"slack_ts": data["ts"], "slack_channel": data.get("channel", "")}
            )
        root = self._root(delivery)
        replies = Delivery.objects.filter(channel=self.channel, slack_thread_ts=root.slack_ts).count() if root else 0
        if root and replies < MAX_THREAD_REPLIES:
            text = blocks.reply_text(delivery.issue, payload)
            data = call_slack(
                "chat.postMessage",
                channel=root.slack_channel or channel_id,
                thread_ts=root.slack_ts,
                text=text,
                blocks=blocks.text_blocks(text),
                **blocks.NO_UNFURL,
            )
            return NotifyResult(
                response=data.get("ts", ""),
                extra={
                    "slack_ts": data["ts"],
                    "slack_channel": data.get("channel", ""),
                    "slack_thread_ts": root.slack_ts,
                },
            )
        mention = delivery.rule.mention if delivery.rule else ""
        text, body = blocks.issue_blocks(delivery.issue, payload, mention=mention)
        data = call_slack("chat.postMessage", channel=channel_id, text=text, blocks=body, **blocks.NO_UNFURL)
        return NotifyResult(
            response=data.get("ts", ""), extra={"slack_ts": data["ts"], "slack_channel": data.get("channel", "")}
        )

    def issue_changed(self, delivery: Delivery) -> None:
        issue = delivery.issue
        mention = ""
        if issue.lifecycle == "acknowledged" and issue.assignee_id and issue.assignee.email:
            try:
                found = call_slack("users.lookupByEmail", email=issue.assignee.email)
                mention = f"<@{found['user']['id']}>"
            except TransportError:
                pass  # no Slack account for that email: show the username instead
        text, body = blocks.issue_blocks(issue, delivery.payload, assignee_mention=mention)
        call_slack("chat.update", channel=delivery.slack_channel, ts=delivery.slack_ts, text=text, blocks=body)
