"""Bulk ``PUT /api/0/projects/<org>/<project>/issues/`` the way sentry-cli sends it: issues by
``?id=``, by ``?status=``, or every unresolved one; the answer is Sentry's summary body."""

from __future__ import annotations

import pytest

from errorhub.issues.models import Issue
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
BULK = "/api/0/projects/acme/shop/issues/"


def lifecycle(issue: Issue) -> str:
    return Issue.objects.get(pk=issue.pk).lifecycle


def test_by_id_answers_the_change_as_applied(world):
    one, two = issue_of(world.project, "one"), issue_of(world.project, "two")
    response = world.api(world.member).put(
        f"{BULK}?id={one.pk}&id={two.pk}", {"status": "resolved", "snoozeDuration": None}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"status": "resolved", "snoozeDuration": None}
    assert lifecycle(one) == lifecycle(two) == "resolved"


def test_by_status_and_without_a_filter(world):
    done, open_ = issue_of(world.project, "done"), issue_of(world.project, "open")
    api = world.api(world.member)
    api.put(f"{BULK}?id={done.pk}", {"status": "resolved"}, format="json")
    assert api.put(f"{BULK}?status=resolved", {"status": "unresolved"}, format="json").status_code == 200
    assert lifecycle(done) == "new" and lifecycle(open_) == "new"
    assert api.put(BULK, {"status": "resolved"}, format="json").status_code == 200  # sentry-cli --all
    assert lifecycle(done) == lifecycle(open_) == "resolved"
    assert api.put(f"{BULK}?status=ignored", {"status": "resolved"}, format="json").status_code == 204


def test_bad_filters_are_400s(world):
    api = world.api(world.member)
    other = issue_of(world.other_project, "elsewhere")
    mine = issue_of(world.project, "mine")
    assert api.put(f"{BULK}?status=sleeping", {"status": "resolved"}, format="json").status_code == 400
    assert api.put(f"{BULK}?id={other.pk}", {"status": "resolved"}, format="json").status_code == 404
    response = api.put(f"{BULK}?id={mine.pk}", {"status": "asleep"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["detail"]
    assert lifecycle(other) == lifecycle(mine) == "new"
