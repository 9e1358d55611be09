"""Forged Slack requests (issue #24): every Slack door of the URL conf refuses a
forged, missing, stale or malformed signature with a 4xx (401), never a 500,
and acts on nothing. Signatures are Slack's real v0 HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from errorhub.issues.models import Activity
from tests.security.attack import every_url, make_org

pytestmark = pytest.mark.django_db
SECRET = "signing-secret-for-security-tests"


def sign(body: str, stamp: str, secret: str = SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()


def signed_at(body: str, stamp: str) -> dict[str, str]:
    """Headers with a correct signature over ``stamp``, whatever ``stamp`` is."""
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp, "HTTP_X_SLACK_SIGNATURE": sign(body, stamp)}


def forgeries(body: str) -> dict[str, dict[str, str]]:
    """Header sets an attacker might send, each of which must be refused."""
    now = str(int(time.time()))
    return {
        "wrong secret": {"HTTP_X_SLACK_REQUEST_TIMESTAMP": now, "HTTP_X_SLACK_SIGNATURE": sign(body, now, "guess")},
        "no headers": {},
        "no signature": {"HTTP_X_SLACK_REQUEST_TIMESTAMP": now},
        "no timestamp": {"HTTP_X_SLACK_SIGNATURE": sign(body, now)},
        "stale by 10 minutes": signed_at(body, str(int(now) - 600)),
        "10 minutes ahead": signed_at(body, str(int(now) + 600)),
        "non-numeric timestamp": signed_at(body, "soon"),
        "float timestamp": signed_at(body, f"{now}.5"),
        "huge timestamp": signed_at(body, "9" * 400),
        "empty timestamp": signed_at(body, ""),
        "signature of another body": {
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": now,
            "HTTP_X_SLACK_SIGNATURE": sign(body + "&x=1", now),
        },
        "v1 scheme": {"HTTP_X_SLACK_REQUEST_TIMESTAMP": now, "HTTP_X_SLACK_SIGNATURE": "v1=" + sign(body, now)[3:]},
        "not hex": {"HTTP_X_SLACK_REQUEST_TIMESTAMP": now, "HTTP_X_SLACK_SIGNATURE": "v0=" + "zz" * 32},
        "truncated": {"HTTP_X_SLACK_REQUEST_TIMESTAMP": now, "HTTP_X_SLACK_SIGNATURE": sign(body, now)[:20]},
    }


def test_every_slack_door_refuses_every_forgery(settings):
    settings.SLACK_SIGNING_SECRET = SECRET
    acme = make_org("acme", "Acme")
    doors = [t.path for t in every_url(acme) if t.path.startswith("/slack/") and "unsubscribe" not in t.path]
    assert doors, "no Slack door found in the URL conf"
    action = {
        "type": "block_actions",
        "user": {"id": "U0OWNER"},
        "trigger_id": "T.1",
        "actions": [{"action_id": "issue_resolve", "value": str(acme.issue.pk)}],
    }
    body = urlencode({"payload": json.dumps(action), "user_id": "U0OWNER", "text": f"resolve {acme.issue.pk}"})
    client = Client(raise_request_exception=False)
    wrong: list[str] = []
    for door in doors:
        for label, headers in forgeries(body).items():
            response = client.post(door, data=body, content_type="application/x-www-form-urlencoded", **headers)
            if response.status_code not in (401, 403):
                wrong.append(f"{door} {label} → {response.status_code}")
    assert not wrong, "forged Slack requests not refused:\n" + "\n".join(wrong)
    acme.issue.refresh_from_db()
    assert acme.issue.lifecycle == "new" and not Activity.objects.filter(issue=acme.issue, actor__startswith="slack")


def test_without_a_signing_secret_nothing_is_accepted(settings):
    settings.SLACK_SIGNING_SECRET = ""
    body = urlencode({"text": "inbox", "user_id": "U0OWNER"})
    now = str(int(time.time()))
    response = Client().post(
        "/slack/commands/",
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=now,
        HTTP_X_SLACK_SIGNATURE=sign(body, now, ""),
    )
    assert response.status_code == 401
