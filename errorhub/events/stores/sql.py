"""The SQL event store (embedded default): events in ``StoredEvent`` rows.

Writes happen inside the processing transaction, so an event is stored exactly
when its issue is counted. Cursors are ``<timestamp_iso>|<id>`` keyset cursors
(newest first), which stay fast at any depth.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import TruncDay, TruncHour, TruncMinute
from django.utils.dateparse import parse_datetime

from errorhub.events.models import EventTag, StoredEvent
from errorhub.events.stores.base import (
    EventStore,
    EventStoreUnavailable,
    HistogramBucket,
    IndexedEvent,
    InvalidCursor,
    Page,
)
from errorhub.events.stores.cursors import decode_keyset
from errorhub.events.stores.sql_query import query_to_q
from errorhub.events.stores.text import search_text_of

_TRUNC = {"1m": TruncMinute, "1h": TruncHour, "1d": TruncDay}
_STEP = {"1m": timedelta(minutes=1), "1h": timedelta(hours=1), "1d": timedelta(days=1)}


def _encode_cursor(row: StoredEvent) -> str:
    return base64.urlsafe_b64encode(f"{row.timestamp.isoformat()}|{row.pk}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, pk = decode_keyset(cursor)
        when = parse_datetime(stamp)
    except ValueError as exc:  # BadCursor, or an impossible date
        raise InvalidCursor(cursor) from exc
    if when is None:
        raise InvalidCursor(cursor)
    return when, pk


def _page(qs: QuerySet, cursor: str | None, limit: int) -> Page:
    if cursor:
        when, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(timestamp__lt=when) | Q(timestamp=when, pk__lt=pk))
    rows = list(qs.order_by("-timestamp", "-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(events=[_with_issue(r) for r in rows], next_cursor=_encode_cursor(rows[-1]) if more else None)


def _with_issue(row: StoredEvent) -> dict[str, Any]:
    body = dict(row.body)
    body["issue_id"] = row.issue_id
    return body


class SqlEventStore(EventStore):
    transactional = True

    def index(self, events: Sequence[IndexedEvent]) -> None:
        # (project, event_id) is claimed once upstream (SeenEvent); skipping one
        # already stored keeps a replayed index() call idempotent here too.
        fresh = {(i.project_id, i.event["event_id"]): i for i in events}
        stored = set(
            StoredEvent.objects.filter(event_id__in=[k[1] for k in fresh]).values_list("project_id", "event_id")
        )
        rows = [self._row(item) for key, item in fresh.items() if key not in stored]
        StoredEvent.objects.bulk_create(rows)
        tags = [
            EventTag(event=row, issue_id=row.issue_id, key=k[:200], value=str(v)[:200])
            for row in rows
            for k, v in (row.tags or {}).items()
        ]
        EventTag.objects.bulk_create(tags)

    @staticmethod
    def _row(item: IndexedEvent) -> StoredEvent:
        ev = item.event
        return StoredEvent(
            project_id=item.project_id,
            issue_id=item.issue_id,
            event_id=ev["event_id"],
            timestamp=parse_datetime(ev["timestamp"]),
            received_at=parse_datetime(ev["received_at"]),
            level=ev.get("level") or "error",
            release=(ev.get("release") or "")[:200],
            environment=(ev.get("environment") or "")[:200],
            trace_id=(ev.get("trace_id") or "")[:64],
            request_id=(ev.get("request_id") or "")[:128],
            transaction=(ev.get("transaction") or "")[:200],
            source=(ev.get("source") or "")[:128],
            tags=ev.get("tags") or {},
            search_text=search_text_of(ev),
            body=ev,
        )

    def get(self, project_id: int, event_id: str) -> dict[str, Any] | None:
        row = StoredEvent.objects.filter(project_id=project_id, event_id=event_id).first()
        return _with_issue(row) if row else None

    def list_for_issue(self, issue_id: int, cursor: str | None = None, limit: int = 50) -> Page:
        return _page(StoredEvent.objects.filter(issue_id=issue_id), cursor, limit)

    def search(
        self,
        query: Any,
        project_ids: Sequence[int],
        start: datetime | None = None,
        end: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        qs = StoredEvent.objects.filter(project_id__in=list(project_ids))
        if start:
            qs = qs.filter(timestamp__gte=start)
        if end:
            qs = qs.filter(timestamp__lt=end)
        qs = qs.filter(query_to_q(query, vendor=connection.vendor))
        return _page(qs, cursor, limit)

    def issue_ids_matching(
        self, query: Any, project_ids: Sequence[int], start: datetime | None = None, limit: int = 10_000
    ) -> set[int]:
        qs = StoredEvent.objects.filter(project_id__in=list(project_ids), issue_id__isnull=False)
        if start:
            qs = qs.filter(timestamp__gte=start)
        qs = qs.filter(query_to_q(query, vendor=connection.vendor))
        return set(qs.order_by().values_list("issue_id", flat=True).distinct()[:limit])

    def histogram(
        self,
        *,
        project_ids: Sequence[int] = (),
        issue_id: int | None = None,
        interval: str = "1h",
        start: datetime,
        end: datetime,
    ) -> list[HistogramBucket]:
        if interval not in _TRUNC:
            raise ValueError(f"interval must be one of {', '.join(_TRUNC)}")
        qs = StoredEvent.objects.filter(timestamp__gte=start, timestamp__lt=end)
        qs = qs.filter(issue_id=issue_id) if issue_id is not None else qs.filter(project_id__in=list(project_ids))
        counts = {
            row["bucket"]: row["n"]
            for row in qs.annotate(bucket=_TRUNC[interval]("timestamp")).values("bucket").annotate(n=Count("id"))
        }
        return _fill_buckets(counts, interval, start, end)

    def top_tag_values(self, issue_id: int, tag: str, n: int = 10) -> list[tuple[str, int]]:
        rows = (
            EventTag.objects.filter(issue_id=issue_id, key=tag)
            .values("value")
            .annotate(c=Count("id"))
            .order_by("-c", "value")[:n]
        )
        return [(r["value"], r["c"]) for r in rows]

    def recent_tag_sample(self, issue_id: int, limit: int = 500) -> list[dict[str, str]]:
        # the (issue, -timestamp, -id) index yields the newest rows; only the small columns and
        # one key of the body are read
        rows = (
            StoredEvent.objects.filter(issue_id=issue_id)
            .order_by("-timestamp", "-pk")
            .annotate(server=KeyTransform("server_name", "body"))
            .values_list("tags", "environment", "release", "server")[:limit]
        )
        return [_breakdown_fields(tags, environment, release, server) for tags, environment, release, server in rows]

    def delete(self, *, project_id: int | None = None, issue_id: int | None = None) -> int:
        if project_id is None and issue_id is None:
            raise ValueError("delete needs a project or an issue")
        qs = StoredEvent.objects.all()
        qs = qs.filter(project_id=project_id) if project_id is not None else qs.filter(issue_id=issue_id)
        return qs.delete()[1].get("events.StoredEvent", 0)

    def apply_retention(self, now: datetime, retention_days: dict[int, int]) -> int:
        total = 0
        for project_id, days in retention_days.items():
            _, per_model = StoredEvent.objects.filter(
                project_id=project_id, timestamp__lt=now - timedelta(days=days)
            ).delete()
            total += per_model.get("events.StoredEvent", 0)
        return total

    def move_issue(self, *, from_issue_id: int, to_issue_id: int) -> None:
        StoredEvent.objects.filter(issue_id=from_issue_id).update(issue_id=to_issue_id)
        EventTag.objects.filter(issue_id=from_issue_id).update(issue_id=to_issue_id)

    def neighbours(self, issue_id: int, event_id: str) -> tuple[str | None, str | None]:
        row = StoredEvent.objects.filter(issue_id=issue_id, event_id=event_id).first()
        if row is None:
            return (None, None)
        base = StoredEvent.objects.filter(issue_id=issue_id)
        older = base.filter(Q(timestamp__lt=row.timestamp) | Q(timestamp=row.timestamp, pk__lt=row.pk))
        newer = base.filter(Q(timestamp__gt=row.timestamp) | Q(timestamp=row.timestamp, pk__gt=row.pk))
        o = older.order_by("-timestamp", "-pk").values_list("event_id", flat=True).first()
        n = newer.order_by("timestamp", "pk").values_list("event_id", flat=True).first()
        return (o, n)

    def ping(self) -> None:
        try:
            StoredEvent.objects.exists()
        except Exception as exc:  # any database error means "not reachable"
            raise EventStoreUnavailable(str(exc)) from exc


def _breakdown_fields(tags: Any, environment: str, release: str, server: Any) -> dict[str, str]:
    """One stored row as the tag sample's dict: its tags, then the event fields that are set (a tag
    of the same name is dropped: ``environment:`` etc. search the field)."""
    fields = {str(k): "" if v is None else str(v) for k, v in (tags if isinstance(tags, dict) else {}).items()}
    for key, value in (("environment", environment), ("release", release), ("server_name", server)):
        fields.pop(key, None)
        if value and isinstance(value, str | int | float):  # a JSON null or object is no server name
            fields[key] = str(value)
    return fields


def _fill_buckets(counts: dict[datetime, int], interval: str, start: datetime, end: datetime) -> list[HistogramBucket]:
    trunc = {
        "1m": dict(second=0, microsecond=0),
        "1h": dict(minute=0, second=0, microsecond=0),
        "1d": dict(hour=0, minute=0, second=0, microsecond=0),
    }[interval]
    cursor, step, out = start.replace(**trunc), _STEP[interval], []
    while cursor < end:
        out.append(HistogramBucket(start=cursor, count=counts.get(cursor, 0)))
        cursor += step
    return out
