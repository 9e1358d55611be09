"""A real SMTP server (aiosmtpd) for tests that send mail, as a pytest plugin (``smtp``).

Messages arrive through Django's SMTP backend over a loopback socket and are parsed back into
``email.message.EmailMessage`` objects, so a test reads what a mail client would.
(``tests/alerts/conftest.py`` keeps its own copy of this fixture for the alert tests.)
"""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the server received: (recipients, parsed message) pairs, in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's handler protocol
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def text_of(self, index: int = -1) -> str:
        """The plain-text body of one received message."""
        body = self.messages[index][1].get_body(preferencelist=("plain",))
        assert body is not None, "the message has no text/plain part"
        return body.get_content()

    def links(self, index: int = -1) -> list[str]:
        """Every http(s) URL in a message's plain-text body."""
        return re.findall(r"https?://\S+", self.text_of(index))


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """Django's mail goes to a real SMTP server on loopback for this test."""
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
