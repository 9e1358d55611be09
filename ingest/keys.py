"""DSN key lookup for the ingest path, cached briefly in-process.

A key is looked up on every request; caching it for a few seconds removes a
database round trip from the hot path, and a disabled key stops working
within that time.
"""

from __future__ import annotations

from django.db import DatabaseError

from errorhub.accounts.models import Project, ProjectKey
from errorhub.caching import MISSING, LockedTTLCache
from ingest.protocol.errors import ClientError
from ingest.protocol.sentry_auth import AuthInfo

_TTL = 5.0
_STALE_IF_ERROR = 3600.0
_MAX_KEYS = 10_000
# A key (or None: no such key) read within _TTL is used as is; one read within the
# stale window is the fallback while the database is down.
_fresh: LockedTTLCache[str, ProjectKey | None] = LockedTTLCache(ttl=_TTL, maxsize=_MAX_KEYS)
_stale: LockedTTLCache[str, ProjectKey | None] = LockedTTLCache(ttl=_STALE_IF_ERROR, maxsize=_MAX_KEYS)


class KeyRefused(ClientError):
    """The key is unknown, disabled or for another project (401/403/404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status=status)


def lookup_key(public_key: str) -> ProjectKey | None:
    """The DSN key with its project, or None when there is no such key (cached: see the module)."""
    hit = _fresh.get(public_key)
    if hit is not MISSING:
        return hit
    try:
        key = ProjectKey.objects.select_related("project").filter(public_key=public_key).first()
    except DatabaseError:
        # the database is down: a key seen within the stale window keeps working,
        # so events are still queued (processing retries until it is back)
        stale = _stale.get(public_key)
        if stale is not MISSING:
            return stale
        raise
    _fresh.set(public_key, key)
    _stale.set(public_key, key)
    return key


def clear_key_cache() -> None:
    """Forget every cached key (tests; a key change otherwise shows within ``_TTL``)."""
    _fresh.clear()
    _stale.clear()


def authenticate(auth: AuthInfo, project_id: int) -> ProjectKey:
    key = lookup_key(auth.public_key)
    if key is None:
        if not Project.objects.filter(pk=project_id).exists():
            raise KeyRefused(404, f"unknown project {project_id}")
        raise KeyRefused(401, "unknown sentry_key: no such DSN key")
    if not key.is_active:
        raise KeyRefused(403, "this DSN key is disabled")
    if key.project_id != project_id or (auth.project_id_from_dsn not in (None, project_id)):
        raise KeyRefused(403, f"this DSN key belongs to another project, not {project_id}")
    return key
