"""Invitation services: create (only a hash stored), accept with role and teams, single use,
expiry, revocation, resend (the old link dies), sign-up, and the refusals a person can act on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from errorhub.accounts import member_services, selectors
from errorhub.accounts.member_services import MembershipError
from errorhub.accounts.models import Invitation, Role
from tests.factories import InvitationFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def invite(world, email="nina@example.com", role=Role.MEMBER, teams=()):
    return member_services.invitation_create(
        organization=world.project.organization, email=email, role=role, teams=teams, invited_by=world.owner
    )


def test_only_the_hash_of_the_token_is_stored_and_it_expires_after_the_setting(world, settings):
    settings.INVITATION_DAYS = 3
    issued = invite(world)
    stored = Invitation.objects.get()
    assert issued.token not in (stored.token_hash, stored.email) and len(issued.token) >= 40
    assert stored.token_hash == Invitation.hash_token(issued.token)
    assert timedelta(days=3) - timedelta(minutes=1) < stored.expires_at - timezone.now() <= timedelta(days=3)
    assert stored.status == "pending" and stored.invited_by == world.owner
    assert selectors.invitation_for_token(issued.token) == stored
    assert selectors.invitation_for_token(issued.token[:-1] + "x") is None


def test_accepting_makes_a_member_with_the_role_and_teams_and_uses_the_link(world):
    org = world.project.organization
    team = TeamFactory(organization=org, name="Mobile")
    issued = invite(world, role=Role.OWNER, teams=[team])
    nina = UserFactory(username="nina", email="Nina@Example.com")  # addresses compare ignoring case
    member_services.invitation_accept(invitation=issued.invitation, user=nina)
    assert selectors.is_member(nina, org) and org.owners.filter(pk=nina.pk).exists()
    assert list(team.members.all()) == [nina]
    used = Invitation.objects.get()
    assert used.status == "accepted" and used.accepted_by == nina


def test_a_member_invited_into_no_team_still_belongs_to_the_organisation(world):
    issued = invite(world)
    nina = UserFactory(username="nina", email="nina@example.com")
    member_services.invitation_accept(invitation=issued.invitation, user=nina)
    org = world.project.organization
    assert selectors.is_member(nina, org) and not selectors.is_owner(nina, org)
    assert [row.role for row in selectors.member_rows(org) if row.user == nina] == [Role.MEMBER]


def test_a_link_works_once(world):
    issued = invite(world)
    member_services.invitation_signup(invitation=issued.invitation, username="nina", password="a-long-pass-phrase")
    other = UserFactory(username="nina2", email="nina@example.com")
    with pytest.raises(MembershipError, match="already been used") as refused:
        member_services.invitation_accept(invitation=Invitation.objects.get(), user=other)
    assert refused.value.status == 410
    assert not selectors.is_member(other, world.project.organization)


def test_an_expired_link_is_refused(world, settings):
    settings.INVITATION_DAYS = 7
    issued = invite(world)
    nina = UserFactory(username="nina", email="nina@example.com")
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert Invitation.objects.get().status == "expired"
        with pytest.raises(MembershipError, match="expired") as refused:
            member_services.invitation_accept(invitation=issued.invitation, user=nina)
    assert refused.value.status == 410
    assert not selectors.is_member(nina, world.project.organization)


def test_a_revoked_link_is_refused(world):
    issued = invite(world)
    member_services.invitation_revoke(invitation=issued.invitation, by=world.owner)
    nina = UserFactory(username="nina", email="nina@example.com")
    with pytest.raises(MembershipError, match="withdrawn"):
        member_services.invitation_accept(invitation=Invitation.objects.get(), user=nina)
    assert Invitation.objects.get().status == "revoked"


def test_resending_issues_a_new_link_and_the_old_one_stops_working(world):
    first = invite(world)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        second = member_services.invitation_resend(invitation=first.invitation, by=world.owner)
        assert second.token != first.token
        assert selectors.invitation_for_token(first.token) is None
        assert selectors.invitation_for_token(second.token) == first.invitation
        assert Invitation.objects.get().expires_at > timezone.now() + timedelta(days=6)


def test_used_or_revoked_invitations_cannot_be_resent(world):
    issued = invite(world)
    member_services.invitation_revoke(invitation=issued.invitation, by=world.owner)
    with pytest.raises(MembershipError, match="revoked"):
        member_services.invitation_resend(invitation=Invitation.objects.get(), by=world.owner)


def test_only_the_invited_address_may_accept(world):
    issued = invite(world)
    with pytest.raises(MembershipError, match="sent to nina@example.com") as refused:
        member_services.invitation_accept(invitation=issued.invitation, user=world.outsider)
    assert refused.value.status == 403
    assert Invitation.objects.get().status == "pending"


def test_members_and_pending_addresses_are_not_invited_twice(world):
    with pytest.raises(MembershipError, match="already a member"):
        invite(world, email=world.member.email.upper())
    invite(world)
    with pytest.raises(MembershipError, match="pending invitation"):
        invite(world, email="NINA@example.com")


def test_teams_of_another_organisation_cannot_be_offered(world):
    with pytest.raises(MembershipError, match="another organisation"):
        invite(world, teams=[TeamFactory()])
    assert not Invitation.objects.exists()


def test_signup_creates_the_account_with_the_invited_address(world):
    issued = invite(world)
    user = member_services.invitation_signup(
        invitation=issued.invitation, username="nina", password="a-long-pass-phrase"
    )
    assert user.email == "nina@example.com" and user.check_password("a-long-pass-phrase")
    assert selectors.is_member(user, world.project.organization)


def test_signup_refuses_a_taken_username_and_leaves_the_link_usable(world):
    issued = invite(world)
    with pytest.raises(MembershipError, match="'mike' is taken") as refused:
        member_services.invitation_signup(invitation=issued.invitation, username="mike", password="a-long-pass-phrase")
    assert refused.value.status == 409
    assert Invitation.objects.get().status == "pending"
    assert not get_user_model().objects.filter(email="nina@example.com").exists()


def test_factory_invitation_is_found_by_its_token(world):
    invitation = InvitationFactory(organization=world.project.organization, token="known-token")
    assert selectors.invitation_for_token("known-token") == invitation
    assert selectors.invitation_for_token("") is None and selectors.invitation_for_token("x" * 500) is None
