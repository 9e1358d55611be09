"""Every task beat sends and every task route names exists in the worker as the worker
loads it: the Procfile's worker command is started (autodiscovery, nothing imported by
this test) and the task list of its start-up banner is read back. A scheduled task the
worker does not know is discarded every time beat sends it ("Received unregistered
task"), silently as far as users can tell."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from fnmatch import fnmatchcase

import pytest
from django.conf import settings

from tests.live.server import REPO, embedded_env, procfile_commands

pytestmark = pytest.mark.sqlite


def _registered_tasks(log: str) -> set[str]:
    """The ``[tasks]`` section of a worker's banner (``  . name`` lines)."""
    section = log.split("[tasks]", 1)[1].split("\n\n", 1)[0]
    return {line.strip()[2:] for line in section.splitlines() if line.strip().startswith(". ")}


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The tasks of the Procfile's worker (embedded default), read from its own log."""
    tmp = tmp_path_factory.mktemp("worker")
    env = embedded_env(tmp / "data", ERRORHUB_WORKER_NICE="0")
    subprocess.run(["python", "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    log_path = tmp / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            ["bash", "-c", f"exec {procfile_commands()['worker']}"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text(errors="replace"):
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.3)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    return _registered_tasks(log_path.read_text(errors="replace"))


def test_the_worker_lists_its_tasks(registered: set[str]) -> None:
    assert {"ingest.tasks.process_batch", "alerts.tasks.deliver"} <= registered, registered


def test_every_scheduled_task_is_registered(registered: set[str]) -> None:
    scheduled = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    missing = {name: task for name, task in scheduled.items() if task not in registered}
    assert not missing, f"beat sends tasks no worker has: {missing}"
    assert "errorhub.tasks.lifecycle_tick" in scheduled.values()


def test_every_task_route_names_a_registered_task(registered: set[str]) -> None:
    unmatched = [
        route for route in settings.CELERY_TASK_ROUTES if not any(fnmatchcase(task, route) for task in registered)
    ]
    assert not unmatched, f"routes that match no registered task: {unmatched}"
