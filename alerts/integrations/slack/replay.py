"""Replay protection for Slack's signed requests: each (timestamp, body) is acted on once.

Slack's signature stays valid for five minutes, so anyone who sees one request (a proxy
log, a browser extension) could send it again within that window and have the action
applied twice. The first request claims its digest in the database; a replay's claim fails
on the unique key.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import SlackRequestSeen

# Slack's window is 5 minutes either side of the timestamp; keep digests a little longer
REMEMBER = timedelta(minutes=11)


def slack_request_digest(timestamp: str, body: bytes) -> str:
    """What Slack signs, hashed: the same request always has the same digest."""
    return hashlib.sha256(b"v0:" + timestamp.encode() + b":" + body).hexdigest()


def slack_request_claim(*, digest: str) -> bool:
    """True the first time ``digest`` is claimed; False for a replay. Prunes expired digests."""
    now = timezone.now()
    SlackRequestSeen.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():  # a savepoint: PostgreSQL's transaction survives the conflict
            SlackRequestSeen.objects.create(digest=digest, expires_at=now + REMEMBER)
    except IntegrityError:
        return False
    return True
