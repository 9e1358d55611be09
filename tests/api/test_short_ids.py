"""The short id (``SHOP-3``) is accepted wherever an issue id is."""

from __future__ import annotations

import pytest

from tests.issues.events import issue_of

pytestmark = pytest.mark.django_db


def test_short_id_reads_and_changes_the_issue(world):
    issue = issue_of(world.project, "short")
    api = world.api(world.member)
    assert api.get(f"/api/0/issues/{issue.short_code}/").json()["id"] == str(issue.pk)
    assert api.get(f"/api/0/issues/{issue.short_code.lower()}/").json()["shortId"] == issue.short_code
    body = api.put(f"/api/0/issues/{issue.short_code}/", {"status": "resolved"}, format="json").json()
    assert body["status"] == "resolved"
    assert api.get(f"/api/0/issues/{issue.short_code}/events/").status_code == 200


def test_another_teams_short_id_is_a_404(world):
    issue = issue_of(world.other_project, "hidden")
    api = world.api(world.member)
    assert api.get(f"/api/0/issues/{issue.short_code}/").status_code == 404
    assert api.get("/api/0/issues/SHOP-999/").status_code == 404
    assert api.get("/api/0/issues/not-an-id/").status_code == 404
