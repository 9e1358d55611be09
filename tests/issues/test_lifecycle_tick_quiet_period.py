"""The tick marks resolved issues fixed after their own project's quiet period (or the
global ``QUIET_PERIOD_SECONDS``), choosing them in SQL: an issue still inside its
period, or seen again since, stays resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.issues.models import Activity, Issue, Lifecycle
from errorhub.issues.services import issue_resolve, issues_tick
from tests.factories import ProjectFactory
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def _resolved(quiet_days: int, fingerprint: str) -> Issue:
    project = ProjectFactory(quiet_period_days=quiet_days)
    issue = issue_of(project, fingerprint)
    return issue_resolve(issue=issue, user=None)


def _lifecycle(issue: Issue) -> str:
    return Issue.objects.get(pk=issue.pk).lifecycle


def test_each_project_waits_for_its_own_quiet_period(settings) -> None:
    settings.QUIET_PERIOD_SECONDS = 0
    short, long = _resolved(1, "short-quiet"), _resolved(30, "long-quiet")

    assert issues_tick(now=timezone.now() + timedelta(hours=23))["fixed"] == 0
    assert issues_tick(now=timezone.now() + timedelta(days=2))["fixed"] == 1
    assert (_lifecycle(short), _lifecycle(long)) == (Lifecycle.FIXED, Lifecycle.RESOLVED)
    assert issues_tick(now=timezone.now() + timedelta(days=31))["fixed"] == 1
    assert _lifecycle(long) == Lifecycle.FIXED
    assert Activity.objects.get(issue=long, kind="fixed").data["quiet_days"] == 30


def test_quiet_time_counts_from_the_later_of_resolve_and_last_event(settings) -> None:
    settings.QUIET_PERIOD_SECONDS = 0
    issue = _resolved(1, "seen-after-resolve")
    Issue.objects.filter(pk=issue.pk).update(last_seen=timezone.now() + timedelta(days=3))

    assert issues_tick(now=timezone.now() + timedelta(days=2))["fixed"] == 0
    assert issues_tick(now=timezone.now() + timedelta(days=5))["fixed"] == 1


def test_the_global_quiet_period_overrides_the_projects(settings) -> None:
    settings.QUIET_PERIOD_SECONDS = 60
    issue = _resolved(30, "global-quiet")

    assert issues_tick(now=timezone.now() + timedelta(seconds=30))["fixed"] == 0
    assert issues_tick(now=timezone.now() + timedelta(seconds=120))["fixed"] == 1
    assert _lifecycle(issue) == Lifecycle.FIXED
