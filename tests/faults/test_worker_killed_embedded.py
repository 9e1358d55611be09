"""Fault 1b: ``kill -9`` the Celery worker mid-stream on the **embedded default** (SQLite,
filesystem broker: no server at all); a second worker, started right after, finishes.

What the filesystem broker does with the killed worker's messages (errorhub/broker.py):
each one it had taken waits in the worker's in-flight folder; the second worker finds
that folder's lock free at its first read and renames the messages back into the queue.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.faults.conftest import FaultServer, _manage
from tests.faults.stream import Stream, verdict

pytestmark = pytest.mark.faults


def _stored(db: Path, project_id: int) -> tuple[Counter[str], int]:
    with sqlite3.connect(db, timeout=30) as conn:
        stored = Counter(
            r[0] for r in conn.execute("SELECT event_id FROM ingest_storedevent WHERE project_id = ?", (project_id,))
        )
        times_seen = conn.execute(
            "SELECT coalesce(sum(times_seen), 0) FROM errorhub_issue WHERE project_id = ?", (project_id,)
        ).fetchone()[0]
    return stored, int(times_seen)


def test_embedded_worker_kill9_mid_stream_loses_no_accepted_event(fault_root, record_result):
    data_dir = fault_root / "embedded-worker-kill9"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERRORHUB_", "CELERY_", "DATABASE_"))}
    env.update(
        ERRORHUB_DATA_DIR=str(data_dir),
        ERRORHUB_500_LOG=str(data_dir / "500.log"),
        ERRORHUB_TASKS_EAGER="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        ERRORHUB_LOG_LEVEL="INFO",
    )
    _manage(env, "migrate", "--noinput", timeout=300)
    created = json.loads(_manage(env, "createproject", "--org", "Faults", "--name", "embedded", "--json"))
    project_id = int(created["id"])
    server = FaultServer(env=env, log_dir=data_dir / "logs")
    server.start()
    try:
        stream = Stream(
            server.base_url, project_id, created["dsn"].split("//")[1].split("@")[0], total=1500, rate=50
        ).start()
        stream.wait_sent(0.4, timeout=60)
        in_flight_at_kill = len(list((data_dir / "broker" / "inflight").rglob("*.msg")))
        server.kill9("celery")
        server.add_worker("faults-second")
        stream.join(timeout=240)

        accepted = {e.event_id for e in stream.events if e.accepted}
        started = time.monotonic()
        while time.monotonic() - started < 120:
            stored, times_seen = _stored(data_dir / "errorhub.sqlite3", project_id)
            if accepted <= set(stored):
                break
            time.sleep(1.0)
        waited = round(time.monotonic() - started, 1)
        time.sleep(5)  # anything redelivered late would show as a duplicate
        stored, times_seen = _stored(data_dir / "errorhub.sqlite3", project_id)
    finally:
        server.stop()
    result = verdict(stream, stored, times_seen=times_seen)
    result.update(
        settle_s=waited,
        in_flight_at_kill=in_flight_at_kill,
        left_in_flight=len(list((data_dir / "broker" / "inflight").rglob("*.msg"))),
    )
    record_result("1b worker kill -9, embedded default", result)
    assert result["duplicated"] == 0 and result["times_seen_minus_stored"] == 0, result
    assert result["missing"] == 0, result
