"""``--beat-thread`` (the Procfile's worker): beat runs inside the worker process —
periodic tasks are sent and run, and no second process is forked for it. Run through
both entry points: the Procfile's ``python -m errorhub.worker`` and ``celery -A errorhub
worker``; the lean one must not load Celery's REPL nor DRF's template tags."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"

pytestmark = pytest.mark.sqlite


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


ENTRY_POINTS = {
    "errorhub.worker": [sys.executable, "-X", "importtime", "-m", "errorhub.worker"],
    "celery": [str(CELERY), "-A", "errorhub", "worker"],
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_beat_thread_sends_periodic_tasks_without_a_second_process(tmp_path: Path, entry: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERRORHUB_", "DATABASE_", "CELERY_"))}
    env.update(
        ERRORHUB_DATA_DIR=str(tmp_path),
        ERRORHUB_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="errorhub.settings",
        ERRORHUB_WORKER_NICE="0",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        # DEBUG: at INFO an idle worker logs nothing about periodic tasks that found no work
        worker = subprocess.Popen(
            [
                *ENTRY_POINTS[entry],
                "--beat-thread",
                "--loglevel",
                "DEBUG",
                "--schedule",
                str(tmp_path / "celerybeat-schedule"),
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace")
            if (
                "Sending due task index-pending" in text
                and "ingest.tasks.index_pending" in text.split("Sending due task index-pending", 1)[1]
                and "succeeded" in text
            ):
                break
            assert worker.poll() is None, text[-3000:]
            time.sleep(0.5)
        else:
            pytest.fail(f"no periodic task ran within 60 s:\n{text[-3000:]}")
        assert _children(worker.pid) == [], "solo pool + beat thread: nothing forked"
        if entry == "errorhub.worker":  # -X importtime lists every module the worker imported
            imported = {line.split("|")[-1].strip() for line in text.splitlines() if line.startswith("import time:")}
            assert "celery.worker.worker" in imported and "errorhub.events.services" in imported  # the drain ran
            assert not imported & {"click_repl", "prompt_toolkit", "rest_framework", "psycopg"}, sorted(
                imported & {"click_repl", "prompt_toolkit", "rest_framework", "psycopg"}
            )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
