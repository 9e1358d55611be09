"""Ingest's state as ``/metrics`` reads it at scrape time: queue depths, dead letters,
the search-engine outbox backlog, and the item outcomes the worker counted.

Registered with ``errorhub.metrics`` by ``IngestConfig.ready``: metrics is
infrastructure the apps import, so it reads app state only through such sources.
"""

from __future__ import annotations

from django.db.models import Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from errorhub import metrics
from errorhub.events.models import IndexOutbox
from ingest.models import DeadLetter, IngestCounter
from ingest.quotas import queue_depths


def queues() -> GaugeMetricFamily:
    gauge = GaugeMetricFamily("errorhub_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"])
    for queue, depth in queue_depths().items():
        gauge.add_metric([queue], depth)
    return gauge


def dead_letters() -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(
        "errorhub_dead_letters", "Payloads that failed every retry and were neither replayed nor discarded."
    )
    gauge.add_metric([], DeadLetter.objects.filter(discarded_at__isnull=True, replayed_at__isnull=True).count())
    return gauge


def item_outcomes() -> CounterMetricFamily:
    """The items the worker did not store, as it counted them in the database (per project,
    outcome and reason): the worker runs in another process than the web that is scraped."""
    counter = CounterMetricFamily(
        "errorhub_item_outcomes",
        "Accepted items the worker did not store, by "
        "outcome (invalid, too_large, unsupported, filtered ...) and reason.",
        labels=["project", "outcome", "reason"],
    )
    rows = (
        IngestCounter.objects.exclude(outcome__in=metrics.OUTCOMES_COUNTED_IN_PROCESS)
        .values_list("project_id", "outcome", "reason")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for project_id, outcome, reason, total in rows:
        counter.add_metric([str(project_id), outcome, reason or "unknown"], total)
    return counter


def outbox() -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(
        "errorhub_index_outbox_backlog", "Events stored but not yet indexed in the search engine."
    )
    gauge.add_metric([], IndexOutbox.objects.count())
    return gauge


def register() -> None:
    """Add the readers to ``/metrics``, in the order the scrape lists them."""
    for name, reader in (
        ("queues", queues),
        ("dead_letters", dead_letters),
        ("outbox", outbox),
        ("item_outcomes", item_outcomes),
    ):
        metrics.register_state_source(name, reader)
