"""The login form stops checking passwords after 5 failures in 15 minutes, per
username and per client address, and says so: 429, Retry-After and a message
with the time to try again (errorhub.throttle, errorhub.dashboard.login).

Failures are counted in the database, so the count is the same in every web
process; the live check of that is tests/security/test_login_throttle_live.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from django.test import Client

from errorhub import throttle
from errorhub.models import LoginFailure

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
PASSWORD = "correct horse battery staple"
START = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def olivia(world):
    world.owner.set_password(PASSWORD)
    world.owner.save()
    return world.owner


def attempt(username: str, password: str, ip: str = "10.0.0.1") -> tuple[bool, object]:
    """Post the real login form; (logged in?, response)."""
    client = Client(REMOTE_ADDR=ip)
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code in (200, 302, 429), response.status_code
    return response.status_code == 302 and "_auth_user_id" in client.session, response


def log_in(username: str, password: str, ip: str = "10.0.0.1") -> bool:
    return attempt(username, password, ip)[0]


def test_right_password_logs_in(olivia):
    assert log_in("olivia", PASSWORD)


def test_the_sixth_attempt_is_refused_with_429_and_a_time_to_retry(olivia, caplog):
    with time_machine.travel(START, tick=False):
        answers = [attempt("olivia", "wrong", ip=f"10.0.1.{n}")[1] for n in range(5)]
        assert [r.status_code for r in answers] == [200] * 5
        assert all(b"correct username and password" in r.content for r in answers)

        ok, refused = attempt("olivia", PASSWORD, ip="10.0.2.1")
    assert not ok, "the right password is refused during the lock-out"
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(15 * 60)
    text = refused.content.decode()
    assert "Too many failed log-in attempts" in text and "Try again in 15 minutes (after 09:15 UTC)" in text
    assert 'id="id_username"' in text, "the form is still there, to try again later"
    assert "too many failed attempts" not in caplog.text, "refused before the password was looked at"
    assert not throttle.is_locked_out("mike", "10.0.9.9"), "another user elsewhere is not affected"


def test_four_failures_then_success_resets_the_username_counter(olivia):
    for _ in range(4):
        assert not log_in("olivia", "wrong", ip="10.0.3.1")
    assert log_in("olivia", PASSWORD, ip="10.0.3.2")
    for _ in range(4):
        assert not log_in("olivia", "wrong", ip="10.0.3.3")
    assert log_in("olivia", PASSWORD, ip="10.0.3.4")


def test_username_case_and_spaces_do_not_dodge_the_count(olivia):
    for n, name in enumerate(["olivia", "Olivia", "OLIVIA", " olivia", "olivia "]):
        log_in(name, "wrong", ip=f"10.0.4.{n}")
    ok, response = attempt("olivia", PASSWORD, ip="10.0.4.99")
    assert not ok and response.status_code == 429


def test_five_failures_from_one_address_lock_every_username_there(world, olivia):
    world.member.set_password(PASSWORD)
    world.member.save()
    for n in range(5):
        assert not log_in(f"spray-{n}", "wrong", ip="192.0.2.7")
    ok, response = attempt("mike", PASSWORD, ip="192.0.2.7")
    assert not ok and response.status_code == 429
    assert log_in("mike", PASSWORD, ip="192.0.2.8"), "another address is not affected"


def test_lock_out_ends_when_the_oldest_failure_leaves_the_window(olivia):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            log_in("olivia", "wrong", ip="10.0.5.1")
            clock.shift(timedelta(minutes=1))  # failures at 9:00, 9:01 ... 9:04
        _, response = attempt("olivia", PASSWORD, ip="10.0.5.2")
        assert response.status_code == 429 and "after 09:15 UTC" in response.content.decode()
        clock.move_to(START + timedelta(minutes=14, seconds=59))
        assert attempt("olivia", PASSWORD, ip="10.0.5.3")[1].status_code == 429
        clock.move_to(START + timedelta(minutes=15, seconds=1))
        assert log_in("olivia", PASSWORD, ip="10.0.5.4")


def test_failures_spread_over_more_than_the_window_never_lock(olivia):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(8):
            assert not log_in("olivia", "wrong", ip="10.0.6.1")
            clock.shift(timedelta(minutes=4))  # at most 4 in any 15 minutes
        assert log_in("olivia", PASSWORD, ip="10.0.6.1")


def test_the_backend_refuses_other_callers_too(olivia):
    """The admin's login form (or any other ``authenticate()`` call) cannot dodge the count."""
    for _ in range(5):
        log_in("olivia", "wrong", ip="10.0.7.1")
    client = Client(REMOTE_ADDR="10.0.7.2")
    response = client.post("/admin/login/", {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_only_hashes_are_stored(olivia):
    log_in("olivia", "wrong", ip="10.0.8.1")
    stored = list(LoginFailure.objects.values_list("scope", "key_hash"))
    assert sorted(scope for scope, _ in stored) == ["ip", "user"]
    assert all(len(h) == 64 and "olivia" not in h for _, h in stored)


def test_failures_older_than_the_window_are_dropped(olivia):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(3):
            log_in(f"sprayed-{n}", "wrong", ip=f"10.0.9.{n}")
        assert LoginFailure.objects.count() == 6
        clock.shift(timedelta(minutes=16))
        log_in("olivia", "wrong", ip="10.0.9.200")
    assert LoginFailure.objects.count() == 2, "only the last failure's two counters remain"
