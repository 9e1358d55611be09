"""``selectors.is_member``: the one membership rule behind Slack's "may act on this issue"
and the API's "shows this user's e-mail" — owners and team members, active only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from errorhub.accounts import selectors
from errorhub.api.serializers import IssueSerializer
from errorhub.issues.services import issue_assign
from tests.factories import OrganizationFactory, TeamFactory, UserFactory
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_owners_and_team_members_are_members_others_are_not(world):
    org = world.project.organization
    stranger, retired = UserFactory(username="stan"), UserFactory(username="ret")
    TeamFactory(organization=OrganizationFactory(slug="elsewhere")).members.add(stranger)
    TeamFactory(organization=org, slug="c").members.add(retired)
    retired.is_active = False
    retired.save()

    assert selectors.is_member(world.owner, org) and selectors.is_member(world.member, org)
    assert selectors.is_member(world.outsider, org), "a member of another team of the same organisation"
    assert not selectors.is_member(stranger, org)
    assert not selectors.is_member(retired, org)


def test_the_api_shows_the_email_of_members_only(world):
    issue = issue_of(world.project, "membership")
    stranger = UserFactory(username="stan", email="stan@example.com")
    issue_assign(issue=issue, user=None, assignee=stranger)
    assert IssueSerializer(issue).data["assignedTo"]["email"] is None
    issue_assign(issue=issue, user=None, assignee=world.member)
    assert IssueSerializer(issue).data["assignedTo"]["email"] == world.member.email


def test_the_api_does_not_import_the_dashboard():
    api = Path(__file__).resolve().parents[2] / "errorhub" / "api"
    imported = set()
    for source in api.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not {name for name in imported if name.startswith("errorhub.dashboard")}
