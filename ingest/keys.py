"""DSN key lookup for the ingest path, cached briefly in-process.

A key is looked up on every request; caching it for a few seconds removes a
database round trip from the hot path, and a disabled key stops working
within that time.
"""

from __future__ import annotations

import time

from django.db import DatabaseError

from errorhub.accounts.models import Project, ProjectKey
from ingest.protocol.sentry_auth import AuthInfo
from ingest.protocol.errors import ClientError

_TTL = 5.0
_STALE_IF_ERROR = 3600.0
_cache: dict[str, tuple[float, ProjectKey | None]] = {}


class KeyRefused(ClientError):
    """The key is unknown, disabled or for another project (401/403/404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status=status)


def _lookup(public_key: str) -> ProjectKey | None:
    hit = _cache.get(public_key)
    now = time.monotonic()
    if hit and now - hit[0] < _TTL:
        return hit[1]
    try:
        key = ProjectKey.objects.select_related("project").filter(public_key=public_key).first()
    except DatabaseError:
        # the database is down: a key seen within the stale window keeps working,
        # so events are still queued (processing retries until it is back)
        if hit and now - hit[0] < _STALE_IF_ERROR:
            return hit[1]
        raise
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[public_key] = (now, key)
    return key


def authenticate(auth: AuthInfo, project_id: int) -> ProjectKey:
    key = _lookup(auth.public_key)
    if key is None:
        if not Project.objects.filter(pk=project_id).exists():
            raise KeyRefused(404, f"unknown project {project_id}")
        raise KeyRefused(401, "unknown sentry_key: no such DSN key")
    if not key.is_active:
        raise KeyRefused(403, "this DSN key is disabled")
    if key.project_id != project_id or (auth.project_id_from_dsn not in (None, project_id)):
        raise KeyRefused(403, f"this DSN key belongs to another project, not {project_id}")
    return key
