"""Cron monitors through the real scheduler on the embedded default (SQLite, filesystem broker,
the worker's beat thread), with check-ins from the real ``sentry-sdk`` (``capture_checkin``) and
the real ``sentry-cli monitors run``. Nothing here calls ``monitors_tick``: beat sends
``errorhub.monitors.tasks.check_monitors`` every ``ERRORHUB_MONITOR_CHECK_SECONDS``, and the
monitors use schedules and margins of seconds (fractional minutes) so a missed run is quick to see."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import sdk
from tests.live.conftest import LiveProject, embedded_live_project, embedded_server
from tests.live.server import REPO, EmbeddedServer

pytestmark = pytest.mark.live
TICK_SECONDS = 2
DEADLINE = 90.0  # generous: beat ticks every 2 s
SENTRY_CLI = REPO / "tests" / "clients" / "sentry-tools" / "node_modules" / ".bin" / "sentry-cli"
# every 6 s, 3 s late at most, 1 min in progress at most
FAST = {"schedule": {"type": "interval", "value": 0.1, "unit": "minute"}, "checkin_margin": 0.05, "max_runtime": 1}

_CHECKIN = """
import json, sys
import sentry_sdk
from sentry_sdk.crons import capture_checkin

dsn, slug, status, config = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
sentry_sdk.init(dsn=dsn, environment="production")
capture_checkin(monitor_slug=slug, status=status, monitor_config=config, duration=0.5)
sentry_sdk.flush(timeout=30)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    with embedded_server(
        tmp_path_factory.mktemp("monitors"), ERRORHUB_MONITOR_CHECK_SECONDS=str(TICK_SECONDS)
    ) as running:
        yield running


@pytest.fixture(scope="module")
def project(server: EmbeddedServer) -> LiveProject:
    return embedded_live_project(server)


def sdk_checkin(project: LiveProject, slug: str, status: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _CHECKIN, project.dsn, slug, status, json.dumps(FAST)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def cli_run(project: LiveProject, slug: str, *command: str) -> subprocess.CompletedProcess[str]:
    assert Path(SENTRY_CLI).exists(), "run scripts/build_clients.sh: it installs the real sentry-cli"
    return subprocess.run(
        [
            str(SENTRY_CLI),
            "monitors",
            "run",
            "-e",
            "live",
            "--schedule",
            "0 4 * * *",
            "--timezone",
            "Europe/Vienna",
            slug,
            "--",
            *command,
        ],
        env={"SENTRY_DSN": project.dsn, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=90,
    )


def wait_for(what: str, probe: Callable[[], Any], server: EmbeddedServer) -> Any:
    """``probe()``'s first truthy answer, within ``DEADLINE``."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        server.check_alive()
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {DEADLINE} s\n{server.logs()}")


def environment(api: sdk.Api, slug: str, name: str) -> dict[str, Any] | None:
    response = api.get(f"projects/{api.project.org}/{api.project.slug}/monitors/")
    assert response.status_code == 200, response.text[:500]
    for monitor in response.json():
        if monitor["slug"] == slug:
            return next((env for env in monitor["environments"] if env["name"] == name), None)
    return None


def lifecycle(api: sdk.Api, issue_id: str) -> str:
    return api.get(f"issues/{issue_id}/").json()["lifecycle"]


def test_beat_finds_the_missed_run_and_an_ok_check_in_recovers(server: EmbeddedServer, project: LiveProject) -> None:
    api, slug = sdk.Api(project), f"export-{uuid.uuid4().hex[:8]}"
    sdk_checkin(project, slug, "ok")
    wait_for("the first check-in", lambda: environment(api, slug, "production"), server)

    missed = wait_for(
        "the missed run",
        lambda: (e := environment(api, slug, "production")) and e["status"] == "missed" and e["issue"] and e,
        server,
    )
    issue = api.get(f"issues/{missed['issue']}/").json()
    assert issue["title"] == f"Cron monitor {slug} missed a check-in" and issue["lifecycle"] == "new"

    sdk_checkin(project, slug, "ok")
    wait_for("recovery", lambda: lifecycle(api, missed["issue"]) == "resolved", server)


def test_sentry_cli_failed_run_opens_an_issue_and_a_passing_run_resolves_it(
    server: EmbeddedServer, project: LiveProject
) -> None:
    api, slug = sdk.Api(project), f"cli-{uuid.uuid4().hex[:8]}"
    failed = cli_run(project, slug, "sh", "-c", "exit 3")
    assert failed.returncode == 3, failed.stderr[-2000:]
    env = wait_for("the failed run's issue", lambda: (e := environment(api, slug, "live")) and e["issue"] and e, server)
    assert env["status"] == "error"
    assert api.get(f"issues/{env['issue']}/").json()["title"] == f"Cron monitor {slug} failed"

    passed = cli_run(project, slug, "true")
    assert passed.returncode == 0, passed.stderr[-2000:]
    wait_for("recovery", lambda: lifecycle(api, env["issue"]) == "resolved", server)
    assert environment(api, slug, "live")["status"] == "ok"
