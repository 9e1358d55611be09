"""Login throttling: refuse password checks after too many recent failures.

After ``LOGIN_FAILURE_LIMIT`` (5) failed attempts for one username, or from one
client address, within ``LOGIN_FAILURE_WINDOW`` seconds (15 minutes), no
password is checked until the oldest of those failures leaves the window: a
guessing attack learns nothing more, and even the right password is refused.

Failures are rows of ``LoginFailure`` in the database, so the count holds across
every web process (the default cache is per process on the embedded setup).
The login page (``errorhub.dashboard.login``) asks ``locked_until`` first and
answers 429 saying when to try again; ``ThrottledModelBackend`` applies the same
rule to every other caller of ``authenticate()`` (the admin's login, for one).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone

from errorhub.models import LoginFailure

logger = logging.getLogger(__name__)

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = 15 * 60  # seconds


def _limit() -> int:
    return getattr(settings, "LOGIN_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT)


def _window() -> timedelta:
    return timedelta(seconds=getattr(settings, "LOGIN_FAILURE_WINDOW", LOGIN_FAILURE_WINDOW))


def _hash(value: str) -> str:
    # Hashed: usernames are user input of any length and content.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    """The peer address. X-Forwarded-For is not trusted here: any client can set it."""
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def counters(username: str | None, ip: str) -> list[tuple[str, str]]:
    """The (scope, key hash) pairs one attempt counts against: its address and its
    username, case-folded and stripped so ``Olivia`` and `` olivia`` share one count."""
    keys = [("ip", _hash(ip))]
    if username and username.strip():
        keys.append(("user", _hash(username.strip().casefold())))
    return keys


def locked_until(username: str | None, ip: str) -> datetime | None:
    """When the lock-out on this username or address ends, or None when there is none.

    A counter is locked while it holds ``limit`` failures inside the window; the lock
    ends when the oldest failure that still makes up the limit leaves the window.
    """
    now = timezone.now()
    ends: list[datetime] = []
    for scope, key_hash in counters(username, ip):
        recent = list(LoginFailure.objects.filter(scope=scope, key_hash=key_hash, at__gt=now - _window())
                      .order_by("-at").values_list("at", flat=True)[:_limit()])
        if len(recent) >= _limit():
            ends.append(recent[-1] + _window())
    return max(ends) if ends else None


def is_locked_out(username: str | None, ip: str) -> bool:
    return locked_until(username, ip) is not None


def record_failure(username: str | None, ip: str) -> None:
    """Count one failed password check. Failures older than the window count for nothing, so
    they are dropped here (every key's): the table never holds more than one window's failures."""
    now = timezone.now()
    LoginFailure.objects.filter(at__lte=now - _window()).delete()
    LoginFailure.objects.bulk_create([LoginFailure(scope=scope, key_hash=key_hash, at=now)
                                      for scope, key_hash in counters(username, ip)])


def record_success(username: str) -> None:
    """A right password clears the username's count (the address's count stays: a
    sprayer who knows one password must not reset the count for the others)."""
    for scope, key_hash in counters(username, "unused"):
        if scope == "user":
            LoginFailure.objects.filter(scope=scope, key_hash=key_hash).delete()


class ThrottledModelBackend(ModelBackend):
    """``ModelBackend`` that stops checking passwords for a username or an address
    after ``LOGIN_FAILURE_LIMIT`` failures in ``LOGIN_FAILURE_WINDOW``."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        ip = client_ip(request)
        if is_locked_out(username, ip):
            logger.warning("login refused: too many failed attempts for user %r or from %s",
                           (username or "")[:150], ip)
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            record_failure(username, ip)
            logger.info("failed login for user %r from %s", (username or "")[:150], ip)
        elif user is not None and username:
            record_success(username)
        return user
