"""Login throttling: limit password guessing without letting anyone lock others out.

Failures are counted per username and per client address, ``LOGIN_FAILURE_LIMIT`` (5)
within ``LOGIN_FAILURE_WINDOW`` seconds (15 minutes); a counter is locked until the
oldest of those failures leaves the window. The two scopes act differently:

- **Username locked**: no password is checked for that username, not even the right one
  (answered 429). This is the bound on guessing one account: 5 guesses per 15 minutes,
  from however many addresses.
- **Address locked**: the password is still checked. A right password logs in; a wrong
  one is answered with the lock-out (429, ``Retry-After``) instead of "wrong password",
  and still counts against its username. Many users share one address (an office NAT,
  a carrier-grade NAT, or every user when the proxy's address is all the server sees),
  so an address-wide refusal of right passwords let five bad guesses lock every user out.

The client address is ``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT`` = n the n-th
address from the right of ``X-Forwarded-For`` (each trusted proxy appends its peer; what
stands left of that was sent by the client and can be forged). An IPv6 address counts
by its /64: one subscriber gets a whole /64 and could rotate through it.

Failures are rows of ``LoginFailure`` in the database, so the count holds across
every web process (the default cache is per process on the embedded setup).
The login page (``errorhub.accounts.login``) applies both scopes and answers 429 saying
when to try again; ``ThrottledModelBackend`` applies the username scope to every other
caller of ``authenticate()`` (the admin's login, for one). See docs/security.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone

from errorhub.accounts.models import LoginFailure

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
    """The client's address: the peer, or behind ``TRUSTED_PROXY_COUNT`` proxies the address
    the outermost trusted proxy saw (counted from the right of X-Forwarded-For; entries
    further left are the client's own claims). A missing or malformed header falls back
    to the peer, which is then the proxy: never a value the client chose."""
    if request is None:
        return "unknown"
    peer = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",")] if forwarded.strip() else []
    if len(hops) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return peer


def address_key(ip: str) -> str:
    """What one address counts as: an IPv4 address itself, an IPv6 address its /64 (an
    IPv4-mapped one its IPv4 address); anything else (``unknown``) as it is."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def counters(username: str | None, ip: str) -> list[tuple[str, str]]:
    """The (scope, key hash) pairs one attempt counts against: its address (by
    ``address_key``) and its username, case-folded and stripped so ``Olivia`` and
    `` olivia`` share one count."""
    keys = [("ip", _hash(address_key(ip)))]
    key = _username_key(username)
    if key is not None:
        keys.append(key)
    return keys


def _username_key(username: str | None) -> tuple[str, str] | None:
    if username and username.strip():
        return "user", _hash(username.strip().casefold())
    return None


def _counter_locked_until(scope: str, key_hash: str) -> datetime | None:
    """When one counter's lock ends (the oldest failure that makes up the limit leaves the
    window), or None when it holds fewer than the limit."""
    recent = list(
        LoginFailure.objects.filter(scope=scope, key_hash=key_hash, at__gt=timezone.now() - _window())
        .order_by("-at")
        .values_list("at", flat=True)[: _limit()]
    )
    return recent[-1] + _window() if len(recent) >= _limit() else None


def username_locked_until(username: str | None) -> datetime | None:
    """When the lock on this username ends; while it lasts no password is checked for it."""
    key = _username_key(username)
    return _counter_locked_until(*key) if key is not None else None


def address_locked_until(ip: str) -> datetime | None:
    """When the lock on this address ends; while it lasts its wrong passwords get the lock-out."""
    return _counter_locked_until("ip", _hash(address_key(ip)))


def locked_until(username: str | None, ip: str) -> datetime | None:
    """The later end of the username's and the address's lock, or None when neither is locked."""
    ends = [t for t in (username_locked_until(username), address_locked_until(ip)) if t is not None]
    return max(ends) if ends else None


def is_locked_out(username: str | None, ip: str) -> bool:
    return locked_until(username, ip) is not None


def record_failure(username: str | None, ip: str) -> None:
    """Count one failed password check. Failures older than the window count for nothing, so
    they are dropped here (every key's): the table never holds more than one window's failures."""
    now = timezone.now()
    LoginFailure.objects.filter(at__lte=now - _window()).delete()
    LoginFailure.objects.bulk_create(
        [LoginFailure(scope=scope, key_hash=key_hash, at=now) for scope, key_hash in counters(username, ip)]
    )


def record_success(username: str) -> None:
    """A right password clears the username's count (the address's count stays: a
    sprayer who knows one password must not reset the count for the others)."""
    for scope, key_hash in counters(username, "unused"):
        if scope == "user":
            LoginFailure.objects.filter(scope=scope, key_hash=key_hash).delete()


class ThrottledModelBackend(ModelBackend):
    """``ModelBackend`` that stops checking passwords for a username after
    ``LOGIN_FAILURE_LIMIT`` failures in ``LOGIN_FAILURE_WINDOW``, and counts every failure
    against the username and the client address. A locked address does not stop the check
    here: a right password from it logs in (the login page answers its wrong ones with 429)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        ip = client_ip(request)
        if username_locked_until(username) is not None:
            logger.warning("login refused: too many failed attempts for user %r (from %s)", (username or "")[:150], ip)
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            record_failure(username, ip)
            logger.info("failed login for user %r from %s", (username or "")[:150], ip)
        elif user is not None and username:
            record_success(username)
        return user
