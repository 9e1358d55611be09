"""Processing of one accepted payload (run by the ``process_payload`` task).

The ingest views queue a *raw* payload: ``{"kind", "project_id", "data",
"b64", "received_at", "client", ...}``. Here it is parsed, each item handled by
type, events normalised, in-app rules applied, PII scrubbed, and the batch
handed to ``events_record`` (grouping, counting, storage) in one transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, cast

from django.conf import settings
from django.db import DatabaseError, transaction

from errorhub import metrics
from errorhub.accounts.models import Project
from errorhub.artifacts.selectors import sourcemap_find
from errorhub.issues.digest import RecordResult, events_record
from errorhub.monitors.services import checkin_record
from ingest import counters
from ingest.feedback import feedback_from_feedback_event, feedback_from_user_report, feedback_record
from ingest.protocol.checkins import parse_check_in
from ingest.protocol.derived_tags import with_derived_tags
from ingest.protocol.envelope import EnvelopeError, Item, normalize_event_id, parse_envelope, parse_event_json
from ingest.protocol.event import Event, level_at_least
from ingest.protocol.inapp import apply_in_app
from ingest.protocol.item_checks import KNOWN_TYPES, CheckedItem, check_items, type_label
from ingest.protocol.logs.formats import InflateBudget
from ingest.protocol.logs.model import LogParseError
from ingest.protocol.logs.pipeline import extract
from ingest.protocol.normalize import DEFAULT as NORMALIZE_DEFAULT
from ingest.protocol.normalize import NormalizeError, NormalizeLimits, normalize_sentry_event
from ingest.protocol.raw_payload import payload_bytes
from ingest.protocol.scrub import ScrubConfig, scrub_event
from ingest.protocol.security_reports import (
    SecurityReportError,
    event_from_security_report,
    parse_security_reports,
    report_event_id,
)
from ingest.protocol.sentry_logs import events_from_log_item
from ingest.protocol.sourcemaps import MapArtifacts, is_js_event, resolve_event

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one payload became: events to record, and the items dropped with their outcome.

    ``dropped`` maps (category, reason) — Sentry's outcome categories ``invalid``,
    ``too_large``, ``unsupported``, ``filtered`` … and a short reason — to a count;
    ``write_outcomes`` counts them per project once the payload's events are recorded,
    so a retried payload does not count its outcomes twice. ``writes`` are the
    payload's other rows (trace links, attachments, feedback, item and client-report
    counts), held back the same way: a payload that fails before they are written
    (its events not recorded) and is retried writes each of them once.
    """

    events: list[Event] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    dropped: dict[tuple[str, str], int] = field(default_factory=dict)
    writes: list[Callable[[], Any]] = field(default_factory=list)
    record: RecordResult | None = None

    def later(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Write ``write(*args, **kwargs)`` with the outcomes, after the events are recorded."""
        self.writes.append(partial(write, *args, **kwargs))

    def drop(self, category: str, reason: str, amount: int = 1) -> None:
        """One item (or ``amount``) dropped as ``category`` for ``reason``."""
        key = (category, reason[:64])
        self.dropped[key] = self.dropped.get(key, 0) + amount
        why = f"{category}: {reason}"
        self.skipped[why] = self.skipped.get(why, 0) + amount

    def skip(self, why: str) -> None:
        """Legacy form (``"invalid_x: message"``): an ``invalid`` outcome named by its prefix."""
        self.drop("invalid", why.split(":", 1)[0])


def write_outcomes(
    project: Project, outcomes: list[Outcome], sessions: dict[Any, dict[str, int]] | None = None
) -> None:
    """After the payloads' events are recorded: their held-back rows (``Outcome.writes``),
    session counts and dropped items (``IngestCounter``), in one transaction — all of it,
    or nothing and the payloads retry; then the dropped items on ``/metrics``."""
    totals: dict[tuple[str, str], int] = {}
    for outcome in outcomes:
        for key, amount in outcome.dropped.items():
            totals[key] = totals.get(key, 0) + amount
    with transaction.atomic():
        for outcome in outcomes:
            for write in outcome.writes:
                write()
        if sessions:
            counters.write_sessions(sessions)
        for (category, reason), amount in sorted(totals.items()):
            counters.count_outcome(project.pk, category, reason, amount)
    for (category, reason), amount in sorted(totals.items()):
        metrics.outcome_recorded(project.pk, category, reason, amount)


def envelope_item_limits() -> dict[str, int]:
    """The per-item limits, the same in the view and the worker."""
    return {
        "event": settings.INGEST_MAX_EVENT_BYTES,
        "transaction": settings.INGEST_MAX_EVENT_BYTES,
        "attachment": settings.INGEST_MAX_ATTACHMENT_BYTES,
        "*": settings.INGEST_MAX_EVENT_BYTES,
    }


def _received_at(payload: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(payload["received_at"]), tz=UTC)


def finish_event(event: Event, project: Project, config: ScrubConfig) -> Event:
    """The steps every door shares after normalisation: source maps, in-app rules, then scrubbing."""
    event = resolve_sourcemaps(event, project)
    apply_in_app(event, [p.strip() for p in project.in_app_include.splitlines() if p.strip()])
    return scrub_event(event, config)


def resolve_sourcemaps(event: Event, project: Project) -> Event:
    """A JavaScript event with its frames de-minified by the project's uploaded source maps.

    Done before grouping, so two builds of the same bug group together. A missing or
    broken map leaves the minified frame and names the reason in the event's ``errors``.
    """
    raw = cast(dict[str, Any], event)
    if not is_js_event(raw):
        return event
    release, dist = str(raw.get("release") or ""), str(raw.get("dist") or "")

    def find(abs_path: str, debug_id: str | None) -> MapArtifacts:
        return sourcemap_find(project=project, release=release, dist=dist, abs_path=abs_path, debug_id=debug_id)

    return cast(Event, resolve_event(raw, find))


def prepare_payload(payload: dict[str, Any], project: Project) -> Outcome:
    """Parse one payload into finished events (normalised, in-app marked, scrubbed)."""
    outcome = Outcome()
    _HANDLERS[payload["kind"]](payload, project, outcome)
    config = project.scrub_config()
    outcome.events = [finish_event(ev, project, config) for ev in outcome.events]
    return outcome


def process_payload(payload: dict[str, Any]) -> Outcome:
    """Parse, normalise and record one payload. Bad client data is dropped with a
    counted outcome; anything else (the database down, a bug of ErrorHub's) raises so
    the task retries and finally dead-letters the payload."""
    project = Project.objects.get(pk=payload["project_id"])
    with counters.collecting_sessions() as sessions:
        outcome = prepare_payload(payload, project)
    outcome.record = events_record(project=project, events=outcome.events)
    write_outcomes(project, [outcome], sessions)
    return outcome


def process_payloads(payloads: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Exception]]:
    """Process a batch: every project's events recorded in one transaction.

    Returns the payloads that failed, with their error, for the caller to
    retry one by one; the others are recorded.
    """
    failures: list[tuple[dict[str, Any], Exception]] = []
    by_project: dict[int, tuple[Project, list[Event], list[dict[str, Any]], list[Outcome]]] = {}
    try:
        projects = {p.pk: p for p in Project.objects.filter(pk__in={pl["project_id"] for pl in payloads})}
    except Exception as exc:  # the database is unreachable: every payload retries
        return [(payload, exc) for payload in payloads]
    sessions: dict[int, dict[Any, dict[str, int]]] = {}
    for payload in payloads:
        project = projects.get(payload["project_id"])
        try:
            if project is None:
                raise Project.DoesNotExist(f"project {payload['project_id']} does not exist")
            with counters.collecting_sessions() as sink:
                outcome = prepare_payload(payload, project)
        except Exception as exc:  # ErrorHub's bug or the database: this payload alone retries, then dead-letters
            log = logger.warning if isinstance(exc, DatabaseError) else logger.exception
            log("payload of project %s failed in a batch: %s", payload["project_id"], exc)
            failures.append((payload, exc))
            continue
        if sink:
            _merge_sessions(sessions.setdefault(project.pk, {}), sink)
        entry = by_project.setdefault(project.pk, (project, [], [], []))
        entry[1].extend(outcome.events)
        entry[2].append(payload)
        entry[3].append(outcome)
    for project, events, members, outcomes in by_project.values():
        try:
            events_record(project=project, events=events)
            # nothing of these payloads but their claimed events is written yet: a failure
            # here retries them, and the retries write their rows and counts once
            write_outcomes(project, outcomes, sessions.get(project.pk))
        except Exception as exc:  # infrastructure: every payload of this project retries alone
            failures.extend((payload, exc) for payload in members)
    return failures


def _merge_sessions(into: dict[Any, dict[str, int]], sink: dict[Any, dict[str, int]]) -> None:
    for key, counts in sink.items():
        merged = into.setdefault(key, {})
        for name, n in counts.items():
            merged[name] = merged.get(name, 0) + n


@lru_cache(maxsize=64)
def _limits(retention_days: int) -> NormalizeLimits:
    """The normalisation limits of a project: a time older than its retention is clamped."""
    return replace(NORMALIZE_DEFAULT, past_age=timedelta(days=max(retention_days, 1)))


def _normalize(body: dict[str, Any], payload: dict[str, Any], event_id: str | None, project: Project) -> Event:
    """An SDK event normalised, with the tags Sentry derives from its contexts added."""
    return with_derived_tags(
        normalize_sentry_event(
            body,
            project_id=payload["project_id"],
            event_id=event_id or body.get("event_id") or "",
            received_at=_received_at(payload),
            sdk_client=payload.get("client"),
            client_ip=payload.get("client_ip"),
            limits=_limits(project.retention_days),
        )
    )


def _handle_store(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    try:
        body = parse_event_json(payload_bytes(payload))
    except EnvelopeError as exc:
        outcome.skip(f"invalid_event: {exc}")
        return
    if body.get("type") == "transaction":  # counted as an envelope's transaction item is, never an issue
        outcome.later(counters.record_transaction, project, body)
        return
    outcome.events.append(_normalize(body, payload, payload.get("event_id"), project))


def _handle_envelope(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    """Every item of the envelope ends stored, counted, or as a named outcome of its own.

    Items are checked with ``check_items`` (the view's check, including the rule for
    attachments): a bad item is dropped with its outcome and never takes its neighbours along. Only client data errors
    (``ItemRejected``, ``NormalizeError``) become outcomes; anything else raised here
    is ErrorHub's bug and propagates, so the payload is retried and dead-lettered.
    """
    try:
        envelope = parse_envelope(payload_bytes(payload), max_item_size=envelope_item_limits())
    except EnvelopeError as exc:  # the view parsed it already; a corrupt queue copy is dropped loudly
        logger.error("envelope for project %s no longer parses: %s", project.pk, exc)
        outcome.drop("invalid", "envelope")
        return
    checked, attachment_event_id = check_items(envelope.headers, envelope.items)
    header_event_id = envelope.headers.get("event_id")
    for entry in checked:
        if entry.rejected is not None:
            _record_rejected(entry, project, outcome)
        elif entry.item.type == "attachment":
            outcome.later(counters.record_attachment, project, attachment_event_id, entry.item)
        else:
            _handle_item(entry, payload, project, outcome, header_event_id)


def _record_rejected(entry: CheckedItem, project: Project, outcome: Outcome) -> None:
    outcome.drop(entry.rejected.category, entry.rejected.reason)
    if entry.rejected.category == "unsupported" and entry.item.type not in KNOWN_TYPES:
        # the bounded label: a type the client invented must not mint a counter row per day
        outcome.later(counters.count_item, project, type_label(entry.item.type))


def _handle_item(
    entry: CheckedItem, payload: dict, project: Project, outcome: Outcome, header_event_id: str | None
) -> None:
    """Hand a checked item to its handler; a NormalizeError (the client's data) is its outcome."""
    item = entry.item
    try:
        _ITEM_HANDLERS[item.type](item, entry.body, payload, project, outcome, header_event_id)
    except NormalizeError as exc:
        outcome.drop("invalid", f"invalid_{item.type}")
        logger.info("%s item of project %s dropped: %s", item.type, project.pk, exc)


def _event_id_of(body: dict[str, Any], fallback: str | None) -> str | None:
    value = body.get("event_id") or fallback
    return normalize_event_id(value) if value else None


def _item_event(
    item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None
) -> None:
    outcome.events.append(_normalize(body, payload, _event_id_of(body, event_id), project))


def _item_transaction(
    item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None
) -> None:
    outcome.later(counters.record_transaction, project, body)


def _item_session(
    item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None
) -> None:
    counters.record_sessions(project, item.type, body)


def _item_client_report(
    item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None
) -> None:
    outcome.later(counters.record_client_report, project, body)


def _item_check_in(
    item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None
) -> None:
    """Counted, and recorded on its cron monitor (at the time it was received)."""
    outcome.later(counters.count_item, project, item.type)
    outcome.later(checkin_record, project=project, checkin=parse_check_in(body), when=_received_at(payload))


def _item_log(item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    """Sentry ``log`` items: records at error level or above become events."""
    events, counted = events_from_log_item(body, project_id=project.pk, received_at=_received_at(payload))
    outcome.events.extend(ev for ev in events if level_at_least(ev.get("level"), "error"))
    if counted:
        outcome.later(counters.count_item, project, "log", counted)


def _item_user_report(
    item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None
) -> None:
    outcome.later(feedback_record, project=project, **feedback_from_user_report(body))


def _item_feedback(
    item: Item, body: dict, payload: dict, project: Project, outcome: Outcome, event_id: str | None
) -> None:
    outcome.later(feedback_record, project=project, **feedback_from_feedback_event(body, _event_id_of(body, event_id)))


def _handle_security(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    """Every report of the request becomes its own event (a Reporting-API list holds many)."""
    try:
        reports = parse_security_reports(payload_bytes(payload))
    except SecurityReportError as exc:  # the view checked it already: a corrupt queue copy
        logger.error("security report for project %s no longer parses: %s", project.pk, exc)
        outcome.drop("invalid", "security_report")
        return
    request_event_id = payload.get("event_id") or uuid.uuid4().hex
    for index, report in enumerate(reports):
        outcome.events.append(
            event_from_security_report(
                report,
                project_id=project.pk,
                received_at=_received_at(payload),
                event_id=report_event_id(request_event_id, index),
            )
        )


def _handle_logs(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    """A log body framed as the view framed it (same format request, same inflate limit).

    A body that cannot be read is the client's data, not a bug: an ``invalid`` outcome,
    counted, never retried into a dead letter (the view refusing it first is the rule;
    this covers payloads queued before the view and the worker agreed, and replays).
    """
    defaults = dict(payload.get("defaults") or {}, project_id=project.pk)
    try:
        result = extract(
            payload_bytes(payload),
            fmt=payload.get("format"),
            content_type=payload.get("content_type"),
            defaults=defaults,
            budget=InflateBudget(settings.INGEST_MAX_LOG_BYTES),
        )
    except LogParseError as exc:
        logger.warning("log payload of project %s is unreadable: %s", project.pk, exc)
        outcome.drop("invalid", "invalid_logs")
        return
    received = _received_at(payload).isoformat()
    for ev in result.events:
        ev.setdefault("received_at", received)
        ev.setdefault("timestamp", received)
        ev["project_id"] = project.pk
    outcome.events.extend(result.events)


def _handle_otlp(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    """The worker half of ``ingest.otlp_views``: events into ``outcome``, every other
    record counted per type."""
    from ingest.protocol import otlp  # start-up: protobuf, ~2.6 MiB a process

    try:
        result = otlp.events_from_bytes(
            payload["signal"],
            payload_bytes(payload),
            payload["content_type"],
            project_id=project.pk,
            received_at=_received_at(payload).isoformat(),
        )
    except otlp.OtlpError as exc:  # the view decoded it: a corrupt queue copy is dropped loudly
        outcome.skip(f"invalid_otlp: {exc}")
        return
    outcome.events.extend(result.events)
    for item_type, amount in result.counted.items():
        outcome.later(counters.count_item, project, item_type, amount)  # once, with the events


#: One handler per item type ``check_item`` accepts (attachments are kept by ``_handle_envelope``).
ItemHandler = Callable[[Item, dict, dict, Project, Outcome, "str | None"], None]
_ITEM_HANDLERS: dict[str, ItemHandler] = {
    "event": _item_event,
    "error": _item_event,
    "transaction": _item_transaction,
    "session": _item_session,
    "sessions": _item_session,
    "client_report": _item_client_report,
    "check_in": _item_check_in,
    "log": _item_log,
    "user_report": _item_user_report,
    "feedback": _item_feedback,
}
_HANDLERS = {
    "envelope": _handle_envelope,
    "store": _handle_store,
    "security": _handle_security,
    "logs": _handle_logs,
    "otlp": _handle_otlp,
}
