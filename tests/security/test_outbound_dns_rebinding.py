"""Outbound HTTP connects to the address it checked (no DNS rebinding between the check
and the connection), keeps the host name for the Host header, SNI and the certificate,
and refuses private addresses in every disguise."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from alerts import http


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 and records (path, headers) on its server."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.path, dict(self.headers)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def _serve(address: str, port: int = 0, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((address, port), Recorder)
    server.seen = []
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def two_servers() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    """The checked address (127.0.0.1) and the rebinding target (127.0.0.2) on the same port."""
    checked = _serve("127.0.0.1")
    rebound = _serve("127.0.0.2", checked.server_address[1])
    yield checked, rebound
    for server in (checked, rebound):
        server.shutdown()
        server.server_close()


class RebindingResolver:
    """A DNS name that answers the first lookup with one address and every later one with another."""

    def __init__(self, first: list[str], then: list[str]) -> None:
        self.answers, self.then, self.lookups = [first], then, []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return self.answers.pop(0) if self.answers else self.then


def test_the_connection_goes_to_the_checked_address(settings, two_servers):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # this test's allow-list: loopback
    checked, rebound = two_servers
    port = checked.server_address[1]
    resolver = RebindingResolver(["127.0.0.1"], ["127.0.0.2"])
    resp = http.post(f"http://hooks.example:{port}/hook?x=1", data=b"{}", headers={"X-Test": "1"}, resolve=resolver)
    assert resp.status == 200 and resp.text == "ok"
    assert resolver.lookups == [("hooks.example", port)]  # one lookup: the checked answer is the one used
    assert len(checked.seen) == 1 and rebound.seen == []
    path, headers = checked.seen[0]
    assert path == "/hook?x=1" and headers["Host"] == f"hooks.example:{port}" and headers["X-Test"] == "1"


def test_every_address_of_the_answer_is_checked(settings, two_servers):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    checked, _ = two_servers
    resolver = RebindingResolver(["93.184.215.14", "127.0.0.1"], ["127.0.0.1"])
    with pytest.raises(http.OutboundError) as exc:
        http.post(f"http://hooks.example:{checked.server_address[1]}/", data=b"", headers={}, resolve=resolver)
    assert exc.value.permanent and "127.0.0.1" in str(exc.value)
    assert checked.seen == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd12:3456::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ],
)
def test_private_addresses_are_refused_in_every_disguise(settings, address):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with pytest.raises(http.OutboundError) as exc:
        http.pin("https://hooks.example/x", resolve=lambda host, port: [address])
    assert exc.value.permanent and "non-public" in str(exc.value)
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(http.OutboundError):
        http.pin(f"http://{literal}/x")


def test_a_public_answer_is_pinned(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    target = http.pin("https://hooks.example/a?b=c", resolve=lambda host, port: ["93.184.215.14", "2606:2800::1"])
    assert (target.address, target.host, target.port, target.path) == ("93.184.215.14", "hooks.example", 443, "/a?b=c")
    assert target.host_header == "hooks.example"


@pytest.fixture
def tls_server(tmp_path) -> Iterator[tuple[ThreadingHTTPServer, list[str], str, trustme.CA]]:
    """An HTTPS server on 127.0.0.1 whose certificate names only ``hooks.example``."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("hooks.example").configure_cert(context)
    names: list[str] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server = _serve("127.0.0.1", tls=context)
    yield server, names, str(bundle), ca
    server.shutdown()
    server.server_close()


def test_https_keeps_the_name_for_sni_host_and_certificate(settings, tls_server):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    server, names, bundle, _ = tls_server
    settings.OUTBOUND_CA_BUNDLE = bundle
    port = server.server_address[1]
    resolver = RebindingResolver(["127.0.0.1"], ["127.0.0.2"])
    resp = http.post(f"https://hooks.example:{port}/hook", data=b"{}", headers={}, resolve=resolver)
    assert resp.status == 200 and names == ["hooks.example"]
    assert server.seen[0][1]["Host"] == f"hooks.example:{port}"


def test_https_certificate_must_name_the_host(settings, tls_server):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    server, _, bundle, _ = tls_server
    settings.OUTBOUND_CA_BUNDLE = bundle
    with pytest.raises(http.OutboundError) as exc:
        http.post(
            f"https://evil.example:{server.server_address[1]}/",
            data=b"",
            headers={},
            resolve=lambda host, port: ["127.0.0.1"],
        )
    assert "TLS error" in str(exc.value) and server.seen == []
