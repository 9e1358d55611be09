"""The outbound door (``alerts.http``) against real local servers: a wall-clock deadline for
the whole exchange (a trickling server cannot hold a worker), credentials in the URL sent as
Basic auth (as ``requests`` did), non-ASCII paths percent-encoded and IDN hosts IDNA-encoded."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alerts import http
from tests.alerts.conftest import HEADERS_THEN_TRICKLE, TLS_HANDSHAKE_RECORD

pytestmark = pytest.mark.sqlite


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the servers listen on 127.0.0.1


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    """A real HTTP server on 127.0.0.1 recording (request path, headers) and answering 200."""
    got: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.path, dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", got
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("prefix", "scheme"),
    [(b"", "http"), (HEADERS_THEN_TRICKLE, "http"), (TLS_HANDSHAKE_RECORD, "https")],
    ids=["trickled-headers", "trickled-body", "trickled-tls-handshake"],
)
def test_a_trickling_server_is_cut_off_at_the_deadline(trickler, prefix, scheme):
    url = trickler(prefix).replace("http:", f"{scheme}:", 1)
    with pytest.raises(http.OutboundError) as failed:
        http.post(url, data=b"{}", headers={}, retries=2, timeout=5, deadline=2)
    assert "timed out" in str(failed.value) and not failed.value.permanent


def test_userinfo_in_the_url_is_sent_as_basic_auth(receiver):
    where, got = receiver
    answer = http.post(f"http://hook%2Duser:t%40ken@{where}/hook", data=b"{}", headers={})
    [(path, headers)] = got
    assert answer.status == 200 and path == "/hook"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"hook-user:t@ken").decode()


def test_an_explicit_authorization_header_wins_over_userinfo(receiver):
    where, got = receiver
    http.post(f"http://user:pw@{where}/hook", data=b"{}", headers={"Authorization": "Bearer abc"})
    [(_, headers)] = got
    assert headers["Authorization"] == "Bearer abc"


def test_a_non_ascii_path_and_query_are_percent_encoded(receiver):
    where, got = receiver
    answer = http.post(f"http://{where}/hoök/ü dir?q=é&x=%2F", data=b"{}", headers={})
    [(path, _)] = got
    assert answer.status == 200
    assert path == "/ho%C3%B6k/%C3%BC%20dir?q=%C3%A9&x=%2F"


def test_an_idn_host_is_resolved_and_sent_idna_encoded(receiver):
    where, got = receiver
    port = int(where.rsplit(":", 1)[1])
    asked: list[str] = []

    def resolve(host: str, _port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    answer = http.post(f"http://bücher.example:{port}/hook", data=b"{}", headers={}, resolve=resolve)
    [(_, headers)] = got
    assert answer.status == 200 and asked == ["xn--bcher-kva.example"]
    assert headers["Host"] == f"xn--bcher-kva.example:{port}"


def test_a_host_that_cannot_be_idna_encoded_is_a_permanent_error():
    with pytest.raises(http.OutboundError) as refused:
        http.post("http://a\u200d\u0301b.example/hook", data=b"{}", headers={}, resolve=lambda h, p: ["127.0.0.1"])
    assert refused.value.permanent and "host name" in str(refused.value)
