"""An organisation token reaches its organisation only, even when its user belongs to others:
another organisation's projects, releases, issues and events answer 404 and are never listed."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from errorhub.accounts.models import Organization
from errorhub.accounts.services import api_token_create
from errorhub.issues.release_services import release_create
from tests.factories import OrganizationFactory, ProjectFactory, TeamFactory
from tests.issues.events import issue_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def globex(world):
    """A second organisation whose team the acme member (mike) also belongs to."""
    org = OrganizationFactory(slug="globex", name="Globex")
    team = TeamFactory(organization=org, slug="g")
    team.members.add(world.member)
    project = ProjectFactory(organization=org, slug="portal", name="Portal")
    project.teams.add(team)
    release_create(projects=[project], version="portal@2.0")
    return project


def org_token_client(user, org: Organization) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, organization=org)}")
    return client


def test_an_organisation_token_lists_only_its_organisation(world, globex):
    client = org_token_client(world.member, world.project.organization)
    assert [o["slug"] for o in client.get("/api/0/organizations/").json()] == ["acme"]
    assert {p["organization"] for p in client.get("/api/0/projects/").json()} == {"acme"}
    assert client.get("/api/0/").json()["auth"]["organization"] == "acme"


def test_another_organisation_is_a_404_for_it(world, globex):
    issue = issue_of(globex, "elsewhere")
    client = org_token_client(world.member, world.project.organization)
    for path in (
        "/api/0/organizations/globex/",
        "/api/0/organizations/globex/projects/",
        "/api/0/organizations/globex/releases/",
        "/api/0/organizations/globex/releases/portal@2.0/",
        "/api/0/projects/globex/portal/issues/",
        f"/api/0/issues/{issue.pk}/",
        f"/api/0/issues/{issue.short_code}/",
        f"/api/0/issues/{issue.pk}/events/",
    ):
        assert client.get(path).status_code == 404, path
    put = client.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"}, format="json")
    assert put.status_code == 404
    created = client.post("/api/0/projects/", {"organization": "globex", "name": "Sneaky"}, format="json")
    assert created.status_code == 404
    issue.refresh_from_db()
    assert issue.lifecycle == "new"


def test_the_same_user_with_a_user_token_reaches_both(world, globex):
    issue = issue_of(globex, "both")
    client = world.api(world.member)
    assert {o["slug"] for o in client.get("/api/0/organizations/").json()} == {"acme", "globex"}
    assert client.get(f"/api/0/issues/{issue.pk}/").status_code == 200
