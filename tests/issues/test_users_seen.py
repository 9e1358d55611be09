"""``Issue.users_seen`` counts distinct users exactly, across batches and duplicates."""

from __future__ import annotations

import pytest

from errorhub.issues.digest import events_record
from errorhub.issues.models import Issue, IssueUser
from tests.factories import ProjectFactory
from tests.issues.events import sentry_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def _events(project, users: list[str | None]) -> list[dict]:
    return [sentry_event(project, fingerprint="checkout", user={"id": u} if u else {}) for u in users]


def test_distinct_users_counted_once_across_batches() -> None:
    project = ProjectFactory()
    first = events_record(project=project, events=_events(project, ["ann", "bob", "ann", None]))
    (issue_id,) = first.changes
    assert Issue.objects.get(pk=issue_id).users_seen == 2

    events_record(project=project, events=_events(project, ["bob", "cy", "dee", "cy"]))
    issue = Issue.objects.get(pk=issue_id)
    assert issue.users_seen == 4
    assert issue.users_seen == IssueUser.objects.filter(issue=issue).count()
    assert issue.times_seen == 8


def test_users_of_one_issue_do_not_count_on_another() -> None:
    project = ProjectFactory()
    events_record(project=project, events=_events(project, ["ann", "bob"]))
    other = [sentry_event(project, fingerprint="login", user={"email": "ann@example.com"})]
    (other_id,) = events_record(project=project, events=other).changes
    assert Issue.objects.get(pk=other_id).users_seen == 1
