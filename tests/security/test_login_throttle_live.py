"""The login throttle on the path a browser takes, against the live server: two
gunicorn workers, so the count must be shared (it lives in the database).

Shows where the throttle starts (the 6th attempt) and what the user sees then: the locked
username is refused even with its right password; the address it came from (shared by
everyone on 127.0.0.1, as a proxy's is) has its wrong passwords refused, never a right one.
"""

from __future__ import annotations

import re

import pytest
import requests

from errorhub.accounts.models import LoginFailure
from tests.security.attack import PASSWORD

pytestmark = [pytest.mark.live, pytest.mark.django_db]


@pytest.fixture(scope="module")
def server_user(errorhub_server, django_db_blocker, live_cleanup):
    from tests.factories import UserFactory

    with django_db_blocker.unblock():
        user = UserFactory(username="throttle-target")
        UserFactory(username="throttle-neighbour")
    yield errorhub_server.base_url, user.username
    with django_db_blocker.unblock():
        LoginFailure.objects.all().delete()  # 127.0.0.1 must not stay locked for later live tests


def post_login(base_url: str, username: str, password: str) -> requests.Response:
    """What a browser does: load the form (cookie + token), post it, no redirects followed."""
    session = requests.Session()
    form = session.get(f"{base_url}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return session.post(
        f"{base_url}/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        headers={"Referer": f"{base_url}/login/"},
        allow_redirects=False,
        timeout=30,
    )


def test_sixth_attempt_is_refused_with_429_across_workers(server_user):
    base_url, username = server_user
    answers = [post_login(base_url, username, f"wrong-{n}") for n in range(5)]
    assert [r.status_code for r in answers] == [200] * 5
    assert all("correct username and password" in r.text for r in answers)

    refused = post_login(base_url, username, PASSWORD)  # the right one, now
    assert refused.status_code == 429
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    message = re.search(r'<p class="error" id="lockout" role="alert">([^<]+)</p>', refused.text)
    assert message, refused.text[:2000]
    assert re.fullmatch(
        r"Too many failed log-in attempts for this username\. "
        r"Try again in 1[45] minutes \(after \d\d:\d\d UTC\)\.",
        message.group(1),
    ), message.group(1)
    assert "sessionid" not in refused.cookies
    assert all(post_login(base_url, username, PASSWORD).status_code == 429 for _ in range(4)), (
        "every worker refuses (the count is shared)"
    )


def test_a_locked_address_refuses_wrong_passwords_but_lets_a_right_one_in(server_user):
    base_url, username = server_user
    for n in range(5):
        post_login(base_url, username, f"wrong-{n}")  # 127.0.0.1 now holds 5 failures (or more)
    wrong = post_login(base_url, "throttle-neighbour", "not it")
    assert wrong.status_code == 429 and "from this address" in wrong.text
    right = post_login(base_url, "throttle-neighbour", PASSWORD)
    assert right.status_code == 302 and "sessionid" in right.cookies, "another user on the shared address logs in"
