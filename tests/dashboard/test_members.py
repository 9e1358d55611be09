"""The members page: members see who is in the organisation, with roles and teams; owners change
roles, teams and membership by picking people; the last owner stays; outsiders get 404."""

from __future__ import annotations

import pytest

from errorhub.accounts import selectors
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
MEMBERS = "/orgs/acme/members/"


def test_members_see_everyone_with_role_and_teams_but_no_controls(login, world):
    body = login(world.member).get(MEMBERS).content.decode()
    for name in ("olivia", "mike", "oscar"):
        assert f'data-username="{name}"' in body
    assert 'class="role role-owner">owner' in body and "Change role" not in body and "Invite people" not in body


def test_owners_get_the_controls(login, world):
    body = login(world.owner).get(MEMBERS).content.decode()
    assert "Change role" in body and "Invite people" in body and "Remove from Acme" in body


def test_outsiders_get_404_and_anonymous_the_login(login, world, client):
    stranger = UserFactory(username="stranger")
    assert login(stranger).get(MEMBERS).status_code == 404
    assert login(stranger).post(f"{MEMBERS}{world.member.pk}/role/", {"role": "owner"}).status_code == 404
    assert login(world.owner).get("/orgs/no-such-org/members/").status_code == 404
    client.logout()
    assert client.get(MEMBERS).status_code == 302


def test_an_owner_changes_a_role(login, world):
    response = login(world.owner).post(f"{MEMBERS}{world.member.pk}/role/", {"role": "owner"})
    assert response.status_code == 302 and response["Location"] == MEMBERS
    assert selectors.is_owner(world.member, world.project.organization)


def test_a_member_cannot_change_roles(login, world):
    response = login(world.member).post(f"{MEMBERS}{world.member.pk}/role/", {"role": "owner"})
    assert response.status_code == 403 and b"Only the owners of Acme" in response.content
    assert not selectors.is_owner(world.member, world.project.organization)


def test_the_last_owner_cannot_be_demoted_or_removed(login, world):
    client = login(world.owner)
    response = client.post(f"{MEMBERS}{world.owner.pk}/role/", {"role": "member"})
    assert response.status_code == 409
    assert b"olivia is the last owner of Acme and cannot be made a plain member" in response.content
    response = client.post(f"{MEMBERS}{world.owner.pk}/remove/")
    assert response.status_code == 409 and b"cannot be removed: make another member an owner first" in response.content
    assert selectors.is_owner(world.owner, world.project.organization)


def test_bad_role_and_unknown_member_are_4xx(login, world):
    client = login(world.owner)
    response = client.post(f"{MEMBERS}{world.member.pk}/role/", {"role": "emperor"})
    assert response.status_code == 400 and b"Choose a role: owner or member." in response.content
    stranger = UserFactory(username="stranger")
    assert client.post(f"{MEMBERS}{stranger.pk}/role/", {"role": "owner"}).status_code == 404
    assert client.post(f"{MEMBERS}{stranger.pk}/remove/").status_code == 404


def test_an_owner_removes_a_member(login, world):
    response = login(world.owner).post(f"{MEMBERS}{world.member.pk}/remove/")
    assert response.status_code == 302
    assert not selectors.is_member(world.member, world.project.organization)
    assert 'data-username="mike"' not in login(world.owner).get(MEMBERS).content.decode()
    assert login(world.member).get(MEMBERS).status_code == 404


def test_an_owner_adds_a_picked_member_to_a_team_and_returns_to_the_members_page(login, world):
    mobile = TeamFactory(organization=world.project.organization, name="Mobile")
    client = login(world.owner)
    response = client.post(f"/teams/{mobile.pk}/members/", {"user": world.member.pk, "next": MEMBERS})
    assert response.status_code == 302 and response["Location"] == MEMBERS
    assert mobile.members.filter(pk=world.member.pk).exists()
    response = client.post(f"/teams/{mobile.pk}/members/{world.member.pk}/remove/", {"next": MEMBERS})
    assert response["Location"] == MEMBERS and not mobile.members.exists()


def test_only_members_of_the_organisation_can_be_picked_for_a_team(login, world):
    team = world.project.teams.first()
    stranger = UserFactory(username="stranger")
    client = login(world.owner)
    response = client.post(f"/teams/{team.pk}/members/", {"user": stranger.pk}, follow=True)
    assert b"Pick a member of this organisation." in response.content
    assert not team.members.filter(pk=stranger.pk).exists()
    body = client.get("/teams/").content.decode()
    assert f'<option value="{world.outsider.pk}">oscar' in body and "stranger" not in body


def test_a_next_to_another_site_is_ignored(login, world):
    team = world.project.teams.first()
    response = login(world.owner).post(
        f"/teams/{team.pk}/members/", {"user": world.outsider.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/teams/"
