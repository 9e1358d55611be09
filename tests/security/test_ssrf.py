"""SSRF (issue #24): a webhook or Slack-webhook URL that points inside the network
is refused, in every spelling, and through DNS rebinding.

Every outbound request to a user-supplied URL goes through ``alerts.http.post``
(STYLE.md §7), so it is the door attacked here, with
``OUTBOUND_ALLOW_PRIVATE`` off as in production. A real listener on 127.0.0.1
proves that nothing reached loopback, whatever error the door chose.

DNS rebinding: ``alerts.http`` has no injectable resolver yet, so the test
plays the rebinding resolver at the one seam every resolver ends in,
``socket.getaddrinfo``: the first lookup answers a public address, every later
one 127.0.0.1 (the listener). A guard that checks one lookup and connects with
another reaches the listener; a fixed guard connects to the address it checked.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from django.test import Client

from alerts import http
from alerts.models import Channel
from tests.security.attack import make_org

pytestmark = pytest.mark.django_db

#: host part → what it really is
INTERNAL = {
    "127.0.0.1": "loopback",
    "localhost": "loopback by name",
    "127.1": "short loopback",
    "2130706433": "decimal loopback",
    "0177.0.0.1": "octal loopback",
    "0x7f.0.0.1": "hex loopback",
    "0.0.0.0": "this host",
    "10.0.0.5": "RFC 1918",
    "172.16.3.4": "RFC 1918",
    "192.168.1.1": "RFC 1918",
    "169.254.169.254": "cloud metadata",
    "100.64.0.1": "carrier-grade NAT",
    "[::1]": "IPv6 loopback",
    "[fd00::1]": "IPv6 unique local",
    "[fe80::1]": "IPv6 link-local",
    "[::ffff:127.0.0.1]": "IPv4-mapped loopback",
    "[::ffff:169.254.169.254]": "IPv4-mapped metadata",
    "[::]": "IPv6 unspecified",
    "[::7f00:1]": "IPv4-compatible loopback",
    "[::127.0.0.1]": "IPv4-compatible loopback, dotted",
    "[::a9fe:a9fe]": "IPv4-compatible metadata",
    "[::ffff:0:7f00:1]": "SIIT loopback",
    "[::ffff:0:a9fe:a9fe]": "SIIT metadata",
    "[64:ff9b:1::7f00:1]": "RFC 8215 local-use NAT64",
    "[64:ff9b:1:abcd::5db8:d70e]": "RFC 8215 local-use NAT64 (public IPv4 inside)",
    "[fec0::1]": "IPv6 site-local",
    "[feff::1]": "IPv6 site-local, top of the prefix",
}


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 recording what reaches it (and answering 200)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                received.append(conn.recv(4096))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(5)
    server.close()


@pytest.fixture(autouse=True)
def production_guard(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_TIMEOUT = 3


def test_every_internal_spelling_is_refused_before_connecting(listener):
    port, received = listener
    let_through: list[str] = []
    for host, what in INTERNAL.items():
        for scheme in ("http", "https"):
            try:
                http.post(f"{scheme}://{host}:{port}/hook", data=b"{}", headers={}, retries=0)
                let_through.append(f"{scheme}://{host} ({what}): answered")
            except http.OutboundError as exc:
                if not exc.permanent:
                    let_through.append(f"{scheme}://{host} ({what}): tried, failed transiently: {exc}")
    assert not let_through, "internal addresses not refused:\n" + "\n".join(let_through)
    assert received == [], "a request reached loopback"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:25/", "ftp://10.0.0.1/", "http://", "//x"])
def test_other_schemes_are_refused(url):
    with pytest.raises(http.OutboundError) as refused:
        http.post(url, data=b"{}", headers={}, retries=0)
    assert refused.value.permanent


def test_dns_rebinding_never_reaches_loopback(listener, monkeypatch):
    port, received = listener
    real = socket.getaddrinfo
    answers: list[str] = []

    def rebinding(host, *args, **kwargs):
        if host != "rebind.attacker.example":
            return real(host, *args, **kwargs)
        address = "93.184.215.14" if not answers else "127.0.0.1"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        http.post(f"http://rebind.attacker.example:{port}/hook", data=b"{}", headers={}, retries=0, timeout=2)
    except http.OutboundError:
        pass  # refused or failed: either way, where did it connect?
    assert answers, "the guard never resolved the name"
    assert received == [], f"DNS rebinding reached 127.0.0.1 (lookups answered {answers})"


def test_channel_test_button_with_a_loopback_url_reaches_nothing(listener, django_capture_on_commit_callbacks):
    port, received = listener
    acme = make_org("acme", "Acme")
    channel = Channel.objects.create(
        organization=acme.org,
        name="inside",
        kind="webhook",
        config={"url": f"http://127.0.0.1:{port}/hook", "secret": "s"},
    )
    client = Client()
    client.force_login(acme.owner)
    with django_capture_on_commit_callbacks(execute=True):  # the button queues the send: run it
        response = client.post(f"/alerts/channels/{channel.pk}/test/")
    assert response.status_code in (200, 302, 400), response.status_code
    assert received == []
    assert "non-public address" in channel.deliveries.get().last_error
