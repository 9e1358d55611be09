"""Named personas shared by the Django tests: an owner, a member, an outsider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from errorhub.accounts.models import Project, ProjectKey
from errorhub.accounts.services import api_token_create
from tests.factories import OrganizationFactory, ProjectFactory, ProjectKeyFactory, TeamFactory, UserFactory


@dataclass
class World:
    project: Project
    key: ProjectKey
    other_project: Project
    owner: object
    member: object
    outsider: object

    def api(self, user: object) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")
        return client

    def auth_header(self) -> str:
        return f"Sentry sentry_key={self.key.public_key}, sentry_version=7, sentry_client=tests/1.0"


@pytest.fixture
def world(db) -> World:
    org = OrganizationFactory(slug="acme", name="Acme")
    team_a, team_b = TeamFactory(organization=org, slug="a"), TeamFactory(organization=org, slug="b")
    owner, member, outsider = (
        UserFactory(username="olivia"),
        UserFactory(username="mike"),
        UserFactory(username="oscar"),
    )
    org.owners.add(owner)
    team_a.members.add(owner, member)
    team_b.members.add(outsider)
    project = ProjectFactory(organization=org, slug="shop", name="Shop")
    project.teams.add(team_a)
    other = ProjectFactory(organization=org, slug="billing", name="Billing")
    other.teams.add(team_b)
    return World(
        project=project,
        key=ProjectKeyFactory(project=project),
        other_project=other,
        owner=owner,
        member=member,
        outsider=outsider,
    )
