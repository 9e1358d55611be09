"""The registry from channel kind to transport class (the base is ``alerts.transports``)."""

from __future__ import annotations

from alerts.integrations.email.transport import EmailTransport
from alerts.integrations.slack.transport import SlackTransport
from alerts.integrations.slack_webhook.transport import SlackWebhookTransport
from alerts.integrations.webhook.transport import WebhookTransport
from alerts.models import Channel
from alerts.transports import Transport, TransportError

TRANSPORTS: dict[str, type[Transport]] = {
    "slack": SlackTransport,
    "slack_webhook": SlackWebhookTransport,
    "email": EmailTransport,
    "webhook": WebhookTransport,
}


def get_transport(channel: Channel) -> Transport:
    """The transport for ``channel``'s kind; a kind without one is a permanent failure."""
    if channel.kind not in TRANSPORTS:  # a row written by another version: its deliveries fail, never hang
        raise TransportError(f"no transport for channel kind {channel.kind!r}", permanent=True)
    return TRANSPORTS[channel.kind](channel)
