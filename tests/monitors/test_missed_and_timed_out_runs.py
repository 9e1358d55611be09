"""``monitors_tick`` (what the beat task runs) records a run missed once its due time plus the
check-in margin has passed without a check-in, and a run timed out once it has been in progress
longer than the max runtime; each opens the monitor's issue, once, and an ok run resolves it.
The clock travels with time-machine; check-ins go through the envelope door."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from errorhub.issues.models import Issue, Lifecycle
from errorhub.monitors.models import CheckIn, CheckInStatus, MonitorEnvironment
from errorhub.monitors.services import monitors_tick
from tests.monitors.helpers import fixture_checkin, monitor_issue, post_checkin

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

START = datetime(2026, 3, 2, 9, 58, tzinfo=UTC)
EVERY_TEN_MINUTES = {
    "schedule": {"type": "interval", "value": 10, "unit": "minute"},
    "checkin_margin": 1,
    "max_runtime": 3,
}


def checkin(status: str, check_in_id: str | None = None, config: dict | None = None) -> dict:
    return fixture_checkin(
        "python_monitor_decorator_ok.envelope",
        status=status,
        check_in_id=check_in_id or uuid.uuid4().hex,
        monitor_config=config or EVERY_TEN_MINUTES,
        duration=None,
    )


def test_a_run_is_missed_after_due_time_plus_margin_and_recovers(client, world):
    with time_machine.travel(START, tick=False) as clock:
        post_checkin(client, world, checkin("ok"))
        env = MonitorEnvironment.objects.get(monitor__slug="hourly-sync")
        assert env.next_expected_at == START + timedelta(minutes=10)

        clock.shift(timedelta(minutes=10, seconds=50))
        assert monitors_tick().missed == 0, "still within the check-in margin"
        clock.shift(timedelta(seconds=20))
        assert monitors_tick().missed == 1
        assert monitors_tick().missed == 0, "a missed run is recorded once"

        missed = CheckIn.objects.get(status=CheckInStatus.MISSED)
        assert missed.expected_at == START + timedelta(minutes=10)
        issue = monitor_issue(world, "hourly-sync")
        assert issue.title == "Cron monitor hourly-sync missed a check-in" and issue.lifecycle == Lifecycle.NEW
        env.refresh_from_db()
        assert env.status == CheckInStatus.MISSED and env.next_expected_at == START + timedelta(minutes=20)

        post_checkin(client, world, checkin("ok"))
        issue.refresh_from_db()
        assert issue.lifecycle == Lifecycle.RESOLVED


def test_a_long_outage_is_one_missed_run_per_scan_not_a_flood(client, world):
    with time_machine.travel(START, tick=False) as clock:
        post_checkin(client, world, checkin("ok"))
        clock.shift(timedelta(hours=5))
        assert monitors_tick().missed == 1
        env = MonitorEnvironment.objects.get(monitor__slug="hourly-sync")
        assert env.next_expected_at is not None and env.next_expected_at > START + timedelta(hours=5)
        assert monitor_issue(world, "hourly-sync").times_seen == 1


def test_crontab_in_a_time_zone_is_due_at_local_time(client, world):
    daily = {
        "schedule": {"type": "crontab", "value": "30 2 * * *"},
        "timezone": "America/New_York",
        "checkin_margin": 5,
    }
    with time_machine.travel(datetime(2026, 3, 2, 7, 31, tzinfo=UTC), tick=False) as clock:  # 02:31 EST
        post_checkin(client, world, checkin("ok", config=daily))
        env = MonitorEnvironment.objects.get(monitor__slug="hourly-sync")
        assert env.next_expected_at == datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
        clock.move_to(datetime(2026, 3, 3, 7, 34, tzinfo=UTC))
        assert monitors_tick().missed == 0
        clock.move_to(datetime(2026, 3, 3, 7, 36, tzinfo=UTC))
        assert monitors_tick().missed == 1


def test_a_run_in_progress_past_its_max_runtime_times_out(client, world):
    run_id = uuid.uuid4().hex
    with time_machine.travel(START, tick=False) as clock:
        post_checkin(client, world, checkin("in_progress", run_id))
        clock.shift(timedelta(minutes=2, seconds=50))
        assert monitors_tick().timed_out == 0
        clock.shift(timedelta(seconds=20))
        assert monitors_tick().timed_out == 1
        assert monitors_tick().timed_out == 0

        run = CheckIn.objects.get(check_in_id=run_id)
        assert run.status == CheckInStatus.TIMEOUT
        issue = monitor_issue(world, "hourly-sync")
        assert issue.title == "Cron monitor hourly-sync timed out"
        assert Issue.objects.filter(project=world.project).count() == 1


def test_check_ins_older_than_the_retention_are_deleted(client, world):
    with time_machine.travel(START, tick=False) as clock:
        post_checkin(client, world, checkin("ok"))
        clock.shift(timedelta(days=45))
        post_checkin(client, world, checkin("ok"))
        clock.shift(timedelta(days=46))
        assert monitors_tick().pruned == 1
        assert CheckIn.objects.filter(status=CheckInStatus.OK).count() == 1
