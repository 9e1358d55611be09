"""The login form stops checking passwords after 5 failures in 15 minutes for a
username, and after 5 failures from one client address answers that address's wrong
passwords (never a right one) with the lock-out; it says so: 429, Retry-After and a
message with the time to try again (errorhub.accounts.throttle, errorhub.accounts.login).
The client address comes from X-Forwarded-For behind a trusted proxy; IPv6 counts per /64.

Failures are counted in the database, so the count is the same in every web
process; the live check of that is tests/security/test_login_throttle_live.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from errorhub.accounts import throttle
from errorhub.accounts.models import LoginFailure

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
PASSWORD = "correct horse battery staple"
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def olivia(world):
    world.owner.set_password(PASSWORD)
    world.owner.save()
    return world.owner


PROXY = "172.20.0.2"  # a TLS-terminating proxy's address, as gunicorn sees it


def attempt(username: str, password: str, ip: str = "10.0.0.1", forwarded: str | None = None) -> tuple[bool, object]:
    """Post the real login form (through a proxy when ``forwarded`` is set); (logged in?, response)."""
    client = Client(REMOTE_ADDR=ip, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}))
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code in (200, 302, 429), response.status_code
    return response.status_code == 302 and "_auth_user_id" in client.session, response


def log_in(username: str, password: str, ip: str = "10.0.0.1", forwarded: str | None = None) -> bool:
    return attempt(username, password, ip, forwarded)[0]


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


def test_five_failures_from_one_address_refuse_its_wrong_guesses_but_not_a_right_password(world, olivia):
    """Behaviour changed on purpose: an address is shared (NAT, the proxy), so its lock-out
    must not refuse a right password; it answers the wrong ones with 429."""
    world.member.set_password(PASSWORD)
    world.member.save()
    for n in range(5):
        assert not log_in(f"spray-{n}", "wrong", ip="192.0.2.7")
    ok, refused = attempt("mike", "still wrong", ip="192.0.2.7")
    assert not ok and refused.status_code == 429 and refused["Retry-After"]
    assert "Too many failed log-in attempts from this address. Try again in 15 minutes" in refused.content.decode()
    assert log_in("mike", PASSWORD, ip="192.0.2.7"), "a right password from the busy address logs in"
    assert log_in("olivia", PASSWORD, ip="192.0.2.8"), "another address is not affected"


def test_wrong_guesses_from_a_locked_address_still_count_against_the_username(olivia):
    for n in range(5):
        log_in(f"spray-{n}", "wrong", ip="192.0.2.9")
    for _ in range(5):
        assert attempt("olivia", "wrong", ip="192.0.2.9")[1].status_code == 429
    ok, refused = attempt("olivia", PASSWORD, ip="192.0.2.9")
    assert not ok and refused.status_code == 429, "the username's own limit still holds"
    assert "for this username" in refused.content.decode()


def test_behind_a_trusted_proxy_each_client_is_counted_alone(settings, world, olivia):
    settings.TRUSTED_PROXY_COUNT = 1
    world.member.set_password(PASSWORD)
    world.member.save()
    # one client behind the proxy, forging entries to the left of what the proxy appended
    for n in range(5):
        assert not log_in(f"spray-{n}", "wrong", ip=PROXY, forwarded=f"10.9.9.{n}, 203.0.113.66")
    assert attempt("spray-9", "wrong", ip=PROXY, forwarded="10.9.9.99, 203.0.113.66")[1].status_code == 429
    # everyone else behind the same proxy is not throttled: wrong passwords are just wrong, right ones log in
    _, wrong = attempt("mike", "wrong", ip=PROXY, forwarded="198.51.100.20")
    assert wrong.status_code == 200 and b"correct username and password" in wrong.content
    assert log_in("mike", PASSWORD, ip=PROXY, forwarded="198.51.100.20")


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings, olivia):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        log_in(f"spray-{n}", "wrong", ip="192.0.2.30", forwarded=f"198.51.100.{n}")
    _, refused = attempt("spray-9", "wrong", ip="192.0.2.30", forwarded="198.51.100.99")
    assert refused.status_code == 429, "a client cannot choose its address by sending the header"


@pytest.mark.parametrize(
    ("forwarded", "proxies"), [("", 1), ("not-an-address", 1), ("198.51.100.1, ", 1), ("198.51.100.1", 2)]
)
def test_a_missing_or_malformed_forwarded_header_falls_back_to_the_peer(settings, forwarded, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = Client().request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded).wsgi_request
    assert throttle.client_ip(request) == PROXY


def test_ipv6_clients_are_counted_per_64(olivia):
    for n in range(5):  # rotating through one /64 does not escape the count
        assert not log_in(f"spray-{n}", "wrong", ip=f"2001:db8:1:2::{n + 1:x}")
    assert attempt("spray-9", "wrong", ip="2001:db8:1:2:ffff:ffff:ffff:9")[1].status_code == 429
    _, wrong = attempt("spray-9", "wrong", ip="2001:db8:1:3::1")
    assert wrong.status_code == 200, "the next /64 is someone else"
    assert throttle.address_key("::ffff:192.0.2.1") == "192.0.2.1"


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
