"""An envelope item ErrorHub does not read (``security``, ``profile`` …) is counted once, as
the worker's ``unsupported`` outcome: the view neither charges it to the quota nor counts it
``accepted``."""

from __future__ import annotations

import pytest

from errorhub.events.models import StoredEvent
from ingest import counters
from ingest.models import IngestCounter
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

CSP = {
    "csp-report": {
        "document-uri": "https://shop.example.com/",
        "violated-directive": "script-src",
        "blocked-uri": "https://evil.example.com/x.js",
    }
}


def _outcomes(project_id: int) -> dict[tuple[str, str], int]:
    counters.flush_outcomes()
    totals: dict[tuple[str, str], int] = {}
    for row in IngestCounter.objects.filter(project_id=project_id):
        totals[(row.outcome, row.reason)] = totals.get((row.outcome, row.reason), 0) + row.count
    return totals


def test_security_item_beside_an_event_is_neither_charged_nor_accepted(client, world):
    world.key.rate_limit_per_minute = 1  # room for the event alone
    world.key.save()
    body = event()
    data = envelope(
        ({"type": "event"}, body),
        ({"type": "security"}, CSP),
        ({"type": "profile"}, {"x": 1}),
        headers={"event_id": body["event_id"]},
    )

    response = post_envelope(client, world, data)

    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
    outcomes = _outcomes(world.project.pk)
    assert outcomes.get(("accepted", "")) == 1, outcomes
    assert outcomes.get(("unsupported", "security")) == 1, outcomes
    assert outcomes.get(("unsupported", "profile")) == 1, outcomes
