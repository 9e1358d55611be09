"""Staging real races on PostgreSQL: a second connection holds a row lock while the code
under test runs, and lets go only once that code is seen waiting for it."""

from __future__ import annotations

import time

from django.db import connection


def wait_for_a_session_to_wait_on_a_lock(who: str, timeout: float = 30.0) -> None:
    """Return once some session of the test database waits on a lock (``pg_stat_activity``);
    fail naming ``who`` if none does within ``timeout`` seconds (a generous deadline, not a
    measurement)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"{who} never waited for the issue's row lock")
