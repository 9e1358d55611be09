"""Session counts are client-chosen: one ``sessions`` item of many maximal aggregates adds
up past a 64-bit column. The stored sum stops at ``MAX_CLIENT_QUANTITY`` instead of failing
the envelope into a dead letter."""

from __future__ import annotations

import pytest

from ingest.counters import MAX_CLIENT_QUANTITY
from ingest.models import DeadLetter, SessionAggregate
from tests.ingest.helpers import envelope, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

LARGEST = 2**53 - 1  # the largest count the item check accepts per aggregate


def test_many_maximal_aggregates_stop_at_the_ceiling(client, world):
    aggregates = [{"started": "2026-11-26T10:00:00Z", "exited": LARGEST, "crashed": LARGEST}] * 1100
    item = ({"type": "sessions"}, {"attrs": {"release": "shop@2.0"}, "aggregates": aggregates})
    for _ in range(2):
        response = post_envelope(client, world, envelope(item))
        assert response.status_code == 200, response.content
    row = SessionAggregate.objects.get(project=world.project, release="shop@2.0")
    assert (row.healthy, row.crashed, row.errored) == (MAX_CLIENT_QUANTITY, MAX_CLIENT_QUANTITY, 0)
    assert not DeadLetter.objects.exists()


def test_ordinary_counts_still_add_up(client, world):
    item = (
        {"type": "sessions"},
        {
            "attrs": {"release": "shop@2.0"},
            "aggregates": [{"started": "2026-11-26T10:00:00Z", "exited": 5, "errored": 2}],
        },
    )
    for _ in range(2):
        assert post_envelope(client, world, envelope(item)).status_code == 200
    row = SessionAggregate.objects.get(project=world.project, release="shop@2.0")
    assert (row.healthy, row.errored) == (6, 4)
