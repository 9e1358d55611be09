"""Things ingest counts rather than stores: outcomes per minute, counted item
types, transactions (as trace links), sessions (release health), SDK client
reports (what the SDK dropped), and attachments kept beside their event."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from errorhub import metrics
from errorhub.accounts.models import Project
from errorhub.events.models import Attachment, TraceLink
from ingest.models import ClientOutcome, IngestCounter, ItemCounter, SessionAggregate
from ingest.protocol.scrub import scrub_text
from ingest.protocol.scrub_raw import scrub_attachment
from ingest.protocol.text import storable

logger = logging.getLogger(__name__)


#: A client-reported count (dropped items, sessions) is summed up to this and no further:
#: the columns are signed 64-bit integers, and clients (not ErrorHub) choose the amounts.
#: Half the column's range, so the stored sum plus one more amount never overflows either.
MAX_CLIENT_QUANTITY = (2**63 - 1) // 2


def _clamped_sum(field: str, amount: int) -> Least:
    """``field + amount`` as an update expression that stops at ``MAX_CLIENT_QUANTITY``:
    both terms are at most the ceiling, so their sum still fits before Least cuts it."""
    return Least(F(field) + min(amount, MAX_CLIENT_QUANTITY), MAX_CLIENT_QUANTITY)


def _bump(model: type, values: dict[str, Any], field: str, amount: int, *, clamped: bool = False) -> None:
    """Insert-or-increment one counter row (safe under concurrency); ``clamped`` for a
    count a client chose: the sum stops at ``MAX_CLIENT_QUANTITY`` instead of overflowing."""
    if amount <= 0:
        return
    total = _clamped_sum(field, amount) if clamped else F(field) + amount
    with transaction.atomic():
        model.objects.bulk_create([model(**values, **{field: 0})], ignore_conflicts=True)
        model.objects.filter(**values).update(**{field: total})


def count_outcome(project_id: int, outcome: str, reason: str = "", amount: int = 1) -> None:
    minute = timezone.now().replace(second=0, microsecond=0)
    _bump(
        IngestCounter,
        {"project_id": project_id, "minute": minute, "outcome": outcome, "reason": reason[:64]},
        "count",
        amount,
    )


def count_item(project: Project, item_type: str, amount: int = 1) -> None:
    _bump(ItemCounter, {"project": project, "day": timezone.now().date(), "item_type": item_type[:32]}, "count", amount)


def _when(value: Any) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=UTC)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed and parsed.tzinfo else timezone.now()


_ASCII_DIGITS = frozenset("0123456789")


def _http_status(value: Any) -> int | None:
    """An HTTP status code (an integer or up to three ASCII digits), else None.

    ``str.isdigit`` is no test: it is true for "²" and other Unicode digits that
    ``int`` refuses, and one such transaction would fail its whole envelope.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= 999 else None
    if isinstance(value, str) and 0 < len(value) <= 3 and set(value) <= _ASCII_DIGITS:
        return int(value)
    return None


def record_transaction(project: Project, body: dict[str, Any]) -> None:
    """Keep a transaction as a light record so its errors link by trace id."""
    trace = ((body.get("contexts") or {}).get("trace") or {}) if isinstance(body, dict) else {}
    start, end = body.get("start_timestamp"), body.get("timestamp")
    duration = (end - start) * 1000 if isinstance(start, (int, float)) and isinstance(end, (int, float)) else None
    tags = body.get("tags") if isinstance(body.get("tags"), dict) else {}
    status_code = _http_status(
        (trace.get("data") or {}).get("http.response.status_code") or tags.get("http.status_code")
    )
    TraceLink.objects.create(  # storable: a NUL in any text would fail the envelope (PostgreSQL)
        project=project,
        trace_id=storable(str(trace.get("trace_id") or ""), 64),
        transaction=storable(scrub_text(str(body.get("transaction") or ""), project.scrub_config()), 200),
        op=storable(str(trace.get("op") or ""), 64),
        status=storable(str(trace.get("status") or ""), 64),
        http_status=status_code,
        duration_ms=duration,
        timestamp=_when(end),
    )
    count_item(project, "transaction")


def record_attachment(project: Project, event_id: str, item: Any) -> None:
    """Keep a checked attachment under ``event_id`` (``ingest.processing`` decides whether
    that event is, or may become, a stored one)."""
    content_type = str(item.headers.get("content_type") or "")
    # file name and text content scrubbed like an event; binary files (minidumps) kept, see ingest.protocol.scrub_raw
    filename, data = scrub_attachment(
        str(item.headers.get("filename") or "attachment"), content_type, bytes(item.payload), project.scrub_config()
    )
    Attachment.objects.create(
        project=project,
        event_id=str(event_id).replace("-", "")[:32],
        filename=storable(filename, 255),
        content_type=storable(content_type, 100),
        size=len(data),
        data=data,
    )


def _session_status_counts(body: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, int]]]:
    """Both shapes: a single ``session`` update and ``sessions`` aggregates."""
    if "aggregates" in body:
        attrs = body.get("attrs") or {}
        out = []
        for agg in body.get("aggregates") or []:
            counts = {k: int(agg.get(k) or 0) for k in ("exited", "errored", "crashed", "abnormal")}
            out.append(({**attrs, "started": agg.get("started")}, counts))
        return out
    status = body.get("status") or "ok"
    if status == "ok" and not body.get("errors"):
        return []  # an in-progress update: counted when it ends
    attrs = dict(body.get("attrs") or {}, started=body.get("started"))
    key = {"exited": "exited", "crashed": "crashed", "abnormal": "abnormal"}.get(status, "exited")
    if key == "exited" and int(body.get("errors") or 0) > 0:
        key = "errored"
    return [(attrs, {key: 1})]


SessionKey = tuple[int, str, str, datetime]
_session_sink: contextvars.ContextVar[dict[SessionKey, dict[str, int]] | None] = contextvars.ContextVar(
    "errorhub_session_sink", default=None
)


@contextlib.contextmanager
def collecting_sessions() -> Iterator[dict[SessionKey, dict[str, int]]]:
    """Collect session counts in memory instead of writing them one by one;
    ``write_sessions`` then stores a whole batch's counts in one transaction."""
    sink: dict[SessionKey, dict[str, int]] = {}
    token = _session_sink.set(sink)
    try:
        yield sink
    finally:
        _session_sink.reset(token)


def record_sessions(project: Project, item_type: str, body: dict[str, Any]) -> None:
    sink = _session_sink.get()
    counts_by_key: dict[SessionKey, dict[str, int]] = sink if sink is not None else {}
    for attrs, counts in _session_status_counts(body):
        release = storable(str(attrs.get("release") or ""), 200)
        if not release:
            continue
        hour = _when(attrs.get("started")).replace(minute=0, second=0, microsecond=0)
        key = (project.pk, release, storable(str(attrs.get("environment") or ""), 200), hour)
        merged = counts_by_key.setdefault(key, {})
        for name, n in counts.items():
            merged[name] = merged.get(name, 0) + n
    if sink is None:
        write_sessions(counts_by_key)


@transaction.atomic
def write_sessions(counts_by_key: dict[SessionKey, dict[str, int]]) -> None:
    for (project_id, release, environment, hour), counts in counts_by_key.items():
        key = {"project_id": project_id, "release": release, "environment": environment, "hour": hour}
        SessionAggregate.objects.bulk_create([SessionAggregate(**key)], ignore_conflicts=True)
        SessionAggregate.objects.filter(**key).update(  # clamped: one item may hold thousands of aggregates
            healthy=_clamped_sum("healthy", max(counts.get("exited", 0) - counts.get("errored", 0), 0)),
            errored=_clamped_sum("errored", counts.get("errored", 0)),
            crashed=_clamped_sum("crashed", counts.get("crashed", 0)),
            abnormal=_clamped_sum("abnormal", counts.get("abnormal", 0)),
        )


def record_client_report(project: Project, body: dict[str, Any]) -> None:
    """``discarded_events``: what the SDK dropped and why — lost errors to show."""
    day = timezone.now().date()
    for entry in body.get("discarded_events") or []:
        if not isinstance(entry, dict):
            continue
        _bump(
            ClientOutcome,
            {
                "project": project,
                "day": day,
                "reason": storable(str(entry.get("reason") or ""), 64),
                "category": storable(str(entry.get("category") or ""), 32),
            },
            "quantity",
            int(entry.get("quantity") or 0),
            clamped=True,
        )


_buffer: dict[tuple[int, str, str], int] = {}
_buffer_state = {"flushed": 0.0}
_FLUSH_EVERY = 1.0


def buffer_outcome(project_id: int, outcome: str, reason: str = "", amount: int = 1) -> None:
    """Count an ingest outcome without a database write per request: counts are
    summed in memory and written at most once a second (a crash loses at most
    one second of *statistics*, never events)."""
    import time as _time

    key = (project_id, outcome, reason)
    _buffer[key] = _buffer.get(key, 0) + amount
    metrics.outcome_recorded(project_id, outcome, reason, amount)
    now = _time.monotonic()
    if now - _buffer_state["flushed"] >= _FLUSH_EVERY:
        _buffer_state["flushed"] = now
        flush_outcomes()


def flush_outcomes() -> None:
    """Write buffered outcome counts. With the database down they are kept in
    memory for the next flush: statistics must never fail a request."""
    pending = dict(_buffer)
    _buffer.clear()
    for key, amount in pending.items():
        try:
            count_outcome(*key, amount)
        except DatabaseError as exc:
            _buffer[key] = _buffer.get(key, 0) + amount
            logger.warning("ingest counters not written (database unavailable): %s", exc)
