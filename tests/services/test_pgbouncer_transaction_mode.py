"""ErrorHub behind PgBouncer in transaction mode (``scripts/services.sh up pgbouncer``: 127.0.0.1:6433, pool_mode
transaction, server connections handed out round-robin).

Real processes whose DATABASE_URL is PgBouncer run the first-events race and the ingest -> digest -> issue list
-> API paths. With ``DATABASE_POOL_MODE=transaction`` they are correct; without it the issue list breaks on a
Django server-side cursor (``.iterator()``) that outlives its transaction, which is why the setting exists.
(psycopg 3's prepared statements would break too, but Django's backend binds parameters client-side and so
never prepares; the setting turns preparing off all the same, in case ``server_side_binding`` is switched on.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

from errorhub.issues.models import GroupHash, Issue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pgbouncer(transactional_db: None) -> Iterator[str]:
    """``postgres://...@<pgbouncer>/<the test database>``; afterwards PgBouncer drops its server connections to
    the test database (else DROP DATABASE at the end of the run finds it in use)."""
    url = os.environ.get("ERRORHUB_TEST_PGBOUNCER_URL")
    if not url:
        pytest.fail("ERRORHUB_TEST_PGBOUNCER_URL is not set (scripts/services.sh up pgbouncer; . .services/env)")
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it with DATABASE_URL set (make test does)")
    bouncer = urlsplit(url)
    db = connection.settings_dict
    yield f"postgres://{db['USER']}:{db['PASSWORD']}@{bouncer.hostname}:{bouncer.port}/{db['NAME']}"
    admin = dict(os.environ, PGPASSWORD=bouncer.password or "")
    for command in (f"KILL {db['NAME']}", f"RESUME {db['NAME']}"):
        subprocess.run(
            ["psql", "-h", bouncer.hostname or "", "-p", str(bouncer.port), "-U", bouncer.username or "", "pgbouncer"]
            + ["-c", command],
            env=admin,
            capture_output=True,
            timeout=30,
        )


def env_for(database_url: str, pool_mode: str) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        DATABASE_POOL_MODE=pool_mode,
        ERRORHUB_TASKS_EAGER="1",
        ALLOWED_HOSTS="testserver",
        PYTHONPATH=str(ROOT),
    )


def run_paths(world, database_url: str, pool_mode: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, str(ROOT / "tests/services/pgbouncer_paths.py")]
        + [str(world.project.pk), str(world.owner.pk), world.key.public_key],
        cwd=ROOT,
        env=env_for(database_url, pool_mode),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_query_paths_are_correct_through_pgbouncer_in_transaction_mode(world, pgbouncer: str) -> None:
    proc = run_paths(world, pgbouncer, "transaction")

    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.split("\n")[:4] == ["ok ingest", "ok digest", "ok issue list", "ok api"]
    issue = Issue.objects.get(project=world.project)
    assert issue.times_seen == 7


def test_without_the_setting_the_same_paths_break_on_state_that_outlives_a_transaction(world, pgbouncer: str) -> None:
    """What breaks: Django's ``.iterator()`` declares a WITH HOLD server-side cursor in one transaction and
    fetches from it in the next, which PgBouncer hands to another server connection."""
    proc = run_paths(world, pgbouncer, "session")

    assert proc.returncode != 0, proc.stdout
    assert proc.stdout.split("\n")[:2] == ["ok ingest", "ok digest"]
    assert "InvalidCursorName" in proc.stderr, proc.stderr[-3000:]
    assert '"_django_curs_' in proc.stderr and "does not exist" in proc.stderr


def test_two_processes_create_exactly_one_issue_through_pgbouncer(world, pgbouncer: str) -> None:
    """tests/concurrency's first-events race, both processes going through the pool."""
    start_at = f"{time.time() + 5:.3f}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "tests/concurrency/worker_race.py"), str(world.project.pk), start_at, tag],
            cwd=ROOT,
            env=env_for(pgbouncer, "transaction"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for tag in ("aa", "bb")
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]

    assert all(p.returncode == 0 for p in procs), outputs
    assert all("failures 0" in out for out in outputs), outputs
    issues = Issue.objects.filter(project=world.project)
    assert issues.count() == 1, list(issues.values("id", "title"))
    assert issues.get().times_seen == 40
    assert GroupHash.objects.filter(project=world.project).count() == 1
