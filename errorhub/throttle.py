"""Login throttling: refuse password checks after too many recent failures.

An authentication backend wrapping Django's ``ModelBackend``. After
``LOGIN_FAILURE_LIMIT`` failed attempts for one username, or from one client
address, within ``LOGIN_FAILURE_WINDOW`` seconds, it refuses (returns None,
logs a warning) without checking the password at all, so a guessing attack
learns nothing more until the window ends. Counters live in Django's cache,
which is shared by every web process when Redis is configured.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = 15 * 60  # seconds


def _limit() -> int:
    return getattr(settings, "LOGIN_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT)


def _window() -> int:
    return getattr(settings, "LOGIN_FAILURE_WINDOW", LOGIN_FAILURE_WINDOW)


def _cache_key(kind: str, value: str) -> str:
    # Hashed: usernames are user input and cache backends restrict key characters.
    return f"login-failures:{kind}:{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()}"


def client_ip(request: HttpRequest | None) -> str:
    """The peer address. X-Forwarded-For is not trusted here: any client can set it."""
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def failure_keys(username: str | None, request: HttpRequest | None) -> list[str]:
    """The counters one attempt belongs to: its username (case-folded) and its client address."""
    keys = [_cache_key("ip", client_ip(request))]
    if username:
        keys.append(_cache_key("user", username.strip().casefold()))
    return keys


def is_locked_out(username: str | None, request: HttpRequest | None) -> bool:
    return any((cache.get(key) or 0) >= _limit() for key in failure_keys(username, request))


def record_failure(username: str | None, request: HttpRequest | None) -> None:
    for key in failure_keys(username, request):
        cache.add(key, 0, timeout=_window())  # the window starts at the first failure
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=_window())


class ThrottledModelBackend(ModelBackend):
    """``ModelBackend`` that stops checking passwords for a username or an address
    after 10 failures in 15 minutes."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get(self._username_field())
        if is_locked_out(username, request):
            logger.warning("login refused: too many failed attempts for user %r or from %s",
                           (username or "")[:150], client_ip(request))
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            record_failure(username, request)
            logger.info("failed login for user %r from %s", (username or "")[:150], client_ip(request))
        elif user is not None and username:
            cache.delete(_cache_key("user", username.strip().casefold()))
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
