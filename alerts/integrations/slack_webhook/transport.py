"""Slack incoming webhooks (no bot token): one message per alert, no threads or updates."""

from __future__ import annotations

import json

from alerts import http
from alerts.integrations.slack import blocks
from alerts.models import Delivery
from alerts.transports import NotifyResult, Transport, TransportError, http_status_error


class SlackWebhookTransport(Transport):
    kind = "slack_webhook"
    paced = True

    def notify(self, delivery: Delivery) -> NotifyResult:
        if delivery.issue is None:
            text = blocks.system_text(delivery.payload)
            body = {"text": text, "blocks": blocks.text_blocks(text), **blocks.NO_UNFURL}
        else:
            text, body_blocks = blocks.issue_blocks(delivery.issue, delivery.payload, buttons=False)
            body = {"text": text, "blocks": body_blocks, **blocks.NO_UNFURL}
        try:
            resp = http.post(
                self.channel.config.get("url", ""),
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
        except http.OutboundError as exc:
            raise TransportError(str(exc), permanent=exc.permanent) from exc
        if resp.status != 200:
            # Slack answers 404 no_service / 403 invalid_token / 410 channel_is_archived for dead webhooks
            raise http_status_error(resp.status, resp.text, resp.headers.get("Retry-After"))
        return NotifyResult(response=resp.text)
