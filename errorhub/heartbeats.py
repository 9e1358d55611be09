"""Each Celery worker and beat records a heartbeat in the database (``ingest.heartbeats``).

- A worker: ``WorkerHeartbeat``, a bootstep of the worker that records at start, then
  every ``HEARTBEAT_SECONDS`` on the worker's own timer (the one Celery's event heartbeat
  uses), and marks the row stopped on a clean shutdown. It is independent of
  ``--without-heartbeat`` (that switch is about Celery's event messages, which ErrorHub
  does not enable).
- Beat: ``HeartbeatScheduler``, the persistent scheduler that records at most every
  ``HEARTBEAT_SECONDS`` from its own tick — so it is beat itself that is seen, whether it
  runs as ``--beat-thread``, ``--beat`` or ``celery beat``, not a task some worker ran.

A failed write (database away for a moment) is logged and retried at the next tick:
it must never stop the worker or the scheduler.

Root wiring, imported by ``errorhub.celery`` before Django is set up: the models are
imported when a process first records.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from celery import bootsteps
from celery.beat import PersistentScheduler
from django.db import DatabaseError, close_old_connections

logger = logging.getLogger(__name__)

#: how often a worker and beat record that they are alive (each row keeps the interval it used)
HEARTBEAT_SECONDS = 10


def _record(kind: str, hostname: str, queues: list[str]) -> None:
    """One heartbeat; a database error is logged, never raised into Celery's loop."""
    from ingest.heartbeats import heartbeat_record  # start-up: models load after Django's set-up

    close_old_connections()  # a connection broken since the last beat is replaced, not reused
    try:
        heartbeat_record(
            kind=kind, hostname=hostname, pid=os.getpid(), queues=queues, interval_seconds=HEARTBEAT_SECONDS
        )
    except DatabaseError as exc:
        logger.warning("could not record the %s heartbeat of %s: %s", kind, hostname, exc)


def _forget_gone_processes() -> None:
    """At a worker's start: drop the rows of processes silent for a week (renamed hosts)."""
    from ingest.heartbeats import heartbeats_forget  # start-up: models load after Django's set-up

    try:
        heartbeats_forget()
    except DatabaseError as exc:
        logger.warning("could not forget the heartbeats of processes gone for a week: %s", exc)


def _record_stopped(kind: str, hostname: str) -> None:
    from ingest.heartbeats import heartbeat_stopped  # start-up: models load after Django's set-up

    close_old_connections()
    try:
        heartbeat_stopped(kind=kind, hostname=hostname, pid=os.getpid())
    except DatabaseError as exc:
        logger.warning("could not record that the %s %s stopped: %s", kind, hostname, exc)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Worker bootstep: hostname, queues and pid in the database every ``HEARTBEAT_SECONDS``."""

    label = "ErrorHub heartbeat"
    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        self.tref: Any = None
        super().__init__(worker, **kwargs)

    def start(self, worker: Any) -> None:
        queues = sorted(worker.app.amqp.queues.consume_from or worker.app.amqp.queues)
        args = ("worker", worker.hostname, queues)
        _record(*args)
        _forget_gone_processes()
        self.tref = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, _record, args)

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        _record_stopped("worker", worker.hostname)

    shutdown = stop


def beat_hostname() -> str:
    """Beat's row: one per host (a second beat on the same host would send every task twice)."""
    return f"beat@{socket.gethostname()}"


class HeartbeatScheduler(PersistentScheduler):
    """Celery's persistent (shelve file) scheduler that also records beat's heartbeat."""

    _next_heartbeat = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Send what is due (Celery's tick), record the heartbeat when it is due, and
        wake up in time for the next one however far off the next task is."""
        delay = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now >= self._next_heartbeat:
            _record("beat", beat_hostname(), [])
            self._next_heartbeat = now + HEARTBEAT_SECONDS
        return min(delay, max(self._next_heartbeat - now, 0.0))

    def close(self) -> None:
        super().close()
        _record_stopped("beat", beat_hostname())
