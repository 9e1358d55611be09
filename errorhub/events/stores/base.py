"""The ``EventStore`` contract every backend passes (tests/events/stores/ runs it on each)."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ingest.protocol.errors import ClientError
from ingest.protocol.event import Event


@dataclass(frozen=True)
class IndexedEvent:
    """An event ready to store: the normalised body plus where it was grouped."""

    project_id: int
    issue_id: int
    event: Event


@dataclass
class Page:
    """One page of events, newest first; ``next_cursor`` is opaque (None at the end)."""

    events: list[dict[str, Any]]
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HistogramBucket:
    start: datetime
    count: int


class InvalidCursor(ClientError, ValueError):
    """A page cursor this store did not make (tampered with, or cut short): answer 400."""

    def __init__(self, cursor: str) -> None:
        super().__init__(f"invalid cursor {cursor[:200]!r}: pass back the cursor of a Link header unchanged")


class EventStoreUnavailable(RuntimeError):
    """The backend cannot be reached now; callers keep the work and retry."""


class EventStore(abc.ABC):
    #: True when ``index`` writes inside the caller's SQL transaction (SQL store);
    #: False when events go through the outbox and a bulk indexer (search engines).
    transactional: bool = False

    @abc.abstractmethod
    def index(self, events: Sequence[IndexedEvent]) -> None: ...

    @abc.abstractmethod
    def get(self, project_id: int, event_id: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def list_for_issue(self, issue_id: int, cursor: str | None = None, limit: int = 50) -> Page: ...

    @abc.abstractmethod
    def search(
        self,
        query: Any,
        project_ids: Sequence[int],
        start: datetime | None = None,
        end: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page: ...

    @abc.abstractmethod
    def issue_ids_matching(
        self, query: Any, project_ids: Sequence[int], start: datetime | None = None, limit: int = 10_000
    ) -> set[int]:
        """The distinct issues with at least one event ``query`` matches, at most ``limit`` of them.

        The issue list filters by event fields and tags (``browser:Firefox``) through this: the
        store answers with issue ids alone (a ``DISTINCT`` or a terms aggregation), rather than the
        list reading and parsing every matching event to collect them."""

    @abc.abstractmethod
    def histogram(
        self,
        *,
        project_ids: Sequence[int] = (),
        issue_id: int | None = None,
        interval: str = "1h",
        start: datetime,
        end: datetime,
    ) -> list[HistogramBucket]: ...

    @abc.abstractmethod
    def top_tag_values(self, issue_id: int, tag: str, n: int = 10) -> list[tuple[str, int]]: ...

    @abc.abstractmethod
    def recent_tag_sample(self, issue_id: int, limit: int = 500) -> list[dict[str, str]]:
        """The issue's latest ``limit`` events, newest first, each as its breakdown fields: its tags
        plus ``environment``, ``release`` and ``server_name`` (event fields, not tags, here).

        The issue page's tag breakdown counts this bounded sample rather than every event, so a
        page view costs the same at 100 events as at 100,000, and deleted (retention) or moved
        (merge) events drop out of it with no counters to keep right."""

    @abc.abstractmethod
    def delete(self, *, project_id: int | None = None, issue_id: int | None = None) -> int: ...

    @abc.abstractmethod
    def apply_retention(self, now: datetime, retention_days: dict[int, int]) -> int: ...

    @abc.abstractmethod
    def move_issue(self, *, from_issue_id: int, to_issue_id: int) -> None:
        """Re-point stored events of one issue at another (merge)."""

    def neighbours(self, issue_id: int, event_id: str) -> tuple[str | None, str | None]:
        """(older, newer) event ids around ``event_id`` within the issue."""
        return (None, None)

    def ping(self) -> None:
        """Raise ``EventStoreUnavailable`` when the backend is not reachable."""

    def refresh(self) -> None:
        """Make everything indexed so far searchable (search engines refresh
        periodically; tests and reindex call this to read their own writes)."""
