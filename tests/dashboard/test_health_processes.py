"""The health page says whether a worker and beat are alive: each process with its last
heartbeat (relative time), stale ones marked, and plain words when none was ever seen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import ProcessHeartbeatFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def page(client, world):
    client.force_login(world.member)
    return lambda: client.get("/health/").content.decode()


def test_nothing_ever_seen_says_so_plainly(page):
    html = page()
    assert "No worker is running: events are queued, not processed." in html
    assert "Beat has never run" in html
    assert '<table class="processes"' not in html


def test_live_worker_and_beat_are_listed_with_their_last_heartbeat(page):
    ProcessHeartbeatFactory(hostname="celery@web-1", pid=311, queues=["ingest", "index"])
    ProcessHeartbeatFactory(kind="beat", hostname="beat@web-1", pid=311, queues=[])
    html = page()
    assert "No worker is running" not in html
    assert "Beat has never run" not in html and "Beat is not running" not in html
    assert html.count('class="process process-worker process-alive"') == 1
    assert html.count('class="process process-beat process-alive"') == 1
    assert "celery@web-1" in html and "beat@web-1" in html and "ingest, index" in html and ">311<" in html
    assert 'last seen <time class="rel"' in html


def test_a_silent_worker_is_stale_and_no_live_worker_is_said(page):
    now = timezone.now()
    ProcessHeartbeatFactory(hostname="celery@gone", last_seen=now - timedelta(seconds=31), interval_seconds=10)
    ProcessHeartbeatFactory(kind="beat", hostname="beat@web-1")
    with time_machine.travel(now, tick=False):
        html = page()
    assert 'class="process process-worker process-stale"' in html and "stale — down?" in html
    assert "No worker is running: events are queued, not processed." in html
    assert "Every worker below is silent or stopped." in html


def test_a_stopped_beat_is_said(page):
    ProcessHeartbeatFactory(hostname="celery@web-1")
    ProcessHeartbeatFactory(kind="beat", hostname="beat@web-1", stopped_at=timezone.now())
    html = page()
    assert "No worker is running" not in html
    assert "Beat is not running:" in html and "process-beat process-stopped" in html


def test_hostnames_are_escaped(page):
    ProcessHeartbeatFactory(hostname="celery@<script>alert(1)</script>")
    html = page()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
