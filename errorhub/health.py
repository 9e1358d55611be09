"""``/healthz`` (process alive) and ``/readyz`` (database, broker, event store).

Root wiring, like ``errorhub.urls``: it may import the apps at module level (the
apps never import it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from errorhub.events.models import IndexOutbox
from errorhub.events.stores import get_event_store
from ingest.quotas import queue_depths


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def _check_broker() -> dict[str, Any]:
    if settings.CELERY_BROKER_URL.startswith("redis"):
        import redis  # start-up: only a Redis broker needs the client

        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    return {"queues": queue_depths()}


def _check_event_store() -> dict[str, Any]:
    backlog = IndexOutbox.objects.count()
    try:
        get_event_store().ping()
    except Exception as exc:  # keep the backlog visible while the engine is down
        raise RuntimeError(f"{exc} (outbox backlog: {backlog} events waiting)") from exc
    return {"backend": settings.EVENT_STORE, "outbox_backlog": backlog}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _check_database,
    "broker": _check_broker,
    "event_store": _check_event_store,
}


def readyz(request: HttpRequest) -> JsonResponse:
    results, ok = {}, True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail = check()
            results[name] = {"ok": True, **detail}
        except Exception as exc:  # any failure of a dependency means "not ready"
            ok = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": results}, status=200 if ok else 503)
