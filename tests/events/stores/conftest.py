"""Backends for the event-store contract: SQL (the current database) and the search
engines (OpenSearch directly; the ``elasticsearch`` client through ``es_proxy``;
a real Elasticsearch when ``ERRORHUB_TEST_ELASTICSEARCH_URL`` is set).

Every engine store gets its own index prefix, so tests (and concurrent runs on
the shared node) never see each other's events; its indices and template are
deleted when the test ends.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from errorhub.accounts.models import Project
from errorhub.events.stores.base import EventStore
from errorhub.issues.models import Issue
from ingest.protocol.normalize import normalize_sentry_event
from tests.events.stores.es_proxy import EsCompatProxy
from tests.factories import ProjectFactory

RUN = uuid.uuid4().hex[:8]
_SEQ = itertools.count()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

BACKENDS = [
    pytest.param("sql", marks=pytest.mark.sqlite, id="sql"),
    pytest.param("opensearch", id="opensearch"),
    pytest.param("elasticsearch-client", id="elasticsearch-client"),
]
# The real-Elasticsearch variant exists only where one is reachable (none can be
# installed here); it is not generated at all otherwise, rather than skipped.
if os.environ.get("ERRORHUB_TEST_ELASTICSEARCH_URL"):
    BACKENDS.append(pytest.param("elasticsearch", id="elasticsearch"))


@contextmanager
def engine_configured(settings: Any, kind: str, url: str) -> Iterator[None]:
    """Point the event store at a search engine (indices under a unique prefix) for one test,
    and drop its indices afterwards."""
    from errorhub.events.stores import get_event_store

    settings.EVENT_STORE = kind
    settings.EVENT_STORE_URL = url
    settings.EVENT_STORE_INDEX_PREFIX = unique_prefix()
    get_event_store.cache_clear()
    try:
        yield
    finally:
        get_event_store().drop_indices()  # type: ignore[attr-defined]
        get_event_store.cache_clear()


def unique_prefix() -> str:
    return f"errorhub-store-{RUN}-{next(_SEQ)}"


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    """The real node; a missing variable or a dead node fails the run, never skips it."""
    url = os.environ.get("ERRORHUB_TEST_OPENSEARCH_URL")
    if not url:
        pytest.fail("ERRORHUB_TEST_OPENSEARCH_URL is not set (scripts/services.sh up opensearch; . .services/env)")
    import urllib.request

    try:
        urllib.request.urlopen(url, timeout=10).read()
    except OSError as exc:
        pytest.fail(f"OpenSearch at ERRORHUB_TEST_OPENSEARCH_URL={url} is unreachable: {exc}")
    return url


@pytest.fixture(scope="session")
def es_proxy(opensearch_url: str) -> Iterator[EsCompatProxy]:
    proxy = EsCompatProxy(opensearch_url)
    proxy.start()
    yield proxy
    proxy.stop()


def engine_store(kind: str, url: str, prefix: str | None = None):  # type: ignore[no-untyped-def]
    from errorhub.events.stores.engine import build_engine_store

    return build_engine_store(kind, url, prefix=prefix or unique_prefix(), replicas=0)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, db: None) -> Iterator[EventStore]:
    """Each backend of the contract, empty at the start of the test."""
    kind = request.param
    if kind == "sql":
        from errorhub.events.stores.sql import SqlEventStore

        yield SqlEventStore()
        return
    if kind == "opensearch":
        built = engine_store("opensearch", request.getfixturevalue("opensearch_url"))
    elif kind == "elasticsearch-client":
        built = engine_store("elasticsearch", request.getfixturevalue("es_proxy").url)
    else:
        built = engine_store("elasticsearch", os.environ["ERRORHUB_TEST_ELASTICSEARCH_URL"])
    try:
        yield built
    finally:
        built.drop_indices()


def refresh(store: EventStore) -> None:
    """Make writes searchable: a no-op for SQL, ``_refresh`` for the engines."""
    flush = getattr(store, "refresh", None)
    if flush is not None:
        flush()


@pytest.fixture
def project(db: None) -> Project:
    return ProjectFactory(slug=f"shop-{uuid.uuid4().hex[:6]}", retention_days=90)


def make_issue(project: Project, title: str = "ValueError: bad amount") -> Issue:
    count = Issue.objects.filter(project=project).count()
    return Issue.objects.create(
        project=project,
        short_id=count + 1,
        title=title,
        grouping_version="test",
        first_seen=timezone.now(),
        last_seen=timezone.now(),
    )


def sdk_event(n: int, project: Project, *, hours_ago: float | None = None, **overrides: Any) -> dict[str, Any]:
    """A Python SDK error event as the SDK sends it, normalised the way ingest does."""
    when = NOW - timedelta(hours=n if hours_ago is None else hours_ago)
    payload: dict[str, Any] = {
        "timestamp": when.isoformat(),
        "platform": "python",
        "level": "error",
        "release": "shop@1.2.0",
        "environment": "production",
        "server_name": "web-1",
        "transaction": "/checkout",
        "tags": {"browser": "Chrome", "region": "eu"},
        "user": {"id": "42", "ip_address": "10.0.0.1"},
        "request": {"method": "POST", "url": "https://shop.example/checkout"},
        "contexts": {"trace": {"trace_id": f"{n:032x}", "span_id": "b" * 16}},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"bad amount {n}",
                    "module": "builtins",
                    "mechanism": {"type": "generic", "handled": False},
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "handle_request",
                                "module": "shop.views",
                                "filename": "shop/views.py",
                                "lineno": 10,
                            },
                            {
                                "function": "process_payment",
                                "module": "shop.payments",
                                "filename": "shop/payments.py",
                                "lineno": 3,
                                "in_app": True,
                            },
                        ]
                    },
                }
            ]
        },
        "sdk": {"name": "sentry.python", "version": "2.19.0"},
    }
    payload.update(overrides)
    return normalize_sentry_event(
        payload, project_id=project.pk, event_id=f"{n:032x}", received_at=when + timedelta(seconds=1)
    )  # type: ignore[return-value]
