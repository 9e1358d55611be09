"""Client-report quantities are bounded: one entry counts at most ``MAX_QUANTITY`` items
(more is an ``invalid`` outcome), and a day's sum stops at ``MAX_CLIENT_QUANTITY`` instead
of overflowing its 64-bit column and dead-lettering the envelope."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from ingest.counters import MAX_CLIENT_QUANTITY
from ingest.models import ClientOutcome, DeadLetter
from ingest.protocol.item_checks import MAX_QUANTITY
from tests.ingest.helpers import envelope, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def report(quantity: int) -> tuple[dict, dict]:
    return {"type": "client_report"}, {
        "timestamp": time.time(),
        "discarded_events": [{"reason": "queue_overflow", "category": "error", "quantity": quantity}],
    }


def quantity(world) -> int:
    return ClientOutcome.objects.get(project=world.project, reason="queue_overflow", category="error").quantity


def test_an_entry_over_the_cap_is_refused_with_a_reason(client, world):
    response = post_envelope(client, world, envelope(report(MAX_QUANTITY + 1)))
    assert response.status_code == 400, response.content
    assert "quantity must be a non-negative integer below" in response.json()["detail"]
    assert not ClientOutcome.objects.exists() and not DeadLetter.objects.exists()


def test_the_daily_sum_stops_at_the_ceiling(client, world):
    ClientOutcome.objects.create(
        project=world.project,
        day=timezone.now().date(),
        reason="queue_overflow",
        category="error",
        quantity=MAX_CLIENT_QUANTITY - 5,
    )
    for _ in range(3):
        response = post_envelope(client, world, envelope(report(MAX_QUANTITY)))
        assert response.status_code == 200, response.content
    assert quantity(world) == MAX_CLIENT_QUANTITY
    assert not DeadLetter.objects.exists()


def test_maximal_entries_still_add_up(client, world):
    for _ in range(2):
        assert post_envelope(client, world, envelope(report(MAX_QUANTITY))).status_code == 200
    assert quantity(world) == 2 * MAX_QUANTITY
