"""Event stores behind one contract (``base.EventStore``): SQL (embedded default)
and a search engine (Elasticsearch or OpenSearch)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from errorhub.events.stores.base import EventStore
from errorhub.events.stores.engine import build_engine_store
from errorhub.events.stores.sql import SqlEventStore


@lru_cache(maxsize=1)
def get_event_store() -> EventStore:
    """The configured store (``ERRORHUB_EVENT_STORE``), built once per process."""
    if settings.EVENT_STORE == "sql":
        return SqlEventStore()
    return build_engine_store(settings.EVENT_STORE, settings.EVENT_STORE_URL)
