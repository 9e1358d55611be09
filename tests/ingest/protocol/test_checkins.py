"""Check-in items as the SDKs and sentry-cli send them, parsed; bad ones refused with the reason;
schedules evaluated in the monitor's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ingest.protocol.checkins import CheckInError, Schedule, next_run, parse_check_in
from ingest.protocol.envelope import parse_envelope, parse_event_json

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "monitors"
UTC = UTC


def fixture_body(name: str) -> dict:
    envelope = parse_envelope((FIXTURES / name).read_bytes())
    return parse_event_json(envelope.items[0].payload)


def test_python_sdk_capture_checkin_with_config():
    checkin = parse_check_in(fixture_body("python_capture_checkin_in_progress.envelope"))
    assert (checkin.monitor_slug, checkin.status, checkin.environment) == (
        "nightly-export",
        "in_progress",
        "production",
    )
    assert checkin.check_in_id == "bedcf5bf20fa4272b7891c472c487ca4" and checkin.duration is None
    assert checkin.config is not None
    assert checkin.config.schedule == Schedule(kind="crontab", crontab="0 3 * * *")
    assert (checkin.config.timezone, checkin.config.checkin_margin, checkin.config.max_runtime) == (
        "Europe/Vienna",
        5.0,
        20.0,
    )


def test_python_sdk_monitor_decorator_interval():
    checkin = parse_check_in(fixture_body("python_monitor_decorator_ok.envelope"))
    assert checkin.status == "ok" and checkin.duration is not None and checkin.duration >= 0
    assert checkin.config is not None and checkin.config.schedule == Schedule(kind="interval", seconds=3600.0)
    assert checkin.config.timezone == "UTC"


def test_sentry_cli_run_without_config_and_with_environment():
    failing = parse_check_in(fixture_body("sentry_cli_run_failing_error.envelope"))
    assert (failing.monitor_slug, failing.status, failing.environment, failing.config) == (
        "cli-job",
        "error",
        "staging",
        None,
    )
    started = parse_check_in(fixture_body("sentry_cli_run_failing_in_progress.envelope"))
    assert started.config is not None and started.config.schedule.crontab == "*/5 * * * *"
    assert started.config.max_runtime == 3.0


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"monitor_slug": ""}, "monitor_slug"),
        ({"monitor_slug": "a b"}, "monitor_slug"),
        ({"status": "done"}, "status"),
        ({"check_in_id": "not-a-uuid"}, "check_in_id"),
        ({"duration": -1}, "duration"),
        ({"duration": float("inf")}, "duration"),
        ({"environment": 3}, "environment"),
        ({"monitor_config": []}, "monitor_config"),
        ({"monitor_config": {"schedule": {"type": "crontab", "value": "61 * * * *"}}}, "crontab"),
        ({"monitor_config": {"schedule": {"type": "crontab", "value": "* * *"}}}, "crontab"),
        ({"monitor_config": {"schedule": {"type": "interval", "value": 0, "unit": "minute"}}}, "schedule.value"),
        ({"monitor_config": {"schedule": {"type": "interval", "value": 2, "unit": "fortnight"}}}, "schedule.unit"),
        ({"monitor_config": {"schedule": {"type": "weekly"}}}, "schedule.type"),
        (
            {"monitor_config": {"schedule": {"type": "crontab", "value": "@daily"}, "timezone": "Mars/Olympus"}},
            "timezone",
        ),
        (
            {"monitor_config": {"schedule": {"type": "crontab", "value": "@daily"}, "checkin_margin": -5}},
            "checkin_margin",
        ),
        ({"monitor_config": {"schedule": {"type": "crontab", "value": "@daily"}, "max_runtime": "ten"}}, "max_runtime"),
        (
            {"monitor_config": {"schedule": {"type": "crontab", "value": "@daily"}, "failure_issue_threshold": 0}},
            "failure_issue_threshold",
        ),
        (
            {"monitor_config": {"schedule": {"type": "crontab", "value": "@daily"}, "recovery_threshold": 1.5}},
            "recovery_threshold",
        ),
        (
            {"monitor_config": {"schedule": {"type": "crontab", "value": "@daily"}, "recovery_threshold": 721}},
            "recovery_threshold",
        ),
        ({"release": ["1.0"]}, "release"),
        ({"release": "x" * 201}, "release"),
    ],
)
def test_bad_check_in_names_the_field(change, fragment):
    body = {"monitor_slug": "nightly", "status": "ok", **change}
    with pytest.raises(CheckInError) as raised:
        parse_check_in(body)
    assert fragment in raised.value.message and raised.value.status == 400


def test_thresholds_and_release_are_read_with_sentrys_defaults():
    sdk = parse_check_in(fixture_body("python_capture_checkin_error.envelope"))
    assert sdk.release == "shop@1.2.0" and sdk.config is not None
    assert (sdk.config.failure_issue_threshold, sdk.config.recovery_threshold) == (1, 1)
    cli = parse_check_in(fixture_body("sentry_cli_run_failing_error.envelope"))
    assert cli.release == ""
    body = fixture_body("python_capture_checkin_error.envelope")
    body["monitor_config"].update(failure_issue_threshold=3, recovery_threshold=2)
    config = parse_check_in(body).config
    assert config is not None and (config.failure_issue_threshold, config.recovery_threshold) == (3, 2)


def test_crontab_nickname_and_minutes_may_be_fractional():
    checkin = parse_check_in(
        {
            "monitor_slug": "fast",
            "status": "in_progress",
            "monitor_config": {
                "schedule": {"type": "crontab", "value": "@hourly"},
                "checkin_margin": 0.05,
                "max_runtime": 0.1,
            },
        }
    )
    assert checkin.config is not None and checkin.config.schedule.crontab == "0 * * * *"
    assert (checkin.config.checkin_margin, checkin.config.max_runtime) == (0.05, 0.1)


def test_crontab_is_read_in_the_monitors_time_zone():
    daily_nine = Schedule(kind="crontab", crontab="0 9 * * *")
    winter = next_run(daily_nine, "Europe/Vienna", datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    summer = next_run(daily_nine, "Europe/Vienna", datetime(2026, 7, 10, 12, 0, tzinfo=UTC))
    assert winter == datetime(2026, 1, 11, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert summer == datetime(2026, 7, 11, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert winter.astimezone(ZoneInfo("Europe/Vienna")).hour == 9


def test_next_run_is_strictly_after_and_interval_counts_from_the_check_in():
    every_five = Schedule(kind="crontab", crontab="*/5 * * * *")
    on_tick = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    assert next_run(every_five, "UTC", on_tick) == datetime(2026, 3, 1, 10, 10, tzinfo=UTC)
    hourly = Schedule(kind="interval", seconds=3600.0)
    assert next_run(hourly, "UTC", on_tick) == datetime(2026, 3, 1, 11, 5, tzinfo=UTC)
