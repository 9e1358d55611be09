"""The login form stops checking passwords after 10 failures in 15 minutes,
per username and per client address (errorhub.throttle)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client

from errorhub import throttle

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()  # no other test may inherit a locked-out 127.0.0.1


@pytest.fixture
def olivia(world):
    world.owner.set_password(PASSWORD)
    world.owner.save()
    return world.owner


def log_in(username: str, password: str, ip: str = "10.0.0.1") -> bool:
    """Post the real login form; True when it logged the user in."""
    client = Client(REMOTE_ADDR=ip)
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code in (200, 302)
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_right_password_logs_in(olivia):
    assert log_in("olivia", PASSWORD)


def test_ten_failures_for_a_username_lock_it_from_any_address(olivia, caplog):
    for attempt in range(10):
        assert not log_in("olivia", "wrong", ip=f"10.0.1.{attempt}")
    assert not log_in("olivia", PASSWORD, ip="10.0.2.1"), "the right password is refused during the lock-out"
    assert "too many failed attempts" in caplog.text
    assert log_in("mike-does-not-exist", "x", ip="10.0.2.2") is False
    world_member_unaffected = not throttle.is_locked_out("mike", None)
    assert world_member_unaffected


def test_nine_failures_then_success_resets_the_username_counter(olivia):
    for _ in range(9):
        assert not log_in("olivia", "wrong", ip="10.0.3.1")
    assert log_in("olivia", PASSWORD, ip="10.0.3.2")
    for _ in range(9):
        assert not log_in("olivia", "wrong", ip="10.0.3.3")
    assert log_in("olivia", PASSWORD, ip="10.0.3.4")


def test_username_case_does_not_dodge_the_count(olivia):
    for name in ["olivia", "Olivia", "OLIVIA", " olivia"] * 3:
        log_in(name, "wrong", ip=f"10.0.4.{len(name)}{name.count('O')}")
    assert not log_in("olivia", PASSWORD, ip="10.0.4.99")


def test_ten_failures_from_one_address_lock_every_username_there(world, olivia):
    world.member.set_password(PASSWORD)
    world.member.save()
    for attempt in range(10):
        assert not log_in(f"spray-{attempt}", "wrong", ip="192.0.2.7")
    assert not log_in("mike", PASSWORD, ip="192.0.2.7")
    assert log_in("mike", PASSWORD, ip="192.0.2.8"), "another address is not affected"


def test_lock_out_ends_after_the_window(olivia, settings):
    settings.LOGIN_FAILURE_WINDOW = 2
    for _ in range(10):  # counted directly: ten real form posts take longer than this short window
        throttle.record_failure("olivia", None)
    assert not log_in("olivia", PASSWORD)
    time.sleep(2.1)
    assert log_in("olivia", PASSWORD)
