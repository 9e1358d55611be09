"""``/metrics``: access control, and counters that match what was sent."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from errorhub import metrics
from ingest import counters
from ingest.models import DeadLetter
from tests.ingest.helpers import event, event_envelope, post_envelope, post_store

pytestmark = pytest.mark.django_db(transaction=True)


def _scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counters_match_events_sent(client, world, settings):
    settings.METRICS_TOKEN = "s3cret"
    project = str(world.project.pk)
    before = _scrape(client, HTTP_AUTHORIZATION="Bearer s3cret")
    for _ in range(3):
        assert post_envelope(client, world, event_envelope()).status_code == 200
    assert post_store(client, world, b"{not json").status_code == 400
    DeadLetter.objects.create(task="t", payload={}, error="boom")
    after = _scrape(client, HTTP_AUTHORIZATION="Bearer s3cret")

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("errorhub_events_accepted_total", project=project) == 3
    assert delta("errorhub_events_rejected_total", project=project, reason="invalid") == 1
    assert delta("errorhub_envelope_items_total", type="event") == 3
    assert delta("errorhub_events_stored_total") == 3
    assert delta("errorhub_event_processing_seconds_count") == 3
    assert delta("errorhub_grouping_seconds_count") == 3
    assert _value(after, "errorhub_dead_letters") == 1
    assert _value(after, "errorhub_index_outbox_backlog") == 0
    assert ("errorhub_queue_depth", (("queue", "ingest"),)) in after
    assert _value(after, "errorhub_scrape_errors", source="queues") == 0


def test_rate_limited_and_delivery_counters(client, world, settings):
    settings.METRICS_TOKEN = "s3cret"
    before = _scrape(client, HTTP_AUTHORIZATION="Bearer s3cret")
    counters.buffer_outcome(world.project.pk, "rate_limited", "project_quota", 2)
    metrics.delivery_recorded("slack", "sent")
    after = _scrape(client, HTTP_AUTHORIZATION="Bearer s3cret")
    key = ("errorhub_events_rate_limited_total", (("project", str(world.project.pk)), ("reason", "project_quota")))
    assert after[key] - before.get(key, 0) == 2
    key = ("errorhub_alert_deliveries_total", (("kind", "slack"), ("outcome", "sent")))
    assert after[key] - before.get(key, 0) == 1


def test_access_needs_token_or_allowed_address(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    settings.METRICS_ALLOWED_IPS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 401
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 200  # nothing configured: loopback only
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


def test_unreadable_broker_is_a_scrape_error_not_a_500(client, settings):
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on: a real, unreachable Redis
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    settings.METRICS_TOKEN = ""
    samples = _scrape(client)
    assert _value(samples, "errorhub_scrape_errors", source="queues") == 1
    assert event  # helpers import kept for symmetry with the ingest tests
