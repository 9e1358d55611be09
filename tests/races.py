"""Staging real races on PostgreSQL: a second connection holds a row lock while the code
under test runs, and lets go only once that code is seen waiting for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, connections, transaction

from errorhub.issues.models import Issue


def wait_for_a_session_to_wait_on_a_lock(who: str, timeout: float = 30.0) -> None:
    """Return once some session of the test database waits on a lock (``pg_stat_activity``);
    fail naming ``who`` if none does within ``timeout`` seconds (a generous deadline, not a
    measurement)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"{who} never waited for the issue's row lock")


@contextmanager
def issue_row_held_elsewhere(issue_id: int, *, then: Callable[[], None], who: str) -> Iterator[None]:
    """While the block runs the code under test, another connection holds ``issue_id``'s row
    lock; once that code is seen waiting for the lock, ``then()`` runs there and commits.
    An error in the other thread fails the test after the block."""
    locked, failure = threading.Event(), []

    def hold_then_commit() -> None:
        try:
            with transaction.atomic():
                Issue.objects.select_for_update().get(pk=issue_id)
                locked.set()
                wait_for_a_session_to_wait_on_a_lock(who)
                then()
        except BaseException as exc:  # noqa: BLE001 (reported by the test's thread)
            failure.append(exc)
            locked.set()
        finally:
            connections.close_all()

    other = threading.Thread(target=hold_then_commit)
    other.start()
    assert locked.wait(30), "the other connection never took the lock"
    try:
        yield
    finally:
        other.join(30)
    assert not failure, failure
