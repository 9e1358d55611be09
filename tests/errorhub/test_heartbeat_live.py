"""The real path: ErrorHub started as ``make run`` starts it (migrate, bootstrap, the
Procfile's web and worker with its beat thread, SQLite and the filesystem broker: no Redis)
and the health page, fetched over HTTP as the admin, lists the worker and beat as alive.
Then the worker is stopped (SIGTERM, as honcho does) and the page says no worker runs."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live.server import EmbeddedServer, embedded_env

pytestmark = pytest.mark.live
DEADLINE = 90.0  # generous: the worker records at start, beat on its first tick


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    tmp = tmp_path_factory.mktemp("heartbeat")
    running = EmbeddedServer(env=embedded_env(tmp / "data"), log_dir=tmp / "logs")
    try:
        running.start()
        yield running
    finally:
        running.stop()


def logged_in(server: EmbeddedServer) -> requests.Session:
    """The admin ``manage.py bootstrap`` created, logged in through the login form."""
    password = (Path(server.env["ERRORHUB_DATA_DIR"]) / "admin_password").read_text().strip()
    session = requests.Session()
    form = session.get(f"{server.base_url}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = session.post(
        f"{server.base_url}/login/",
        data={"username": "admin", "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{server.base_url}/login/"},
        timeout=30,
    )
    assert answer.status_code == 200 and "/login/" not in answer.url, answer.text[-2000:]
    return session


def health_until(session: requests.Session, server: EmbeddedServer, *needles: str) -> str:
    deadline = time.monotonic() + DEADLINE
    html = ""
    while time.monotonic() < deadline:
        html = session.get(f"{server.base_url}/health/", timeout=30).text
        if all(n in html for n in needles):
            return html
        time.sleep(1)
    raise AssertionError(f"the health page never showed {needles}:\n{html[-4000:]}\n{server.logs()}")


def test_the_procfile_worker_and_its_beat_show_on_the_health_page(server: EmbeddedServer) -> None:
    session = logged_in(server)
    html = health_until(
        session, server, 'class="process process-worker process-alive"', 'class="process process-beat process-alive"'
    )
    worker_row = html.split('process-worker process-alive">')[1].split("</tr>")[0]
    assert "ingest" in worker_row and "alerts" in worker_row  # the queues it consumes
    assert 'last seen <time class="rel"' in worker_row
    assert "No worker is running" not in html and "Beat has never run" not in html

    worker = server.procs["celery"]
    os.killpg(worker.pid, signal.SIGTERM)  # honcho's stop: a warm shutdown
    worker.wait(60)
    html = health_until(session, server, "No worker is running: events are queued, not processed.")
    assert "process-worker process-stopped" in html and "process-beat process-stopped" in html
