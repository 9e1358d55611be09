"""Issue search on the issue table: Sentry's meaning of ``is:``, ``timesSeen``, ``firstRelease``,
``age`` and ``release:latest``, and unknown keys refused — on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.issues.models import Issue
from errorhub.issues.search import filter_issues, latest_releases, parse_issue_query, tag_key_seen
from errorhub.issues.services import issue_resolve, issue_snooze
from ingest.protocol.search.query import QueryError
from tests.dashboard.conftest import crash, record_event
from tests.factories import IssueFactory, ReleaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def search(world, text: str) -> set[str]:
    ids = [world.project.pk]
    query = parse_issue_query(text, project_ids=ids)
    qs = filter_issues(Issue.objects.filter(project_id__in=ids), query, me=world.member, project_ids=ids)
    return set(qs.values_list("title", flat=True))


@pytest.fixture
def states(world):
    """One issue per lifecycle state that matters to ``is:``."""
    made = {}
    for state in ("new", "acknowledged", "regressed", "resolved", "fixed", "snoozed"):
        made[state] = IssueFactory(project=world.project, title=state, lifecycle=state, in_inbox=state == "new")
    return made


def test_unresolved_is_neither_resolved_nor_snoozed(world, states):
    assert search(world, "is:unresolved") == {"new", "acknowledged", "regressed"}
    assert search(world, "!is:unresolved") == {"resolved", "fixed", "snoozed"}


def test_unresolved_after_real_snooze_and_resolve(world):
    snoozed, _ = record_event(world.project, **crash())
    resolved, _ = record_event(world.project, **crash(exception={"values": [{"type": "OSError", "value": "x"}]}))
    issue_snooze(issue=snoozed, user=world.member, reason="deploy", until=timezone.now() + timedelta(hours=2))
    issue_resolve(issue=resolved, user=world.member)
    assert search(world, "is:unresolved") == set()
    assert search(world, "is:ignored") == {snoozed.title}
    assert search(world, "is:resolved") == {resolved.title}


@pytest.mark.parametrize(
    ("typed", "expected"), [("ignored", {"snoozed"}), ("archived", {"snoozed"}), ("for_review", {"new"})]
)
def test_sentry_state_names(world, states, typed, expected):
    assert search(world, f"is:{typed}") == expected


def test_times_seen_comparisons(world):
    for n in (1, 10, 11, 500):
        IssueFactory(project=world.project, title=f"seen {n}", times_seen=n)
    assert search(world, "times_seen:>10") == {"seen 11", "seen 500"}
    assert search(world, "timesSeen:>=10 timesSeen:<500") == {"seen 10", "seen 11"}
    assert search(world, "timesSeen:1") == {"seen 1"}
    assert search(world, "!timesSeen:>10") == {"seen 1", "seen 10"}


def test_first_release_and_latest(world):
    IssueFactory(project=world.project, title="old", first_release="shop@1.0")
    IssueFactory(project=world.project, title="new", first_release="shop@2.0")
    IssueFactory(project=world.project, title="none")
    ReleaseFactory(project=world.project, version="shop@1.0", first_seen=timezone.now() - timedelta(days=3))
    ReleaseFactory(project=world.project, version="shop@2.0", first_seen=timezone.now())
    assert latest_releases([world.project.pk]) == ("shop@2.0",)
    assert search(world, "firstRelease:shop@1.0") == {"old"}
    assert search(world, "first-release:latest") == {"new"}
    assert search(world, "first_release:shop@*") == {"old", "new"}
    assert search(world, "!firstRelease:shop@1.0") == {"new", "none"}


def test_release_latest_finds_issues_with_events_in_the_newest_release(world):
    ReleaseFactory(project=world.project, version="shop@1.2.0", first_seen=timezone.now() - timedelta(days=1))
    ReleaseFactory(project=world.project, version="shop@1.3.0", first_seen=timezone.now())
    old, _ = record_event(world.project, **crash())
    new, _ = record_event(
        world.project, **crash(release="shop@1.3.0", exception={"values": [{"type": "OSError", "value": "disk"}]})
    )
    assert search(world, "release:latest") == {new.title}
    assert search(world, "release:shop@1.2.0") == {old.title}


def test_age_is_first_seen_and_last_seen_is_last_seen(world):
    now = timezone.now()
    IssueFactory(project=world.project, title="young", first_seen=now - timedelta(hours=2), last_seen=now)
    IssueFactory(
        project=world.project,
        title="old but busy",
        first_seen=now - timedelta(days=10),
        last_seen=now - timedelta(minutes=5),
    )
    IssueFactory(
        project=world.project,
        title="old and quiet",
        first_seen=now - timedelta(days=10),
        last_seen=now - timedelta(days=9),
    )
    assert search(world, "age:-24h") == {"young"}
    assert search(world, "age:+7d") == {"old but busy", "old and quiet"}
    assert search(world, "lastSeen:-1h") == {"young", "old but busy"}
    assert search(world, "firstSeen:+7d lastSeen:-1h") == {"old but busy"}


def test_unknown_key_is_an_error_but_a_seen_tag_is_searched(world):
    record_event(world.project, **crash())  # tags browser=Firefox, region=eu
    assert tag_key_seen("browser", [world.project.pk])
    assert not tag_key_seen("browser", [world.other_project.pk])
    assert search(world, "browser:Firefox region:eu")
    with pytest.raises(QueryError) as err:
        search(world, "is:unresolved foo:bar")
    assert err.value.position == 14 and "Unknown search key `foo`" in err.value.message


def test_a_tag_of_another_project_is_unknown_here(world):
    record_event(world.other_project, **crash(tags={"tenant": "globex"}))
    with pytest.raises(QueryError, match="Unknown search key `tenant`"):
        search(world, "tenant:globex")
