"""One transport per channel kind behind one small interface (the registry from kind
to class is ``alerts.registry``: the transports import this base, the registry imports them).

``Transport(channel).notify(delivery)`` sends one delivery and returns what the
remote side answered; a failure raises ``TransportError`` saying whether it is
permanent (the channel gets disabled) and, for rate limits, when to retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alerts.models import Channel, Delivery


class TransportError(Exception):
    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None, response: str = ""
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.response = response


@dataclass
class NotifyResult:
    response: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. slack ts/channel


class Transport:
    kind = ""
    paced = False  # one message per second per channel

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def notify(self, delivery: Delivery) -> NotifyResult:
        raise NotImplementedError

    def issue_changed(self, delivery: Delivery) -> None:
        """Update an earlier message after the issue changed state (Slack only)."""


def http_status_error(status: int, body: str, retry_after: str | None = None) -> TransportError:
    """3xx (redirects are never followed) and 4xx (except 408/429) are permanent: the URL or
    secret is wrong; 5xx/429 is temporary."""
    after = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
    permanent = 300 <= status < 500 and status not in (408, 429)
    return TransportError(f"HTTP {status}: {body[:200]}", permanent=permanent, retry_after=after, response=body)
