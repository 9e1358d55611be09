"""Fixtures for the alerts tests: the Slack stand-in, a real SMTP server, events."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from alerts.models import Channel, Rule
from alerts.selectors import clear_rule_cache
from errorhub.issues.digest import events_record
from ingest.protocol.normalize import normalize_sentry_event
from tests.alerts.slack_standin import SlackStandIn


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_rule_cache()
    cache.clear()
    yield
    clear_rule_cache()


@pytest.fixture
def slack(settings):
    standin = SlackStandIn(users={"U0OLIVIA": "olivia@example.com", "U0MIKE": "mike@example.com"})
    settings.SLACK_API_BASE_URL = standin.start()
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_SIGNING_SECRET = "signing-secret-for-tests"
    settings.OUTBOUND_TIMEOUT = 2
    yield standin
    standin.stop()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler protocol
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, msg))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd's start-up self-check needs a concrete port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def make_event(**overrides: Any) -> dict[str, Any]:
    body = {
        "event_id": uuid.uuid4().hex,
        "platform": "python",
        "level": "error",
        "environment": "production",
        "release": "shop@1.0",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "bad cart",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "checkout",
                                "module": "shop.cart",
                                "filename": "shop/cart.py",
                                "lineno": 10,
                                "in_app": True,
                            }
                        ]
                    },
                }
            ]
        },
    }
    body.update(overrides)
    return body


def record(project, *bodies: dict[str, Any]):
    """Normalise Sentry event bodies like ingest does and record them (alerts evaluated at the end)."""
    now = datetime.now(UTC)
    events = [
        normalize_sentry_event(b, project_id=project.pk, event_id=b["event_id"], received_at=now, sdk_client=None)
        for b in bodies
    ]
    return events_record(project=project, events=events)


def slack_channel(org, name="alerts", channel_id="C0ALERTS") -> Channel:
    return Channel.objects.create(organization=org, name=name, kind="slack", config={"channel": channel_id})


def rule(project, *channels, triggers=("new_issue",), **fields) -> Rule:
    r = Rule.objects.create(
        organization=project.organization,
        project=project,
        name=fields.pop("name", "r"),
        triggers=list(triggers),
        **fields,
    )
    r.channels.set(channels)
    clear_rule_cache()
    return r


#: a complete status line and headers, then a body the trickler sends one byte a second
HEADERS_THEN_TRICKLE = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
#: the first byte of a TLS handshake record, then more of them: a server hello that never ends
TLS_HANDSHAKE_RECORD = b"\x16"


def _trickle(conn: socket.socket, prefix: bytes, stop: threading.Event) -> None:
    """Send ``prefix`` at once, then one byte a second (its last byte again, or ``H``): each
    read succeeds, the exchange never ends. For TLS the client speaks first, so nothing is read."""
    with conn:
        if prefix != TLS_HANDSHAKE_RECORD:
            conn.recv(65536)
        conn.sendall(prefix)
        while not stop.wait(1.0):
            try:
                conn.sendall(prefix[-1:] or b"H")
            except OSError:
                return


@pytest.fixture
def trickler() -> Iterator[Callable[[bytes], str]]:
    """Start a server on 127.0.0.1 that trickles its answer after ``prefix``; returns its URL."""
    stop = threading.Event()
    servers: list[socket.socket] = []

    def start(prefix: bytes) -> str:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                threading.Thread(target=_trickle, args=(conn, prefix, stop), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}/hook"

    yield start
    stop.set()
    for server in servers:
        server.close()
