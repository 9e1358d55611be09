"""Requests to ErrorHub's Slack doors signed the way Slack signs them (v0 HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

SECRET = "signing-secret-for-tests"  # the ``slack`` fixture's SLACK_SIGNING_SECRET


def signed_post(
    client: Any,
    path: str,
    body: str | bytes,
    *,
    stamp: str | None = None,
    secret: str = SECRET,
    content_type: str = "application/x-www-form-urlencoded",
) -> Any:
    """POST ``body`` as Slack would: ``X-Slack-Signature`` over ``v0:<timestamp>:<body>``."""
    raw = body.encode() if isinstance(body, str) else body
    ts = stamp if stamp is not None else str(int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return client.post(
        path, data=raw, content_type=content_type, HTTP_X_SLACK_REQUEST_TIMESTAMP=ts, HTTP_X_SLACK_SIGNATURE=sig
    )


def interaction(client: Any, payload: Any, **kwargs: Any) -> Any:
    """``POST /slack/interactions/`` with ``payload`` (JSON-encoded unless already a string)."""
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return signed_post(client, "/slack/interactions/", urlencode({"payload": raw}), **kwargs)


def command(client: Any, user_id: str, text: str, **kwargs: Any) -> Any:
    return signed_post(client, "/slack/commands/", urlencode({"user_id": user_id, "text": text}), **kwargs)


def button(client: Any, user: str, action_id: str, value: str, **kwargs: Any) -> Any:
    return interaction(
        client,
        {
            "type": "block_actions",
            "user": {"id": user},
            "trigger_id": "T.123",
            "actions": [{"action_id": action_id, "value": value}],
        },
        **kwargs,
    )


def snooze_submission(client: Any, user: str, issue_ref: str, reason: str, hours: str) -> Any:
    view = {
        "callback_id": "issue_snooze",
        "private_metadata": issue_ref,
        "state": {"values": {"reason": {"value": {"value": reason}}, "hours": {"value": {"value": hours}}}},
    }
    return interaction(client, {"type": "view_submission", "user": {"id": user}, "view": view})
