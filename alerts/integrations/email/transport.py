"""Email alerts through Django's mail backend: an HTML and a text part.

The subject is plain text (not HTML-escaped) made single-line and bounded by
``header_text``: issue titles come from events and may carry CR/LF.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from alerts.integrations.email.headers import header_text, is_single_line
from alerts.models import Delivery
from alerts.transports import NotifyResult, Transport, TransportError
from errorhub.accounts.models import Team


def channel_recipients(config: dict) -> list[str]:
    addresses = list(config.get("addresses") or [])
    if config.get("team"):
        team = Team.objects.filter(pk=config["team"]).first()
        if team is not None:
            addresses += [u.email for u in team.members.filter(is_active=True) if u.email]
    return sorted({a for a in addresses if isinstance(a, str) and a and is_single_line(a)})


class EmailTransport(Transport):
    kind = "email"

    def notify(self, delivery: Delivery) -> NotifyResult:
        to = channel_recipients(self.channel.config)
        if not to:
            raise TransportError("the channel has no recipients", permanent=True)
        context = {
            "delivery": delivery,
            "issue": delivery.issue,
            "payload": delivery.payload,
            "base_url": settings.BASE_URL,
        }
        subject = header_text(render_to_string("email/alert_subject.txt", context))
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("email/alert.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
        )
        message.attach_alternative(render_to_string("email/alert.html", context), "text/html")
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"recipients refused: {exc}"[:300], permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        return NotifyResult(response=f"sent to {len(to)} recipient(s)")
