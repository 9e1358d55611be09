"""The lifecycle tick never writes back a stale issue (a real race on PostgreSQL).

Another connection holds an issue's row lock and records an event on it (ingest's
batch); the tick has already chosen the issue as a candidate and waits for that
lock. When ingest commits, the tick must see what it committed: a regression is not
turned into "fixed", and ending a snooze keeps the counts ingest wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from errorhub.issues.models import Activity, Issue, Lifecycle
from errorhub.issues.services import issue_resolve, issue_snooze, issues_tick
from tests.factories import ProjectFactory
from tests.issues.events import issue_of, record
from tests.races import issue_row_held_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)


def _tick_while_locked(issue_id: int, under_the_tick: Callable[[], None], *, ahead: timedelta) -> dict[str, int]:
    """Run the tick while another connection holds ``issue_id``'s row lock, then runs
    ``under_the_tick`` and commits once the tick is waiting for that lock."""
    with issue_row_held_elsewhere(issue_id, then=under_the_tick, who="the tick"):
        return issues_tick(now=timezone.now() + ahead)


def test_a_regression_committed_during_the_tick_is_not_marked_fixed() -> None:
    assert connection.vendor == "postgresql", "row locks: the PostgreSQL run only"
    project = ProjectFactory()
    issue = issue_of(project, "regresses-under-the-tick")
    issue_resolve(issue=issue, user=None)

    done = _tick_while_locked(issue.pk, lambda: record(project, "regresses-under-the-tick"), ahead=timedelta(days=400))

    after = Issue.objects.get(pk=issue.pk)
    assert done["fixed"] == 0
    assert after.lifecycle == Lifecycle.REGRESSED and after.in_inbox
    assert after.times_seen == 2
    assert not Activity.objects.filter(issue=issue, kind="fixed").exists()


def test_ending_a_snooze_keeps_the_counts_ingest_committed_meanwhile() -> None:
    assert connection.vendor == "postgresql", "row locks: the PostgreSQL run only"
    project = ProjectFactory()
    issue = issue_of(project, "counted-under-the-tick")
    issue_snooze(issue=issue, user=None, reason="deploy", until=timezone.now() + timedelta(minutes=5), count=100)

    done = _tick_while_locked(
        issue.pk, lambda: record(project, "counted-under-the-tick", count=3), ahead=timedelta(hours=1)
    )

    after = Issue.objects.get(pk=issue.pk)
    assert done["snoozes_ended"] == 1
    assert after.lifecycle == Lifecycle.NEW and after.in_inbox and after.inbox_reason == "snooze_ended"
    assert after.times_seen == 4, "the tick wrote back its stale count"
    assert after.last_seen > issue.last_seen


def test_a_resolve_committed_during_the_tick_is_not_undone() -> None:
    assert connection.vendor == "postgresql", "row locks: the PostgreSQL run only"
    project = ProjectFactory()
    issue = issue_of(project, "resolved-under-the-tick")
    issue_snooze(issue=issue, user=None, reason="deploy", until=timezone.now() + timedelta(minutes=5))

    def resolve() -> None:
        issue_resolve(issue=Issue.objects.get(pk=issue.pk), user=None, release="2.0")

    done = _tick_while_locked(issue.pk, resolve, ahead=timedelta(hours=1))

    after = Issue.objects.get(pk=issue.pk)
    assert done["snoozes_ended"] == 0
    assert after.lifecycle == Lifecycle.RESOLVED and after.resolved_in_release == "2.0"
    assert not Activity.objects.filter(issue=issue, kind="snooze_ended").exists()
