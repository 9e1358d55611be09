"""Member services: roles change, members leave with all their teams, and an organisation never
loses its last owner."""

from __future__ import annotations

import pytest

from errorhub.accounts import member_services, selectors
from errorhub.accounts.member_services import MembershipError
from errorhub.accounts.models import Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_a_member_is_made_owner_and_back(world):
    org = world.project.organization
    member_services.member_set_role(organization=org, user=world.member, role=Role.OWNER, by=world.owner)
    assert selectors.is_owner(world.member, org)
    member_services.member_set_role(organization=org, user=world.member, role=Role.MEMBER, by=world.owner)
    assert not selectors.is_owner(world.member, org) and selectors.is_member(world.member, org)


def test_the_last_owner_cannot_be_demoted(world):
    org = world.project.organization
    with pytest.raises(MembershipError, match="olivia is the last owner of Acme") as refused:
        member_services.member_set_role(organization=org, user=world.owner, role=Role.MEMBER, by=world.owner)
    assert refused.value.status == 409
    assert selectors.is_owner(world.owner, org)


def test_the_last_owner_cannot_be_removed_but_one_of_two_can(world):
    org = world.project.organization
    with pytest.raises(MembershipError, match="last owner"):
        member_services.member_remove(organization=org, user=world.owner, by=world.owner)
    member_services.member_set_role(organization=org, user=world.member, role=Role.OWNER, by=world.owner)
    member_services.member_remove(organization=org, user=world.owner, by=world.member)
    assert not selectors.is_member(world.owner, org)
    assert list(org.owners.all()) == [world.member]


def test_an_inactive_owner_does_not_count_as_another_owner(world):
    org = world.project.organization
    org.owners.add(UserFactory(username="gone", is_active=False))
    with pytest.raises(MembershipError, match="last owner"):
        member_services.member_set_role(organization=org, user=world.owner, role=Role.MEMBER, by=world.owner)


def test_removing_a_member_takes_them_out_of_every_team_and_every_project(world):
    org = world.project.organization
    assert selectors.projects_for_user(world.member).exists()
    member_services.member_remove(organization=org, user=world.member, by=world.owner)
    assert not selectors.is_member(world.member, org)
    assert not org.teams.filter(members=world.member).exists()
    assert not selectors.projects_for_user(world.member).exists()


def test_a_role_is_only_given_to_members(world):
    stranger = UserFactory(username="stranger")
    with pytest.raises(MembershipError, match="not a member") as refused:
        member_services.member_set_role(
            organization=world.project.organization, user=stranger, role=Role.OWNER, by=world.owner
        )
    assert refused.value.status == 404
    with pytest.raises(MembershipError, match="not a role"):
        member_services.member_set_role(
            organization=world.project.organization, user=world.member, role="admin", by=world.owner
        )


def test_member_rows_list_roles_and_teams_owners_first(world):
    rows = selectors.member_rows(world.project.organization)
    assert [(r.user.username, r.role) for r in rows] == [
        ("olivia", Role.OWNER),
        ("mike", Role.MEMBER),
        ("oscar", Role.MEMBER),
    ]
    assert [t.slug for t in rows[1].teams] == ["a"] and [t.slug for t in rows[2].teams] == ["b"]
