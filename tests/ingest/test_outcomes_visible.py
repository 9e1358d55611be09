"""Dropped items are visible: per project on the dashboard's project page and on ``/metrics``."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

BAD_SESSIONS = ({"type": "sessions"}, {"attrs": {"release": "shop@2.0"}, "aggregates": ["x"]})


def item_outcomes(client, project_id: int) -> float:
    response = client.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            if sample.name == "errorhub_item_outcomes_total" and sample.labels == {
                "project": str(project_id),
                "outcome": "invalid",
                "reason": "invalid_sessions",
            }:
                return sample.value
    return 0.0


def test_invalid_item_shows_on_project_page_and_metrics(client, world, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    before = item_outcomes(client, world.project.pk)
    body = event()
    for _ in range(2):
        data = envelope(({"type": "event"}, {**body, "event_id": event()["event_id"]}), BAD_SESSIONS)
        assert post_envelope(client, world, data).status_code == 200
    assert item_outcomes(client, world.project.pk) == before + 2

    client.force_login(world.member)
    page = client.get("/projects/acme/shop/").content.decode()
    assert "Ingest outcomes" in page
    assert "<td>invalid</td><td>invalid_sessions</td><td>2</td>" in page
