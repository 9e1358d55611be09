"""ErrorHub reports its own unhandled exceptions with sentry-sdk.

The self DSN may point at ErrorHub itself. Two guards keep an ingest failure
from feeding itself: work done on behalf of the self-monitoring project runs
inside ``suppressed()`` (nothing it raises is reported), and reports are capped
per minute so no other path can turn into a storm.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator
from typing import Any

_suppress: contextvars.ContextVar[bool] = contextvars.ContextVar("errorhub_self_suppress", default=False)
_MAX_PER_MINUTE = 60
_window = {"start": 0.0, "count": 0}
_lock = threading.Lock()
self_public_key: str | None = None


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Run a block whose exceptions must not be reported to the self DSN."""
    token = _suppress.set(True)
    try:
        yield
    finally:
        _suppress.reset(token)


def _within_budget() -> bool:
    now = time.monotonic()
    with _lock:
        if now - _window["start"] > 60:
            _window["start"], _window["count"] = now, 0
        _window["count"] += 1
        return _window["count"] <= _MAX_PER_MINUTE


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    if _suppress.get() or not _within_budget():
        return None
    return event


def init_self_monitoring(dsn: str) -> None:
    """Start sentry-sdk when a self DSN is configured; a no-op otherwise."""
    global self_public_key
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.utils import Dsn

    self_public_key = Dsn(dsn).public_key
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=before_send,
        send_default_pii=False,
        traces_sample_rate=0,
    )
