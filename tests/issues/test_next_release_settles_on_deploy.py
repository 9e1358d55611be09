""" "Resolved in the next release" waits for the release really deployed next: the deploy of a
release settles it, so events of builds that were never deployed do not regress the issue,
and an event of the deployed release or a newer one does."""

from __future__ import annotations

import pytest

from errorhub.issues.models import Activity, Issue
from errorhub.issues.release_services import deploy_create, release_create
from tests.issues.events import issue_of, record

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def resolve_in_next_release(world, issue: Issue) -> None:
    response = world.api(world.member).put(
        f"/api/0/issues/{issue.pk}/", {"status": "resolved", "statusDetails": {"inNextRelease": True}}, format="json"
    )
    assert response.status_code == 200, response.content


def test_the_deployed_release_is_the_fix(world):
    issue = issue_of(world.project, "next", release="1.0.0")
    deploy_create(releases=release_create(projects=[world.project], version="1.0.0"), environment="production")
    resolve_in_next_release(world, issue)
    record(world.project, "next", release="1.1.0")  # built, never deployed: events from a canary
    assert Issue.objects.get(pk=issue.pk).lifecycle == "resolved"
    rows = release_create(projects=[world.project], version="1.2.0")
    deploy_create(releases=rows, environment="production")
    settled = Issue.objects.get(pk=issue.pk)
    assert settled.resolved_in_release == "1.2.0" and not settled.resolved_in_next_release
    assert Activity.objects.get(issue=issue, kind="release_deployed").data["release"] == "1.2.0"

    record(world.project, "next", release="1.1.0")  # still the old build somewhere
    assert Issue.objects.get(pk=issue.pk).lifecycle == "resolved"
    record(world.project, "next", release="1.2.0")
    assert Issue.objects.get(pk=issue.pk).lifecycle == "regressed"


def test_a_deploy_of_the_release_current_at_resolve_time_settles_nothing(world):
    issue = issue_of(world.project, "same", release="2.0.0")
    resolve_in_next_release(world, issue)
    deploy_create(releases=release_create(projects=[world.project], version="2.0.0"), environment="production")
    still = Issue.objects.get(pk=issue.pk)
    assert still.resolved_in_next_release and still.resolved_in_release == "2.0.0"


def test_without_deploys_the_next_release_seen_in_events_is_the_fix(world):
    issue = issue_of(world.project, "no-deploys", release="4.0.0")
    resolve_in_next_release(world, issue)
    record(world.project, "no-deploys", release="4.1.0")
    assert Issue.objects.get(pk=issue.pk).lifecycle == "regressed"


def test_a_deploy_in_another_project_settles_nothing_here(world):
    issue = issue_of(world.project, "elsewhere", release="3.0.0")
    resolve_in_next_release(world, issue)
    deploy_create(releases=release_create(projects=[world.other_project], version="3.1.0"), environment="production")
    assert Issue.objects.get(pk=issue.pk).resolved_in_next_release
