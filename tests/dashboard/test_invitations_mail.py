"""Invitation e-mail through a real SMTP server (aiosmtpd), and the plain notice shown when mail
goes to the console instead (the embedded default, no EMAIL_HOST)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from django.test import Client

from errorhub.accounts import selectors
from errorhub.accounts.models import Invitation

pytestmark = pytest.mark.django_db
INVITE = "/orgs/acme/invitations/"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
STRONG = "plum-tree-harbour-42"


def test_the_invitation_is_mailed_with_a_link_that_signs_up(login, world, smtp):
    response = login(world.owner).post(INVITE, {"email": "nina@example.com", "role": "member"})
    assert response.status_code == 200
    assert b"Invitation e-mailed to <strong>nina@example.com</strong>" in response.content
    assert b'id="mail-notice"' not in response.content
    [(recipients, message)] = smtp.messages
    assert recipients == ["nina@example.com"]
    assert message["Subject"] == "olivia invited you to Acme on ErrorHub"
    (link,) = smtp.links()
    assert link.startswith("http://testserver/invitations/") and "expires in 7 days" in smtp.text_of()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{link}"' in html
    path = urlsplit(link).path
    browser = Client()
    assert browser.post(path, {"username": "nina", "password1": STRONG, "password2": STRONG}).status_code == 302
    assert Invitation.objects.get().status == "accepted"


def test_resend_mails_a_new_link(login, world, smtp):
    client = login(world.owner)
    client.post(INVITE, {"email": "nina@example.com", "role": "member"})
    client.post(f"{INVITE}{Invitation.objects.get().pk}/resend/")
    first, second = smtp.links(0)[0], smtp.links(1)[0]
    assert first != second
    assert Client().get(urlsplit(first).path).status_code == 404
    assert Client().get(urlsplit(second).path).status_code == 200


def test_a_mail_server_that_refuses_leaves_the_invitation_and_shows_the_link(login, world, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    response = login(world.owner).post(INVITE, {"email": "nina@example.com", "role": "member"})
    assert response.status_code == 200
    assert b"The e-mail could not be sent" in response.content and b'id="invite-link"' in response.content
    assert Invitation.objects.get().status == "pending"


def test_with_console_mail_the_invite_page_says_where_mail_goes_and_shows_the_link(login, world, settings, capsys):
    settings.EMAIL_BACKEND = CONSOLE
    client = login(world.owner)
    page = client.get(INVITE).content.decode()
    assert "E-mail is not set up" in page and "printed to the console" in page
    assert "<code>EMAIL_HOST</code>" in page and "<code>EMAIL_HOST_PASSWORD</code>" in page
    response = client.post(INVITE, {"email": "nina@example.com", "role": "member"}).content.decode()
    assert 'id="invite-link"' in response and "its e-mail was printed to the console" in response
    assert "http://testserver/invitations/" in capsys.readouterr().out  # the console got the mail


def test_the_password_reset_page_says_where_mail_goes_only_without_smtp(world, settings, smtp):
    assert b"E-mail is not set up" not in Client().get("/password-reset/").content
    settings.EMAIL_BACKEND = CONSOLE
    page = Client().get("/password-reset/").content.decode()
    assert "E-mail is not set up" in page and "<code>EMAIL_HOST</code>" in page


def test_a_joined_member_shows_on_the_members_page(login, world, smtp):
    login(world.owner).post(INVITE, {"email": "nina@example.com", "role": "owner"})
    Client().post(urlsplit(smtp.links()[0]).path, {"username": "nina", "password1": STRONG, "password2": STRONG})
    assert selectors.is_owner(
        selectors.organization_members(world.project.organization).get(username="nina"), world.project.organization
    )
    body = login(world.owner).get("/orgs/acme/members/").content.decode()
    assert 'data-username="nina"' in body
