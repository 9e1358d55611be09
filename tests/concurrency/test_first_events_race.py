"""Two worker processes see the first events of a new fingerprint at the same
moment: exactly one issue, and its counters exact (PostgreSQL, real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from errorhub.issues.models import GroupHash, Issue

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_two_processes_create_exactly_one_issue(world):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it with DATABASE_URL set (make test does)")
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        ERRORHUB_TASKS_EAGER="1",
        PYTHONPATH=str(ROOT),
    )
    start_at = f"{time.time() + 3:.3f}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "tests/concurrency/worker_race.py"), str(world.project.pk), start_at, tag],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for tag in ("aa", "bb")
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert all("failures 0" in out for out in outputs), outputs
    issues = Issue.objects.filter(project=world.project)
    assert issues.count() == 1, list(issues.values("id", "title"))
    assert issues.get().times_seen == 40
    assert GroupHash.objects.filter(project=world.project).count() == 1
