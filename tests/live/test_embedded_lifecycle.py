"""The issue lifecycle through the real scheduler, on the embedded default as
``make run`` starts it (SQLite, filesystem broker, the worker's beat thread): a
snooze ends by time, a snooze ends by count, and a resolved issue becomes fixed
after the quiet period. Nothing here calls ``issues_tick``: beat sends
``errorhub.tasks.lifecycle_tick`` every ``ERRORHUB_LIFECYCLE_TICK_SECONDS``, and
``ERRORHUB_QUIET_PERIOD_SECONDS`` makes the quiet period short enough to watch."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.live import sdk
from tests.live.conftest import LiveProject, embedded_live_project, embedded_server
from tests.live.server import EmbeddedServer

pytestmark = pytest.mark.live
TICK_SECONDS = 2
QUIET_SECONDS = 6
DEADLINE = 90.0  # generous: the tick comes every 2 s


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    with embedded_server(
        tmp_path_factory.mktemp("lifecycle"),
        ERRORHUB_LIFECYCLE_TICK_SECONDS=str(TICK_SECONDS),
        ERRORHUB_QUIET_PERIOD_SECONDS=str(QUIET_SECONDS),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def project(server: EmbeddedServer) -> LiveProject:
    return embedded_live_project(server)


def new_issue(project: LiveProject, what: str, count: int = 1) -> tuple[sdk.Api, dict[str, Any]]:
    """An issue made by the real SDK (``count`` events), once the worker stored them."""
    api, title = sdk.Api(project), f"{what} {uuid.uuid4().hex[:8]}"
    for event_id in sdk.send_messages(project, title, count):
        api.event(event_id)
    return api, next(issue for issue in api.issues() if issue["title"] == title)


def update(api: sdk.Api, issue: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    response = api.session.put(f"{api.project.base_url}/api/0/issues/{issue['id']}/", json=body, timeout=10)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def wait_until_not(api: sdk.Api, issue: dict[str, Any], lifecycle: str, server: EmbeddedServer) -> dict[str, Any]:
    """The issue as soon as it left ``lifecycle`` (bounded by ``DEADLINE``)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        server.check_alive()
        current = api.get(f"issues/{issue['id']}/").json()
        if current["lifecycle"] != lifecycle:
            return current
        time.sleep(0.5)
    raise AssertionError(f"issue {issue['id']} still {lifecycle} after {DEADLINE} s\n{server.logs()}")


def test_a_snooze_ends_when_its_time_comes(server: EmbeddedServer, project: LiveProject) -> None:
    api, issue = new_issue(project, "snoozed until a time")
    until = datetime.now(UTC) + timedelta(seconds=3)
    snoozed = update(
        api, issue, {"status": "ignored", "statusDetails": {"ignoreUntil": until.isoformat(), "ignoreReason": "deploy"}}
    )
    assert snoozed["lifecycle"] == "snoozed" and snoozed["inbox"] is False
    ended = wait_until_not(api, issue, "snoozed", server)
    assert datetime.now(UTC) >= until, "ended by its time, not before"
    assert ended["lifecycle"] == "new" and ended["inbox"] is True


def test_a_snooze_ends_after_its_number_of_events(server: EmbeddedServer, project: LiveProject) -> None:
    api, issue = new_issue(project, "snoozed for two events")
    update(api, issue, {"status": "ignored", "statusDetails": {"ignoreCount": 2, "ignoreReason": "retry storm"}})
    api.event(sdk.send_messages(project, issue["title"])[0])
    assert api.get(f"issues/{issue['id']}/").json()["lifecycle"] == "snoozed", "one of two events: still snoozed"
    api.event(sdk.send_messages(project, issue["title"])[0])
    ended = wait_until_not(api, issue, "snoozed", server)
    assert ended["lifecycle"] == "new" and ended["inbox"] is True and ended["count"] == "3"


def test_a_resolved_issue_becomes_fixed_after_the_quiet_period(server: EmbeddedServer, project: LiveProject) -> None:
    api, issue = new_issue(project, "resolved and quiet")
    resolved_at = time.monotonic()
    assert update(api, issue, {"status": "resolved"})["lifecycle"] == "resolved"
    fixed = wait_until_not(api, issue, "resolved", server)
    assert fixed["lifecycle"] == "fixed"
    assert time.monotonic() - resolved_at >= QUIET_SECONDS, "fixed only once the quiet period had passed"
