"""A clean run of the embedded default, started exactly as ``make run`` starts it
(migrate, collectstatic, bootstrap; gunicorn with ``errorhub.gunicorn_conf`` and the
worker with its beat thread; SQLite and the filesystem broker in a fresh data dir).

The real ``sentry-sdk`` sends traffic for a little over two beat cycles, with the
lifecycle tick and the system checks (inbox SLA, queue backlog …) scheduled every
2 s; then neither process has logged a traceback or an ERROR line, and an idle
worker writes nothing at INFO."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live import sdk
from tests.live.conftest import LiveProject, embedded_live_project, embedded_server
from tests.live.server import EmbeddedServer

pytestmark = pytest.mark.live
CHECK_SECONDS = 2
BEAT_CYCLE = 5.0  # the outbox drain, the most frequent task in the default schedule
BAD_LINE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|Received unregistered task")
INFO_LINE = re.compile(r"\bINFO\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    with embedded_server(
        tmp_path_factory.mktemp("clean-run"),
        ERRORHUB_LIFECYCLE_TICK_SECONDS=str(CHECK_SECONDS),
        ERRORHUB_SYSTEM_CHECK_SECONDS=str(CHECK_SECONDS),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def traffic(server: EmbeddedServer) -> list[str]:
    """Real SDK traffic for a little over two beat cycles, then every event stored."""
    project: LiveProject = embedded_live_project(server)
    sent: list[str] = []
    rounds, until = 0, time.monotonic() + 2 * BEAT_CYCLE + 2
    while rounds < 2 or time.monotonic() < until:  # at least two rounds, however slow the machine
        sent += sdk.run_client("python", project, f"clean-{uuid.uuid4().hex[:8]}")
        sent += sdk.send_messages(project, f"clean run message {uuid.uuid4().hex[:8]}", count=3)
        rounds += 1
    api = sdk.Api(project)
    for event_id in sent:
        api.event(event_id)
    return sent


def bad_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if BAD_LINE.search(line)]


def test_the_traffic_was_stored(traffic: list[str]) -> None:
    assert len(traffic) >= 10 and len(set(traffic)) == len(traffic)


def test_no_traceback_and_no_error_in_either_log(server: EmbeddedServer, traffic: list[str]) -> None:
    time.sleep(2 * CHECK_SECONDS + 1)  # the checks ran at least twice more after the traffic
    server.check_alive()
    for name in ("gunicorn", "celery"):
        assert bad_lines(server.log(name)) == [], f"{name}:\n{server.log(name)[-6000:]}"
    assert "beat: Starting" in server.log("celery"), "the worker runs beat, as the Procfile says"


def test_an_idle_worker_logs_nothing_at_info(server: EmbeddedServer, traffic: list[str]) -> None:
    time.sleep(2)  # the last batch's lines are written
    before = server.log("celery")
    time.sleep(2 * BEAT_CYCLE + CHECK_SECONDS)  # two outbox drains, several ticks and system checks
    server.check_alive()
    gained = server.log("celery")[len(before) :]
    assert [line for line in gained.splitlines() if INFO_LINE.search(line)] == [], gained


def _item_outcomes(base_url: str, project_id: int) -> float:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:  # loopback: allowed
        families = text_string_to_metric_families(response.read().decode())
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == "errorhub_item_outcomes_total"
        and sample.labels == {"project": str(project_id), "outcome": "invalid", "reason": "invalid_sessions"}
    )


def test_an_item_dropped_by_the_worker_shows_on_the_webs_metrics(server: EmbeddedServer, traffic: list[str]) -> None:
    """The worker drops a malformed item beside a valid event; the web process's ``/metrics``
    (another process than the worker) counts it, and the event is stored."""
    project: LiveProject = embedded_live_project(server)
    before = _item_outcomes(server.base_url, project.project_id)
    event_id = uuid.uuid4().hex
    body = b"\n".join(
        [
            json.dumps({"event_id": event_id}).encode(),
            b'{"type":"event"}',
            json.dumps({"event_id": event_id, "message": "beside a bad item", "level": "error"}).encode(),
            b'{"type":"sessions"}',
            b'{"aggregates":["x"]}',
        ]
    )
    key = urllib.parse.urlsplit(project.dsn).username
    request = urllib.request.Request(
        f"{server.base_url}/api/{project.project_id}/envelope/?sentry_key={key}",
        data=body,
        headers={"Content-Type": "application/x-sentry-envelope"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    sdk.Api(project).event(event_id)  # waits until the event is stored
    deadline = time.monotonic() + 30
    while _item_outcomes(server.base_url, project.project_id) < before + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _item_outcomes(server.base_url, project.project_id) == before + 1
