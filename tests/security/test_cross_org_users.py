"""Users of another organisation are invisible (issue #24's cross-organisation
user lookup): a member of org A cannot assign org A's issues to a user of org B,
by username or e-mail, through the dashboard or the API, and the answer is the
same as for a name that does not exist (nothing tells them the user exists).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.security.attack import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    return make_org("acme", "Acme"), make_org("globex", "Globex")


def dashboard_assign(client: Client, issue_id: int, name: str) -> tuple[int, list[str]]:
    """Status and the page's error and notice texts (the whole page differs by its CSRF token)."""
    response = client.post(f"/issues/{issue_id}/assign/", {"assignee": name}, follow=True)
    html = response.content.decode().replace(name, "NAME")
    return response.status_code, re.findall(r'class="[^"]*(?:error|message|notice)[^"]*"[^>]*>(.*?)</', html, re.S)


def api_assign(api: APIClient, issue_id: int, name: str) -> tuple[int, str]:
    response = api.put(f"/api/0/issues/{issue_id}/", {"assignedTo": name}, format="json")
    return response.status_code, response.content.decode().replace(name, "NAME")


def test_an_outsider_cannot_be_assigned_or_detected(orgs):
    acme, globex = orgs
    client = Client()
    client.force_login(acme.member)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {acme.token}")
    outsider, email = globex.member.username, globex.member.email

    assert dashboard_assign(client, acme.issue.pk, outsider) == dashboard_assign(client, acme.issue.pk, "nobody-xyz"), (
        "the dashboard tells an existing outsider from a name that does not exist"
    )
    for name in (outsider, email):
        status, _ = api_assign(api, acme.issue.pk, name)
        assert 400 <= status < 500, f"assigning to {name!r} answered {status}"
        unknown = "nobody@nowhere.example" if "@" in name else "nobody-xyz"
        assert api_assign(api, acme.issue.pk, name) == api_assign(api, acme.issue.pk, unknown), (
            f"the API tells an existing outsider ({name!r}) from a name that does not exist"
        )
    acme.issue.refresh_from_db()
    assert acme.issue.assignee is None, f"org A's issue was assigned to {acme.issue.assignee}"


def test_a_colleague_can_be_assigned(orgs):
    acme, _ = orgs
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {acme.token}")
    assert api_assign(api, acme.issue.pk, acme.owner.username)[0] == 200
    acme.issue.refresh_from_db()
    assert acme.issue.assignee == acme.owner
