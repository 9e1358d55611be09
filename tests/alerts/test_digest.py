"""The daily digest, mailed to a real SMTP server (aiosmtpd): content, both parts,
links, once per user per day, the unsubscribe link."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from alerts.digest import digest_send, users_due_for_digest
from alerts.models import DigestSent
from alerts.tasks import send_digest, send_due_digests
from errorhub.accounts.models import UserProfile
from errorhub.issues.models import Issue
from errorhub.issues.services import issue_snooze
from tests.alerts.conftest import make_event, record

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


@pytest.fixture
def activity(world):
    record(world.project, make_event())
    five = record(world.project, make_event(exception=None, message="upstream 502", platform="other"))
    Issue.objects.filter(pk__in=list(five.changes)).update(source="log:nginx", title="GET /checkout 502")
    snoozed = record(world.project, make_event(exception={"values": [{"type": "KeyError", "value": "k"}]}))
    issue_snooze(
        issue=Issue.objects.get(pk=next(iter(snoozed.changes))),
        user=world.owner,
        reason="waiting for vendor fix",
        until=timezone.now() + timedelta(hours=5),
    )
    return world


def _parts(msg):
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return text, html


def test_digest_mail_has_both_parts_sections_and_links(activity, smtp):
    assert digest_send(user_id=activity.member.pk, day=timezone.now().date())
    [(to, msg)] = smtp.messages
    assert to == ["mike@example.com"] and "daily digest" in msg["Subject"]
    text, html = _parts(msg)
    assert "acme/shop" in text and "Inbox: 2" in text
    assert "Unexplained 500s" in text and "GET /checkout 502" in text
    assert "waiting for vendor fix" in text and "Snoozes ending soon" in html
    assert "billing" not in text  # not mike's team
    links = re.findall(r'href="([^"]+)"', html)
    assert any(re.fullmatch(r"http://testserver/issues/\d+/", link) for link in links)
    unsubscribe = next(link for link in links if "/unsubscribe/" in link)
    assert unsubscribe in text and msg["List-Unsubscribe"].strip() == f"<{unsubscribe}>"


def test_exactly_once_per_user_per_day_sequential_and_concurrent(activity, smtp):
    day = timezone.now().date()
    send_digest.delay(activity.member.pk, day.isoformat())
    send_digest.delay(activity.member.pk, day.isoformat())
    assert len(smtp.messages) == 1

    results = []

    def run():
        try:
            results.append(digest_send(user_id=activity.owner.pk, day=day))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [False, False, False, True]
    assert len(smtp.messages) == 2 and DigestSent.objects.filter(day=day).count() == 2


def test_due_at_local_hour_and_respecting_opt_outs(activity, smtp):
    UserProfile.objects.create(user=activity.member, timezone="Asia/Tokyo", digest_hour=9)
    UserProfile.objects.create(user=activity.owner, digest_enabled=False)
    now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 08:30 in Tokyo
    UserProfile.objects.create(user=activity.outsider, digest_hour=0, timezone="UTC")
    oscar = (activity.outsider.pk, now.date())
    assert users_due_for_digest(now) == [oscar]  # mike: 08:30 in Tokyo, olivia: opted out
    due = users_due_for_digest(now + timedelta(minutes=45))  # 09:15 Tokyo, Tuesday 3 March
    assert sorted((u, d.isoformat()) for u, d in due) == sorted(
        [(activity.member.pk, "2026-03-03"), (activity.outsider.pk, "2026-03-03")]
    )


def test_beat_task_sends_each_due_user_once(activity, smtp):
    UserProfile.objects.create(user=activity.member, digest_hour=0)
    UserProfile.objects.create(user=activity.owner, digest_hour=0)
    # oscar opts out: with the default profile he would be due whenever the suite runs at the default hour
    UserProfile.objects.create(user=activity.outsider, digest_enabled=False)
    send_due_digests()
    send_due_digests()
    assert sorted(to[0] for to, _ in smtp.messages) == ["mike@example.com", "olivia@example.com"]


def test_unsubscribe_link(activity, smtp, client):
    digest_send(user_id=activity.member.pk, day=timezone.now().date())
    text, _ = _parts(smtp.messages[0][1])
    path = re.search(r"http://testserver(/slack/digest/unsubscribe/\S+/)", text)[1]
    assert client.get(path).status_code == 200  # confirmation only
    assert not UserProfile.objects.filter(user=activity.member, digest_enabled=False).exists()
    assert client.post(path).status_code == 200
    assert UserProfile.objects.get(user=activity.member).digest_enabled is False
    assert client.post(path[:-3] + "xx/").status_code == 400


def test_email_alert_channel(activity, smtp, world):
    from alerts.models import Channel, Delivery
    from tests.alerts.conftest import rule

    ch = Channel.objects.create(
        organization=world.project.organization,
        name="team",
        kind="email",
        config={"addresses": ["oncall@example.com"], "team": world.project.teams.first().pk},
    )
    rule(world.project, ch)
    record(world.project, make_event(exception={"values": [{"type": "OSError", "value": "disk"}]}))
    [(to, msg)] = smtp.messages
    assert to == ["mike@example.com", "olivia@example.com", "oncall@example.com"] or sorted(to) == sorted(
        ["mike@example.com", "olivia@example.com", "oncall@example.com"]
    )
    text, html = _parts(msg)
    assert "OSError" in msg["Subject"] and "http://testserver/issues/" in text and "production" in html
    assert Delivery.objects.get(channel=ch).status == "sent"
