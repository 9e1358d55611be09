"""The channel's "test" button queues the send instead of running it inside the web request:
it answers at once, and the outcome (here a webhook server that trickles its answer, cut off
at the outbound deadline) shows in the channel's delivery log."""

from __future__ import annotations

import pytest
from django.test import Client

from alerts.models import Channel, Delivery
from tests.alerts.conftest import HEADERS_THEN_TRICKLE

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_the_test_button_queues_and_the_log_shows_the_timeout(
    world, settings, trickler, django_capture_on_commit_callbacks
):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the trickling server listens on 127.0.0.1
    settings.OUTBOUND_DEADLINE = 2
    channel = Channel.objects.create(
        organization=world.project.organization,
        name="slow hook",
        kind="webhook",
        config={"url": trickler(HEADERS_THEN_TRICKLE), "secret": "s"},
    )
    client = Client()
    client.force_login(world.owner)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(f"/alerts/channels/{channel.pk}/test/", follow=True)
        # answered before the send ran: the delivery is only queued
        assert "Test alert queued for “slow hook”" in response.content.decode()
        assert Delivery.objects.get().attempts == 0
    assert len(queued) == 1

    delivery = Delivery.objects.get()
    assert delivery.status == "retrying" and "timed out" in delivery.last_error
    assert "timed out" in client.get(f"/alerts/channels/{channel.pk}/").content.decode()
