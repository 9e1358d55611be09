"""A failed run (``error`` check-in) opens the monitor's issue through the grouping step and
alerts through the rules; an ok run resolves it; a later failure regresses it. One issue per
monitor and environment. Check-ins are the real Python SDK's and sentry-cli's."""

from __future__ import annotations

import uuid

import pytest

from alerts.models import Channel, Delivery
from alerts.selectors import clear_rule_cache
from errorhub.issues.models import Issue, Lifecycle
from errorhub.monitors.models import CheckIn, CheckInStatus, Monitor, MonitorEnvironment
from tests.factories import RuleFactory
from tests.monitors.helpers import fixture_checkin, monitor_issue, post_checkin

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


@pytest.fixture
def channel(world, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    channel = Channel.objects.create(
        organization=world.project.organization,
        name="oncall",
        kind="webhook",
        config={"url": "http://127.0.0.1:9/", "secret": "s"},
    )
    rule = RuleFactory(
        organization=world.project.organization,
        project=world.project,
        triggers=["new_issue", "regression"],
        min_interval_seconds=0,
    )
    rule.channels.add(channel)
    clear_rule_cache()  # the rule was made by a factory, not the rule services that clear it
    return channel


def test_python_sdk_failed_run_opens_an_issue_and_alerts(client, world, channel):
    post_checkin(client, world, fixture_checkin("python_capture_checkin_in_progress.envelope"))
    post_checkin(client, world, fixture_checkin("python_capture_checkin_error.envelope"))

    monitor = Monitor.objects.get(project=world.project, slug="nightly-export")
    assert (monitor.schedule_kind, monitor.crontab, monitor.timezone) == ("crontab", "0 3 * * *", "Europe/Vienna")
    assert (monitor.checkin_margin, monitor.max_runtime) == (5.0, 20.0)
    run = CheckIn.objects.get(check_in_id="bedcf5bf20fa4272b7891c472c487ca4")
    assert (run.status, run.duration) == (CheckInStatus.ERROR, 12.5), "the start and the end are one run"
    issue = monitor_issue(world, "nightly-export")
    assert issue.title == "Cron monitor nightly-export failed" and issue.lifecycle == Lifecycle.NEW and issue.in_inbox
    assert Delivery.objects.filter(issue=issue, channel=channel, reason="new_issue").count() == 1


def test_recovery_resolves_and_a_later_failure_regresses(client, world, channel):
    post_checkin(client, world, fixture_checkin("python_capture_checkin_error.envelope"))
    issue = monitor_issue(world, "nightly-export")

    post_checkin(
        client,
        world,
        fixture_checkin("python_capture_checkin_error.envelope", status="ok", check_in_id=uuid.uuid4().hex),
    )
    issue.refresh_from_db()
    assert issue.lifecycle == Lifecycle.RESOLVED and not issue.in_inbox
    assert MonitorEnvironment.objects.get(monitor__slug="nightly-export").status == CheckInStatus.OK

    post_checkin(client, world, fixture_checkin("python_capture_checkin_error.envelope", check_in_id=uuid.uuid4().hex))
    issue.refresh_from_db()
    assert issue.lifecycle == Lifecycle.REGRESSED and issue.in_inbox and issue.times_seen == 2
    assert Delivery.objects.filter(issue=issue, reason="regression").count() == 1
    assert Issue.objects.filter(project=world.project).count() == 1


def test_one_issue_per_monitor_and_environment(client, world):
    for environment in ("production", "production", "staging"):
        post_checkin(
            client,
            world,
            fixture_checkin(
                "sentry_cli_run_failing_error.envelope", environment=environment, check_in_id=uuid.uuid4().hex
            ),
        )
    production, staging = monitor_issue(world, "cli-job"), monitor_issue(world, "cli-job", "staging")
    assert production.pk != staging.pk
    assert (production.times_seen, staging.times_seen) == (2, 1)
    assert Issue.objects.filter(project=world.project).count() == 2


def test_sentry_cli_run_with_schedule_then_failure(client, world):
    post_checkin(client, world, fixture_checkin("sentry_cli_run_failing_in_progress.envelope"))
    post_checkin(client, world, fixture_checkin("sentry_cli_run_failing_error.envelope"))
    monitor = Monitor.objects.get(project=world.project, slug="cli-job")
    assert (monitor.crontab, monitor.checkin_margin, monitor.max_runtime) == ("*/5 * * * *", 2.0, 3.0)
    env = MonitorEnvironment.objects.get(monitor=monitor)
    assert env.environment == "staging" and env.status == CheckInStatus.ERROR and env.next_expected_at is not None
    assert monitor_issue(world, "cli-job", "staging").lifecycle == Lifecycle.NEW


def test_sentry_cli_run_without_schedule_succeeds_quietly(client, world):
    post_checkin(client, world, fixture_checkin("sentry_cli_run_plain_in_progress.envelope"))
    post_checkin(client, world, fixture_checkin("sentry_cli_run_plain_ok.envelope"))
    env = MonitorEnvironment.objects.get(monitor__project=world.project, monitor__slug="plain-job")
    assert env.status == CheckInStatus.OK and env.issue is None
    assert env.next_expected_at is None, "no schedule: a run cannot be missed"
    assert not Issue.objects.filter(project=world.project).exists()


def test_a_timeout_the_client_reports_opens_the_issue_too(client, world):
    post_checkin(client, world, fixture_checkin("sentry_cli_run_plain_ok.envelope", status="timeout"))
    issue = monitor_issue(world, "plain-job")
    assert issue.title == "Cron monitor plain-job timed out"
