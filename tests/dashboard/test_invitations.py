"""The invitation pages: owners invite, resend and revoke; the invited sign up or join through the
link; every refusal is a 4xx page saying why; unknown links are throttled like passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from errorhub.accounts import selectors
from errorhub.accounts.models import Invitation
from tests.factories import InvitationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
INVITE = "/orgs/acme/invitations/"
STRONG = "plum-tree-harbour-42"


def link_path(body: str) -> str:
    """The invitation link's path, as shown once on the owner's page."""
    (url,) = re.findall(r'id="invite-link" readonly value="http://testserver(/invitations/[^"]+/)"', body)
    return url


def test_an_owner_invites_and_sees_the_link_once(login, world):
    team = world.project.teams.first()
    response = login(world.owner).post(INVITE, {"email": "nina@example.com", "role": "member", "teams": [team.pk]})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    path = link_path(body)
    invitation = Invitation.objects.get()
    assert path.split("/")[2] not in invitation.token_hash
    assert list(invitation.teams.all()) == [team]
    again = login(world.owner).get(INVITE).content.decode()
    assert "nina@example.com" in again and path not in again, "the link is shown once, then only its row"


def test_only_owners_reach_the_invitation_page(login, world, client):
    assert login(world.member).get(INVITE).status_code == 403
    assert b"Only the owners of Acme" in login(world.member).post(INVITE, {"email": "x@example.com"}).content
    stranger = UserFactory(username="stranger")
    assert login(stranger).get(INVITE).status_code == 404
    assert not Invitation.objects.exists()
    client.logout()
    assert client.get(INVITE).status_code == 302


def test_bad_input_is_a_400_saying_what_was_wrong(login, world):
    client = login(world.owner)
    response = client.post(INVITE, {"email": "not-an-address", "role": "member"})
    assert response.status_code == 400 and b"Enter a valid email address." in response.content
    response = client.post(INVITE, {"email": "nina@example.com", "role": "emperor"})
    assert response.status_code == 400 and b"emperor is not one of the available choices" in response.content
    other_team = TeamFactory()
    response = client.post(INVITE, {"email": "nina@example.com", "role": "member", "teams": [other_team.pk]})
    assert response.status_code == 400 and b"is not one of the available choices" in response.content
    response = client.post(INVITE, {"email": "mike@example.com", "role": "member"})
    assert response.status_code == 409 and b"mike@example.com is already a member of Acme." in response.content
    assert not Invitation.objects.exists()


def test_resend_and_revoke(login, world):
    client = login(world.owner)
    first = link_path(client.post(INVITE, {"email": "nina@example.com", "role": "member"}).content.decode())
    invitation = Invitation.objects.get()
    response = client.post(f"{INVITE}{invitation.pk}/resend/")
    assert response.status_code == 200
    second = link_path(response.content.decode())
    assert second != first
    assert Client().get(first).status_code == 404
    assert client.post(f"{INVITE}{invitation.pk}/revoke/").status_code == 302
    response = Client().get(second)
    assert response.status_code == 410 and b"withdrawn by an owner" in response.content
    response = client.post(f"{INVITE}{invitation.pk}/resend/")
    assert response.status_code == 409 and b"was revoked: it cannot be sent again" in response.content


def test_members_cannot_resend_or_revoke_and_other_orgs_invitations_are_404(login, world):
    invitation = InvitationFactory(organization=world.project.organization)
    assert login(world.member).post(f"{INVITE}{invitation.pk}/revoke/").status_code == 403
    foreign = InvitationFactory()
    assert login(world.owner).post(f"{INVITE}{foreign.pk}/revoke/").status_code == 404
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 0


def test_sign_up_through_the_link_then_log_in(world):
    invitation = InvitationFactory(organization=world.project.organization, email="nina@example.com", token="t0k3n")
    invitation.teams.add(world.project.teams.first())
    browser = Client()
    page = browser.get("/invitations/t0k3n/")
    assert page.status_code == 200 and b"Join Acme" in page.content and b"nina@example.com" in page.content
    assert page["Referrer-Policy"] == "same-origin" and page["Cache-Control"] == "no-store"
    response = browser.post("/invitations/t0k3n/", {"username": "nina", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302 and response["Location"] == "/login/"
    nina = get_user_model().objects.get(username="nina")
    assert nina.email == "nina@example.com"
    assert selectors.projects_for_user(nina).filter(pk=world.project.pk).exists()
    assert browser.post("/login/", {"username": "nina", "password": STRONG}).status_code == 302
    assert browser.get("/").status_code == 200


def test_sign_up_applies_djangos_password_validators(world):
    InvitationFactory(organization=world.project.organization, email="nina@example.com", token="t0k3n")
    response = Client().post("/invitations/t0k3n/", {"username": "nina", "password1": "short", "password2": "short"})
    assert response.status_code == 400
    assert b"This password is too short" in response.content
    response = Client().post("/invitations/t0k3n/", {"username": "mike", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 400 and b"A user with that username already exists." in response.content
    assert not get_user_model().objects.filter(email="nina@example.com").exists()
    assert Invitation.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"accepted_at": timezone.now()}, 410, b"already been used"),
        ({"revoked_at": timezone.now()}, 410, b"withdrawn by an owner"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, 410, b"has expired"),
    ],
)
def test_used_revoked_and_expired_links_get_a_clear_page(world, change, status, message):
    InvitationFactory(organization=world.project.organization, token="t0k3n", **change)
    for method in ("get", "post"):
        response = getattr(Client(), method)(
            "/invitations/t0k3n/", {"username": "nina", "password1": STRONG, "password2": STRONG}
        )
        assert response.status_code == status and message in response.content
    assert not get_user_model().objects.filter(username="nina").exists()


def test_there_is_no_sign_up_without_an_invitation(world):
    response = Client().get("/invitations/made-up/")
    assert response.status_code == 404 and b"This invitation link is not valid" in response.content
    assert Client().get("/signup/").status_code == 404
    response = Client().post("/invitations/made-up/", {"username": "x", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 404
    assert not get_user_model().objects.filter(username="x").exists()


def test_guessing_links_is_throttled_like_the_login(world, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    statuses = [Client().get(f"/invitations/guess-{n}/").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]
    response = Client().get("/invitations/guess-again/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert b"Too many failed log-in attempts from this address" in response.content
    InvitationFactory(organization=world.project.organization, token="real-one")
    assert Client().get("/invitations/real-one/").status_code == 200, "a real link still works"


def test_a_logged_in_user_with_the_invited_address_joins(login, world):
    kim = UserFactory(username="kim", email="kim@example.com")
    InvitationFactory(organization=world.project.organization, email="KIM@example.com", token="t0k3n", role="owner")
    client = login(kim)
    assert b"Join Acme" in client.get("/invitations/t0k3n/").content
    response = client.post("/invitations/t0k3n/")
    assert response.status_code == 302 and response["Location"] == "/orgs/acme/members/"
    assert selectors.is_owner(kim, world.project.organization)
    assert client.post("/invitations/t0k3n/").status_code == 410


def test_a_logged_in_user_with_another_address_is_refused(login, world):
    InvitationFactory(organization=world.project.organization, email="kim@example.com", token="t0k3n")
    client = login(world.outsider)
    for method in ("get", "post"):
        response = getattr(client, method)("/invitations/t0k3n/")
        assert response.status_code == 403 and b"This invitation was sent to kim@example.com" in response.content
    assert Invitation.objects.get().status == "pending"


def test_an_existing_account_is_asked_to_log_in_not_to_sign_up_again(world):
    UserFactory(username="kim", email="kim@example.com")
    InvitationFactory(organization=world.project.organization, email="kim@example.com", token="t0k3n")
    page = Client().get("/invitations/t0k3n/")
    assert page.status_code == 200 and b"An account with kim@example.com already exists" in page.content
    assert b"/login/?next=/invitations/t0k3n/" in page.content
    response = Client().post("/invitations/t0k3n/", {"username": "kim2", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 409
    assert get_user_model().objects.filter(email="kim@example.com").count() == 1


def test_forms_need_csrf(world):
    InvitationFactory(organization=world.project.organization, token="t0k3n")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/invitations/t0k3n/", {"username": "nina", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 403
    strict.force_login(world.owner)
    assert strict.post(INVITE, {"email": "nina@example.com", "role": "member"}).status_code == 403
