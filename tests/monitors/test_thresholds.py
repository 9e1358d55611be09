"""``failure_issue_threshold`` and ``recovery_threshold``: a monitor's issue opens only after that
many consecutive failed (or missed, or timed-out) runs, and resolves only after that many
consecutive ok runs; the failure event carries the check-in's release and environment. Check-ins
are the Python SDK's (``@monitor``), sent through the envelope door; the clock travels with
time-machine."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from errorhub.issues.models import Issue, Lifecycle
from errorhub.monitors.models import Monitor, MonitorEnvironment
from errorhub.monitors.services import monitors_tick
from tests.monitors.helpers import fixture_checkin, monitor_issue, post_checkin

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

START = datetime(2026, 3, 2, 9, 58, tzinfo=UTC)
SLUG = "hourly-sync"


def config(failures: int = 1, recoveries: int = 1) -> dict:
    return {
        "schedule": {"type": "interval", "value": 10, "unit": "minute"},
        "checkin_margin": 1,
        "max_runtime": 3,
        "failure_issue_threshold": failures,
        "recovery_threshold": recoveries,
    }


def run(client, world, status: str, monitor_config: dict, **changes) -> None:
    body = fixture_checkin(
        "python_monitor_decorator_ok.envelope",
        status=status,
        check_in_id=uuid.uuid4().hex,
        monitor_config=monitor_config,
        **changes,
    )
    post_checkin(client, world, body)


def issue_of(world) -> Issue | None:
    return MonitorEnvironment.objects.select_related("issue").get(monitor__project=world.project).issue


def test_thresholds_are_stored_from_the_config(client, world):
    run(client, world, "ok", config(failures=3, recoveries=2))
    monitor = Monitor.objects.get(project=world.project, slug=SLUG)
    assert (monitor.failure_issue_threshold, monitor.recovery_threshold) == (3, 2)


def test_an_issue_opens_only_after_the_threshold_of_consecutive_failures(client, world):
    flaky = config(failures=3)
    with time_machine.travel(START, tick=False) as clock:
        for status in ("error", "error", "ok", "error", "error"):
            run(client, world, status, flaky)
            clock.shift(timedelta(minutes=10))
        assert issue_of(world) is None, "an ok run between failures starts the count again"

        run(client, world, "error", flaky)
        issue = monitor_issue(world, SLUG)
        assert issue.lifecycle == Lifecycle.NEW and issue.times_seen == 1

        clock.shift(timedelta(minutes=10))
        run(client, world, "error", flaky)
        issue.refresh_from_db()
        assert issue.times_seen == 2, "while the issue is open every failure counts into it"


def test_missed_and_timed_out_runs_count_towards_the_threshold(client, world):
    twice = config(failures=2)
    with time_machine.travel(START, tick=False) as clock:
        run(client, world, "ok", twice)
        clock.shift(timedelta(minutes=11, seconds=10))
        assert monitors_tick().missed == 1
        assert issue_of(world) is None, "one missed run is below the threshold"

        run(client, world, "timeout", twice)
        issue = monitor_issue(world, SLUG)
        assert issue.title == "Cron monitor hourly-sync timed out"


def test_the_issue_resolves_only_after_the_threshold_of_consecutive_ok_runs(client, world):
    slow_to_trust = config(recoveries=2)
    with time_machine.travel(START, tick=False) as clock:
        run(client, world, "error", slow_to_trust)
        issue = monitor_issue(world, SLUG)

        for status in ("ok", "error", "ok"):
            clock.shift(timedelta(minutes=10))
            run(client, world, status, slow_to_trust)
            issue.refresh_from_db()
            assert issue.lifecycle != Lifecycle.RESOLVED, f"not resolved after {status}"

        clock.shift(timedelta(minutes=10))
        run(client, world, "ok", slow_to_trust)
        issue.refresh_from_db()
        assert issue.lifecycle == Lifecycle.RESOLVED and issue.times_seen == 2


def test_defaults_act_on_the_first_run(client, world):
    without_thresholds = {"schedule": {"type": "interval", "value": 10, "unit": "minute"}}
    with time_machine.travel(START, tick=False) as clock:
        run(client, world, "error", without_thresholds)
        issue = monitor_issue(world, SLUG)
        clock.shift(timedelta(minutes=10))
        run(client, world, "ok", without_thresholds)
        issue.refresh_from_db()
        assert issue.lifecycle == Lifecycle.RESOLVED
    monitor = Monitor.objects.get(slug=SLUG)
    assert (monitor.failure_issue_threshold, monitor.recovery_threshold) == (1, 1)


def test_the_failure_event_carries_the_release_and_environment(client, world):
    run(client, world, "error", config(), release="shop@2.4.1", environment="staging")
    issue = monitor_issue(world, SLUG, "staging")
    assert (issue.first_release, issue.last_release, issue.environment) == ("shop@2.4.1", "shop@2.4.1", "staging")


def test_a_missed_run_carries_the_release_that_last_ran(client, world):
    with time_machine.travel(START, tick=False) as clock:
        run(client, world, "ok", config(), release="shop@2.4.1")
        clock.shift(timedelta(minutes=11, seconds=10))
        assert monitors_tick().missed == 1
    assert monitor_issue(world, SLUG).last_release == "shop@2.4.1"
