"""Heartbeats of workers and beat: recorded per process, and stale after three silent intervals.

The services (``ingest.heartbeats``) and beat's scheduler (``errorhub.heartbeats``) on the
real database; time moves with time-machine. The real worker and beat, started as the
Procfile starts them, are in ``test_heartbeat_live.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from errorhub.celery import app
from errorhub.heartbeats import HEARTBEAT_SECONDS, HeartbeatScheduler, WorkerHeartbeat, beat_hostname
from ingest.heartbeats import (
    STALE_AFTER_INTERVALS,
    heartbeat_record,
    heartbeat_stopped,
    heartbeats_forget,
    heartbeats_recent,
)
from ingest.models import ProcessHeartbeat

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def beat(pid: int = 4242, **extra) -> ProcessHeartbeat:
    fields = {"kind": "worker", "hostname": "celery@web-1", "pid": pid, "queues": ["ingest", "index"]}
    fields.update(extra)
    return heartbeat_record(interval_seconds=HEARTBEAT_SECONDS, **fields)


def states(now: datetime) -> dict[str, list[str]]:
    return {kind: [s.state for s in rows] for kind, rows in heartbeats_recent(now=now).items()}


def test_a_heartbeat_records_host_queues_pid_and_moves_last_seen():
    with time_machine.travel(T0, tick=False):
        first = beat()
    with time_machine.travel(T0 + timedelta(seconds=HEARTBEAT_SECONDS), tick=False):
        again = beat()
    row = ProcessHeartbeat.objects.get()
    assert first.pk == again.pk == row.pk
    assert (row.hostname, row.pid, row.queues, row.interval_seconds) == ("celery@web-1", 4242, ["ingest", "index"], 10)
    assert row.started_at == T0 and row.last_seen == T0 + timedelta(seconds=HEARTBEAT_SECONDS)


def test_a_new_pid_on_the_same_host_is_a_restart():
    with time_machine.travel(T0, tick=False):
        beat(pid=1)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        beat(pid=2)
    row = ProcessHeartbeat.objects.get()
    assert row.pid == 2 and row.started_at == T0 + timedelta(minutes=5)


def test_silent_for_more_than_three_intervals_is_stale():
    with time_machine.travel(T0, tick=False):
        beat()
    limit = STALE_AFTER_INTERVALS * HEARTBEAT_SECONDS
    assert states(T0 + timedelta(seconds=limit)) == {"worker": ["alive"], "beat": []}
    assert states(T0 + timedelta(seconds=limit + 1)) == {"worker": ["stale"], "beat": []}
    with time_machine.travel(T0 + timedelta(seconds=limit + 5), tick=False):
        beat()  # it came back
    assert states(T0 + timedelta(seconds=limit + 6)) == {"worker": ["alive"], "beat": []}


def test_a_clean_stop_is_stopped_not_stale_until_the_process_records_again():
    with time_machine.travel(T0, tick=False):
        beat(pid=7)
        assert heartbeat_stopped(kind="worker", hostname="celery@web-1", pid=8) == 0  # not this process
        assert heartbeat_stopped(kind="worker", hostname="celery@web-1", pid=7) == 1
    assert states(T0 + timedelta(seconds=1)) == {"worker": ["stopped"], "beat": []}
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        beat(pid=9)
    row = ProcessHeartbeat.objects.get()
    assert row.stopped_at is None and row.started_at == T0 + timedelta(minutes=1)


def test_processes_gone_for_a_week_are_forgotten():
    with time_machine.travel(T0, tick=False):
        beat(hostname="celery@old")
    with time_machine.travel(T0 + timedelta(days=8), tick=False):
        beat(hostname="celery@new")
        assert [s.row.hostname for s in heartbeats_recent()["worker"]] == ["celery@new"]
        assert heartbeats_forget() == 1
    assert list(ProcessHeartbeat.objects.values_list("hostname", flat=True)) == ["celery@new"]


@pytest.mark.django_db(transaction=True)  # it closes unusable connections, as beat's own thread must
def test_beats_scheduler_records_its_own_heartbeat_on_its_tick_and_its_stop(tmp_path: Path):
    """The scheduler Celery's beat runs (``CELERY_BEAT_SCHEDULER``): a tick records beat, it
    wakes up at least every interval, and closing it marks the row stopped."""
    assert app.conf.beat_scheduler == "errorhub.heartbeats:HeartbeatScheduler"
    scheduler = HeartbeatScheduler(app, schedule_filename=str(tmp_path / "schedule"), lazy=False)
    try:
        delay = scheduler.tick()
        row = ProcessHeartbeat.objects.get(kind="beat")
        assert row.hostname == beat_hostname() and row.stopped_at is None
        assert 0 <= delay <= HEARTBEAT_SECONDS
    finally:
        scheduler.close()
    assert ProcessHeartbeat.objects.get(kind="beat").stopped_at is not None


def test_the_worker_bootstep_is_part_of_every_worker():
    assert WorkerHeartbeat in app.steps["worker"]
