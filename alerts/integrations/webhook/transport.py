"""Generic webhook: a JSON POST signed with HMAC-SHA256 over ``<timestamp>.<body>``.

Headers: ``X-ErrorHub-Timestamp`` and ``X-ErrorHub-Signature: sha256=<hex>``;
the receiver recomputes the HMAC with the channel's secret and compares.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings

from alerts import http
from alerts.models import Delivery
from alerts.transports import NotifyResult, Transport, TransportError, http_status_error


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_body(delivery: Delivery) -> dict:
    body = {"reason": delivery.reason, "delivery_id": delivery.pk, "payload": delivery.payload}
    issue = delivery.issue
    if issue is not None:
        body["issue"] = {
            "id": issue.pk,
            "short_id": issue.short_code,
            "title": issue.title,
            "culprit": issue.culprit,
            "level": issue.level,
            "status": issue.lifecycle,
            "project": issue.project.slug,
            "times_seen": issue.times_seen,
            "first_seen": issue.first_seen.isoformat(),
            "last_seen": issue.last_seen.isoformat(),
            "url": f"{settings.BASE_URL}/issues/{issue.pk}/",
        }
    return body


class WebhookTransport(Transport):
    kind = "webhook"

    def notify(self, delivery: Delivery) -> NotifyResult:
        data = json.dumps(webhook_body(delivery), sort_keys=True).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ErrorHub-Webhook/1",
            "X-ErrorHub-Timestamp": stamp,
            "X-ErrorHub-Signature": sign(self.channel.config.get("secret", ""), stamp, data),
        }
        try:
            resp = http.post(self.channel.config.get("url", ""), data=data, headers=headers)
        except http.OutboundError as exc:
            raise TransportError(str(exc), permanent=exc.permanent) from exc
        if not 200 <= resp.status < 300:
            raise http_status_error(resp.status, resp.text, resp.headers.get("Retry-After"))
        return NotifyResult(response=f"{resp.status} {resp.text[:500]}")
