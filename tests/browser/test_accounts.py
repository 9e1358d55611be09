"""Bringing someone in, in a real browser: an owner invites by e-mail (real SMTP), the invited
person opens the link in a fresh browser, signs up, logs in and changes the password, and the
owner makes them an owner on the members page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from errorhub.accounts import selectors
from tests.browser import launched_chromium, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's
NINAS = "plum-tree-harbour-42"
NINAS_NEW = "copper-kettle-meadow-7"


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def browser():
    with launched_chromium() as browser:
        yield browser


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    return context, context.new_page()


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_invite_sign_up_change_password_and_promote(browser, live_server, world, smtp):
    owner_context, owner = new_page(browser, live_server)
    log_in(owner, live_server, world.owner.username, PASSWORD)
    owner.goto("/teams/")
    owner.click("text=Invite people")
    owner.wait_for_url("**/orgs/acme/invitations/")
    owner.fill("#id_email", "nina@example.com")
    owner.select_option("#id_role", "member")
    owner.check("#id_teams input[type=checkbox] >> nth=0")
    owner.click("#invite-form button[type=submit]")
    owner.wait_for_selector("#invite-issued")
    assert "Invitation e-mailed to nina@example.com" in owner.inner_text("#invite-issued")
    shown = owner.input_value("#invite-link")
    shoot(owner, "invite")
    [(recipients, _)] = smtp.messages
    (mailed,) = smtp.links()
    assert recipients == ["nina@example.com"] and mailed == shown

    nina_context, nina = new_page(browser, live_server)  # a fresh browser: no session, no cookies
    nina.goto(urlsplit(mailed).path)
    assert "Join Acme on ErrorHub" in nina.inner_text("h1")
    nina.fill("#id_username", "nina")
    nina.fill("#id_password1", NINAS)
    nina.fill("#id_password2", NINAS)
    shoot(nina, "signup")
    nina.click("#signup-form button[type=submit]")
    nina.wait_for_url("**/login/")
    assert "your account is ready" in nina.inner_text("ul.messages")
    log_in(nina, live_server, "nina", NINAS)
    nina.goto("/profile/")
    nina.click("text=Change your password")
    nina.wait_for_url("**/profile/password/")
    nina.fill("#id_old_password", NINAS)
    nina.fill("#id_new_password1", NINAS_NEW)
    nina.fill("#id_new_password2", NINAS_NEW)
    shoot(nina, "password-change")
    nina.click("#password-change-form button[type=submit]")
    nina.wait_for_url("**/profile/")
    assert "Your password is changed" in nina.inner_text("ul.messages")
    nina.goto("/")
    assert nina.url == f"{live_server.url}/", "still logged in after the change"
    nina_context.close()
    assert get_user_model().objects.get(username="nina").check_password(NINAS_NEW)

    owner.goto("/orgs/acme/members/")
    row = owner.locator("tr[data-username=nina]")
    assert "no team" not in row.inner_text()
    row.locator("select[name=role]").select_option("owner")
    row.locator("button", has_text="Change role").click()
    owner.wait_for_selector("ul.messages")
    assert "nina is now owner of Acme" in owner.inner_text("ul.messages")
    assert owner.locator("tr[data-username=nina] select[name=role]").input_value() == "owner"
    shoot(owner, "members")
    owner_context.close()
    nina_user = get_user_model().objects.get(username="nina")
    assert selectors.is_owner(nina_user, world.project.organization)
