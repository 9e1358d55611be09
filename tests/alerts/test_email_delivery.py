"""E-mail alerts through a real SMTP server (aiosmtpd): hostile issue titles make a clean,
single-line, unescaped subject and no extra recipients; a delivery that raises anything
is retried and then failed in the delivery log, never left pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import services
from alerts.models import Channel, Delivery, DeliveryAttempt
from alerts.tasks import check_system_rules, deliver
from tests.alerts.conftest import make_event, record, rule

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

HOSTILE_TYPE = "Boom\r\nBcc: attacker@evil.example\r\nX-Evil: 1"
HOSTILE_VALUE = "it's <b>bad</b> &amp; \x1b[31mred"


@pytest.fixture
def oncall(world) -> Channel:
    return Channel.objects.create(
        organization=world.project.organization,
        name="oncall",
        kind="email",
        config={"addresses": ["oncall@example.com"]},
    )


def _parts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_hostile_exception_type_makes_a_clean_subject_and_no_extra_recipient(world, smtp, oncall):
    rule(world.project, oncall)
    record(world.project, make_event(exception={"values": [{"type": HOSTILE_TYPE, "value": HOSTILE_VALUE}]}))
    [(recipients, msg)] = smtp.messages
    assert recipients == ["oncall@example.com"]
    assert msg["Bcc"] is None and msg["X-Evil"] is None and msg["To"] == "oncall@example.com"
    subject = msg["Subject"]
    assert "\r" not in subject and "\n" not in subject and "\x1b" not in subject
    assert "Boom Bcc: attacker@evil.example X-Evil: 1" in subject and "it's <b>bad</b> &amp;" in subject
    assert "&#x27;" not in subject and "&lt;" not in subject
    text, html = _parts(msg)
    assert "it's <b>bad</b> &amp;" in text and "&#x27;" not in text  # plain text is not HTML-escaped
    assert "&lt;b&gt;bad&lt;/b&gt;" in html and "<b>bad</b>" not in html  # the HTML part is
    assert Delivery.objects.get(channel=oncall).status == "sent"


def test_long_titles_make_a_bounded_subject(world, smtp, oncall):
    rule(world.project, oncall)
    record(world.project, make_event(exception={"values": [{"type": "E" * 300, "value": "v" * 3000}]}))
    [(_, msg)] = smtp.messages
    assert len(msg["Subject"]) <= 200


def test_a_delivery_that_raises_is_retried_then_failed_never_pending(world, smtp):
    """A config the transport cannot read (team "ops" is not an id) raises a ValueError, not
    a TransportError: before, the delivery stayed pending for ever."""
    broken = Channel.objects.create(
        organization=world.project.organization,
        name="broken",
        kind="email",
        config={"addresses": ["oncall@example.com"], "team": "ops"},
    )
    rule(world.project, broken)
    record(world.project, make_event())
    delivery = Delivery.objects.get(channel=broken)
    assert delivery.status == "retrying" and "ValueError" in delivery.last_error
    later = timezone.now()
    while delivery.status == "retrying":
        later += timedelta(hours=1)
        services.delivery_attempt(delivery_id=delivery.pk, now=later)
        delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == services.MAX_ATTEMPTS
    assert delivery.last_error.startswith(f"gave up after {services.MAX_ATTEMPTS} attempts: ValueError")
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == services.MAX_ATTEMPTS
    assert smtp.messages == []


def test_a_channel_kind_without_transport_fails_its_delivery(world):
    odd = Channel.objects.create(organization=world.project.organization, name="odd", kind="pagerduty", config={})
    delivery = Delivery.objects.create(
        channel=odd, reason="test", payload={"reason": "test"}, next_attempt_at=timezone.now()
    )
    deliver.delay(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "no transport for channel kind 'pagerduty'" in delivery.last_error


def test_a_delivery_whose_attempts_never_reported_back_is_failed(world, smtp, oncall):
    """A worker killed mid-send leaves the claimed delivery pending; once its attempts are
    used up the beat's every-minute check re-queues it (and counts it in its result, so the
    tick logs a "succeeded" line) and it lands as failed instead of being claimed for ever."""
    delivery = Delivery.objects.create(
        channel=oncall,
        reason="test",
        payload={"reason": "test"},
        attempts=services.MAX_ATTEMPTS,
        next_attempt_at=timezone.now() - timedelta(minutes=1),
    )
    assert check_system_rules.delay().get() == 1
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.last_error.startswith("gave up after")
    assert smtp.messages == []
