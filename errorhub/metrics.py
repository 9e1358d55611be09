"""ErrorHub's own Prometheus metrics and the ``/metrics`` endpoint.

Hot-path hooks (``outcome_recorded``, ``envelope_items``, ``events_stored`` ...)
only increment in-memory counters: no I/O, no lock beyond prometheus_client's.
Values that live elsewhere — queue depths in the broker, dead letters and the
search-engine outbox in the database — are read at scrape time by a custom
collector, so they are exact and cost nothing between scrapes.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with several workers, Celery
prefork), prometheus_client writes each process's values to files in that
directory and ``/metrics`` aggregates them with ``MultiProcessCollector``; the
directory must be emptied when the service starts (see docs/operating.md).

Access: ``Authorization: Bearer <ERRORHUB_METRICS_TOKEN>``, or a client address in
``METRICS_ALLOWED_IPS`` (addresses or CIDR networks). With neither configured only
loopback may scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# In multiprocess mode values go to per-process files whatever registry a metric is
# registered in; a private registry keeps them out of the global default one.
REGISTRY = CollectorRegistry(auto_describe=True)
if not MULTIPROCESS:
    ProcessCollector(registry=REGISTRY)
    PlatformCollector(registry=REGISTRY)

_LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, float("inf"))
_FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, float("inf"))

EVENTS_ACCEPTED = Counter(
    "errorhub_events_accepted", "Events accepted by the ingest endpoints.", ["project"], registry=REGISTRY
)
EVENTS_RATE_LIMITED = Counter(
    "errorhub_events_rate_limited",
    "Requests refused with 429 (quota or backlog).",
    ["project", "reason"],
    registry=REGISTRY,
)
EVENTS_REJECTED = Counter(
    "errorhub_events_rejected", "Events refused as invalid or too large.", ["project", "reason"], registry=REGISTRY
)
ENVELOPE_ITEMS = Counter(
    "errorhub_envelope_items", "Envelope items accepted, by item type.", ["type"], registry=REGISTRY
)
OTLP_RECORDS = Counter(
    "errorhub_otlp_records", "OTLP log records and spans received.", ["signal", "result"], registry=REGISTRY
)
EVENTS_STORED = Counter("errorhub_events_stored", "Events grouped and stored (duplicates excluded).", registry=REGISTRY)
PROCESSING_LATENCY = Histogram(
    "errorhub_event_processing_seconds",
    "Time from an event's arrival at the ingest view to its storage.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
GROUPING_TIME = Histogram(
    "errorhub_grouping_seconds",
    "Time to group one batch of events into issues.",
    buckets=_FAST_BUCKETS,
    registry=REGISTRY,
)
STORE_BULK_TIME = Histogram(
    "errorhub_event_store_bulk_seconds",
    "Time of one bulk write to the event store.",
    ["backend"],
    buckets=_FAST_BUCKETS,
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "errorhub_alert_deliveries",
    "Alert delivery attempts, by channel kind and outcome.",
    ["kind", "outcome"],
    registry=REGISTRY,
)

_OUTCOME_COUNTERS = {"rate_limited": EVENTS_RATE_LIMITED, "rejected": EVENTS_REJECTED}


# ---------------------------------------------------------------- hooks (cheap)


def outcome_recorded(project_id: int | None, outcome: str, reason: str = "", amount: int = 1) -> None:
    """One ingest outcome (``accepted``, ``rate_limited``, ``rejected`` ...), as counted by
    ``ingest.counters.buffer_outcome``."""
    if amount <= 0:
        return
    project = str(project_id or "")
    if outcome == "accepted":
        EVENTS_ACCEPTED.labels(project).inc(amount)
    elif outcome in _OUTCOME_COUNTERS:
        _OUTCOME_COUNTERS[outcome].labels(project, reason or "unknown").inc(amount)
    # the worker's item outcomes (invalid, too_large, unsupported ...) are read from the database
    # when scraped (``ingest.state.item_outcomes``): the worker is another process than the web


def envelope_items(types: Iterable[str | None]) -> None:
    for item_type in types:
        ENVELOPE_ITEMS.labels(item_type or "unknown").inc()


def otlp_records(signal: str, result: str, amount: int) -> None:
    if amount > 0:
        OTLP_RECORDS.labels(signal, result).inc(amount)


def clock() -> float:
    """A start time for ``grouping_observed`` / ``store_bulk_observed``."""
    return time.perf_counter()


def grouping_observed(started: float) -> None:
    GROUPING_TIME.observe(time.perf_counter() - started)


def store_bulk_observed(backend: str, started: float) -> None:
    STORE_BULK_TIME.labels(backend).observe(time.perf_counter() - started)


def events_stored(events: Sequence[Mapping[str, Any]]) -> None:
    """Processing latency of each stored event: now minus its ``received_at``."""
    if not events:
        return
    EVENTS_STORED.inc(len(events))
    now = time.time()
    for event in events:
        received = event.get("received_at")
        try:
            moment = datetime.fromisoformat(received).timestamp() if isinstance(received, str) else received
        except ValueError:
            continue
        if isinstance(moment, (int, float)):
            PROCESSING_LATENCY.observe(max(now - moment, 0.0))


def delivery_recorded(kind: str, outcome: str) -> None:
    """One alert delivery attempt: ``kind`` of channel (slack, email, webhook ...) and
    ``outcome`` (``sent``, ``failed``, ``failed_permanent`` ...)."""
    DELIVERIES.labels(kind or "unknown", outcome or "unknown").inc()


# ---------------------------------------------------------------- scrape-time state


#: The outcomes this process counts itself (``outcome_recorded``); the others are the
#: worker's, read from the database when scraped.
OUTCOMES_COUNTED_IN_PROCESS = ("accepted", *_OUTCOME_COUNTERS)

StateReader = Callable[[], "GaugeMetricFamily | CounterMetricFamily"]

#: Scrape-time sources, ``name -> reader``, in scrape order. Registered by the app that owns
#: the state (``IngestConfig.ready``: queues, dead letters, outbox, item outcomes): this
#: module is infrastructure the apps import, so it imports none of them.
_STATE_SOURCES: dict[str, StateReader] = {}


def register_state_source(name: str, reader: StateReader) -> None:
    """Read ``reader()`` at every scrape; its failure is reported as ``errorhub_scrape_errors{source=name}``."""
    _STATE_SOURCES[name] = reader


class StateCollector(Collector):
    """Gauges read when scraped, from the registered sources (``register_state_source``).
    A source that cannot be read is reported in ``errorhub_scrape_errors`` instead of
    failing the scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        errors = GaugeMetricFamily(
            "errorhub_scrape_errors", "1 when a scrape-time source could not be read.", labels=["source"]
        )
        for source, reader in list(_STATE_SOURCES.items()):
            try:
                yield reader()
                errors.add_metric([source], 0)
            except Exception as exc:  # a down broker/database must not break the scrape
                logger.warning("metrics: cannot read %s: %s", source, exc)
                errors.add_metric([source], 1)
        yield errors


def scrape() -> bytes:
    """The exposition text: this process's (or every process's) metrics plus current state."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Delegate(REGISTRY))
    registry.register(StateCollector())
    return generate_latest(registry)


class _Delegate(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Any]:
        return self.registry.collect()


# ---------------------------------------------------------------- the view


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    entries = getattr(settings, "METRICS_ALLOWED_IPS", None) or []
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def scrape_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header[:7].lower() == "bearer " and hmac.compare_digest(header[7:].strip(), token):
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = _allowed_networks()
    if networks:
        return any(client in net for net in networks)
    return not token and client.is_loopback  # nothing configured: loopback only


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics`` in the Prometheus text format."""
    if request.method != "GET":
        return HttpResponse("use GET\n", status=405, content_type="text/plain", headers={"Allow": "GET"})
    if not scrape_allowed(request):
        return HttpResponse(
            "metrics need Authorization: Bearer <ERRORHUB_METRICS_TOKEN> or an allowed address\n",
            status=401 if settings.METRICS_TOKEN else 403,
            content_type="text/plain",
            headers={"WWW-Authenticate": "Bearer"} if settings.METRICS_TOKEN else None,
        )
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
