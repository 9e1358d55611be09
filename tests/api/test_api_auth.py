"""REST API authentication and scoping: who may see and change which issue."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.issues.events import issue_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def issues(world):
    return issue_of(world.project, "shop-bug"), issue_of(world.other_project, "billing-bug")


def test_no_token_is_refused(issues):
    response = APIClient().get("/api/0/projects/")
    assert response.status_code in (401, 403)
    assert APIClient().get(f"/api/0/issues/{issues[0].pk}/").status_code in (401, 403)


@pytest.mark.parametrize("header", ["Bearer ehp_not-a-real-token", "Bearer    "])
def test_bad_token_is_401(issues, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/0/projects/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_member_sees_own_projects_issues(world, issues):
    api = world.api(world.member)
    assert [p["slug"] for p in api.get("/api/0/projects/").json()] == ["shop"]
    listed = api.get("/api/0/projects/acme/shop/issues/?query=").json()
    assert [i["id"] for i in listed] == [str(issues[0].pk)]
    assert api.get(f"/api/0/issues/{issues[0].pk}/").json()["project"]["slug"] == "shop"
    org_wide = api.get("/api/0/organizations/acme/issues/?query=").json()
    assert [i["id"] for i in org_wide] == [str(issues[0].pk)], "another team's issue is not listed"


def test_outsider_gets_404_on_another_teams_issue(world, issues):
    api = world.api(world.outsider)
    shop_issue = issues[0]
    assert api.get(f"/api/0/issues/{shop_issue.pk}/").status_code == 404
    response = api.put(f"/api/0/issues/{shop_issue.pk}/", {"status": "resolved"}, format="json")
    assert response.status_code == 404
    shop_issue.refresh_from_db()
    assert shop_issue.lifecycle == "new"
    assert api.get(f"/api/0/issues/{shop_issue.pk}/events/").status_code == 404
    assert api.post(f"/api/0/issues/{shop_issue.pk}/comments/", {"text": "hi"}, format="json").status_code == 404
    assert api.get("/api/0/projects/acme/shop/issues/").status_code == 404
    assert api.get(f"/api/0/issues/{issues[1].pk}/").status_code == 200


def test_unknown_issue_ids_are_404(world):
    api = world.api(world.member)
    assert api.get("/api/0/issues/999999/").status_code == 404
    assert api.get("/api/0/issues/not-a-number/").status_code == 404
