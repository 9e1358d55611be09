"""Changing the password in the app: the current password is required, Django's validators apply,
the session survives the change, and wrong current passwords are throttled like log-ins."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGE = "/profile/password/"
OLD = "pw-for-tests-123"  # tests.factories.UserFactory's
NEW = "plum-tree-harbour-42"


def change(client: Client, old: str = OLD, new: str = NEW, again: str | None = None):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": again or new})


def test_the_profile_links_to_the_change_form(login, world):
    assert CHANGE.encode() in login(world.member).get("/profile/").content
    assert b'name="old_password"' in login(world.member).get(CHANGE).content


def test_changing_keeps_the_session_and_the_new_password_logs_in(login, world):
    client = login(world.member)
    response = change(client)
    assert response.status_code == 302 and response["Location"] == "/profile/"
    assert b"Your password is changed" in client.get("/profile/").content
    assert client.get("/").status_code == 200, "the session that changed the password stays logged in"
    fresh = Client()
    assert not fresh.login(username="mike", password=OLD)
    assert fresh.login(username="mike", password=NEW)


def test_other_sessions_are_logged_out(world):
    elsewhere = Client()
    assert elsewhere.login(username="mike", password=OLD)
    here = Client()
    here.login(username="mike", password=OLD)
    change(here)
    assert elsewhere.get("/").status_code == 302


def test_wrong_current_password_and_weak_new_one_are_400_with_the_reason(login, world):
    client = login(world.member)
    response = change(client, old="not-it")
    assert response.status_code == 400 and b"Your old password was entered incorrectly" in response.content
    response = change(client, new="short")
    assert response.status_code == 400 and b"This password is too short" in response.content
    response = change(client, new=NEW, again=NEW + "x")
    assert response.status_code == 400 and b"The two password fields" in response.content
    assert Client().login(username="mike", password=OLD)


def test_guessing_the_current_password_is_throttled(login, world, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = login(world.member)
    assert [change(client, old=f"guess-{n}").status_code for n in range(3)] == [400, 400, 400]
    response = change(client)  # even the right one, while the username is locked
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert b"Too many failed log-in attempts for this username" in response.content
    assert Client().login(username="mike", password=OLD) is False, "the login is locked for the username too"
    other = UserFactory(username="kim")
    assert change(login(other)).status_code == 302


def test_anonymous_is_sent_to_login_and_csrf_is_required(world):
    response = Client().get(CHANGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.member)
    assert change(strict).status_code == 403
