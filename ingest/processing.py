"""Processing of one accepted payload (run by the ``process_payload`` task).

The ingest views queue a *raw* payload: ``{"kind", "project_id", "data",
"b64", "received_at", "client", ...}``. Here it is parsed, each item handled by
type, events normalised, in-app rules applied, PII scrubbed, and the batch
handed to ``events_record`` (grouping, counting, storage) in one transaction.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from typing import Any, Callable

from django.conf import settings

from errorhub.models import Project
from errorhub.services.grouping_store import RecordResult, events_record
from ingest import counters
from ingest.envelope import EnvelopeError, Item, parse_envelope, parse_event_json
from ingest.event import level_at_least
from ingest.inapp import apply_in_app
from ingest.normalize import normalize_sentry_event
from ingest.scrub import ScrubConfig, scrub_event

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    record: RecordResult | None = None

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def envelope_item_limits() -> dict[str, int]:
    """The per-item limits, the same in the view and the worker."""
    return {"event": settings.INGEST_MAX_EVENT_BYTES, "transaction": settings.INGEST_MAX_EVENT_BYTES,
            "attachment": settings.INGEST_MAX_ATTACHMENT_BYTES, "*": settings.INGEST_MAX_EVENT_BYTES}


def payload_bytes(payload: dict[str, Any]) -> bytes:
    data = payload["data"]
    return base64.b64decode(data) if payload.get("b64") else data.encode("utf-8", "surrogateescape")


def _received_at(payload: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(payload["received_at"]), tz=dt_timezone.utc)


def scrub_config_for(project: Project) -> ScrubConfig:
    return project.scrub_config()


def finish_event(event: dict[str, Any], project: Project, config: ScrubConfig) -> dict[str, Any]:
    """The steps every door shares after normalisation: in-app rules, then scrubbing."""
    apply_in_app(event, [p.strip() for p in project.in_app_include.splitlines() if p.strip()])
    return scrub_event(event, config)


def prepare_payload(payload: dict[str, Any], project: Project) -> Outcome:
    """Parse one payload into finished events (normalised, in-app marked, scrubbed)."""
    outcome = Outcome()
    _HANDLERS[payload["kind"]](payload, project, outcome)
    config = scrub_config_for(project)
    outcome.events = [finish_event(ev, project, config) for ev in outcome.events]
    return outcome


def process_payload(payload: dict[str, Any]) -> Outcome:
    """Parse, normalise and record one payload. Raises only on infrastructure errors
    (database down ...) so the task retries; bad data is counted and dropped."""
    project = Project.objects.get(pk=payload["project_id"])
    outcome = prepare_payload(payload, project)
    outcome.record = events_record(project=project, events=outcome.events)
    return outcome


def process_payloads(payloads: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Exception]]:
    """Process a batch: every project's events recorded in one transaction.

    Returns the payloads that failed, with their error, for the caller to
    retry one by one; the others are recorded.
    """
    failures: list[tuple[dict[str, Any], Exception]] = []
    by_project: dict[int, tuple[Project, list[dict[str, Any]], list[dict[str, Any]]]] = {}
    try:
        projects = {p.pk: p for p in Project.objects.filter(pk__in={pl["project_id"] for pl in payloads})}
    except Exception as exc:  # the database is unreachable: every payload retries
        return [(payload, exc) for payload in payloads]
    sessions: dict[int, tuple[dict[Any, dict[str, int]], list[dict[str, Any]]]] = {}
    for payload in payloads:
        project = projects.get(payload["project_id"])
        try:
            if project is None:
                raise Project.DoesNotExist(f"project {payload['project_id']} does not exist")
            with counters.collecting_sessions() as sink:
                events = prepare_payload(payload, project).events
        except Exception as exc:  # one bad payload must not sink its batch
            failures.append((payload, exc))
            continue
        if sink:
            counts, carriers = sessions.setdefault(project.pk, ({}, []))
            _merge_sessions(counts, sink)
            carriers.append(payload)
        entry = by_project.setdefault(project.pk, (project, [], []))
        entry[1].extend(events)
        entry[2].append(payload)
    for project, events, members in by_project.values():
        try:
            events_record(project=project, events=events)
        except Exception as exc:  # infrastructure: every payload of this project retries alone
            failures.extend((payload, exc) for payload in members)
            sessions.pop(project.pk, None)  # counted when the retried payloads succeed
    for counts, carriers in sessions.values():
        try:
            counters.write_sessions(counts)
        except Exception as exc:  # not counted yet: the payloads retry (their events are already claimed)
            failures.extend((payload, exc) for payload in carriers)
    return failures


def _merge_sessions(into: dict[Any, dict[str, int]], sink: dict[Any, dict[str, int]]) -> None:
    for key, counts in sink.items():
        merged = into.setdefault(key, {})
        for name, n in counts.items():
            merged[name] = merged.get(name, 0) + n


def _normalize(body: dict[str, Any], payload: dict[str, Any], event_id: str | None) -> dict[str, Any]:
    return normalize_sentry_event(
        body, project_id=payload["project_id"], event_id=event_id or body.get("event_id") or "",
        received_at=_received_at(payload), sdk_client=payload.get("client"),
    )


def _handle_store(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    try:
        body = parse_event_json(payload_bytes(payload))
    except EnvelopeError as exc:
        outcome.skip(f"invalid_event: {exc}")
        return
    outcome.events.append(_normalize(body, payload, payload.get("event_id")))


def _handle_envelope(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    try:
        envelope = parse_envelope(payload_bytes(payload), max_item_size=envelope_item_limits())
    except EnvelopeError as exc:  # the view parsed it already; a corrupt queue copy is dropped loudly
        logger.error("envelope for project %s no longer parses: %s", project.pk, exc)
        outcome.skip("invalid_envelope")
        return
    header_event_id = envelope.headers.get("event_id")
    for item in envelope.items:
        handler = _ITEM_HANDLERS.get(item.type)
        if handler is None:
            counters.count_item(project, item.type or "unknown")
            continue
        try:
            handler(item, payload, project, outcome, header_event_id)
        except (EnvelopeError, ValueError, TypeError, KeyError) as exc:
            outcome.skip(f"invalid_{item.type}: {exc}")


def _item_event(item: Item, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    if getattr(item, "too_large", False):
        outcome.skip("event_too_large")
        return
    body = parse_event_json(item.payload)
    outcome.events.append(_normalize(body, payload, body.get("event_id") or event_id))


def _item_counted(item: Item, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    counters.count_item(project, item.type)


def _item_transaction(item: Item, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    counters.record_transaction(project, parse_event_json(item.payload))


def _item_attachment(item: Item, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    counters.record_attachment(project, event_id, item)


def _item_session(item: Item, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    counters.record_sessions(project, item.type, parse_event_json(item.payload))


def _item_client_report(item: Item, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    counters.record_client_report(project, parse_event_json(item.payload))


def _item_log(item: Item, payload: dict, project: Project, outcome: Outcome, event_id: str | None) -> None:
    """Sentry ``log`` items: records at error level or above become events."""
    from ingest.sentry_logs import events_from_log_item

    body = parse_event_json(item.payload)
    events, counted = events_from_log_item(body, project_id=project.pk, received_at=_received_at(payload))
    outcome.events.extend(ev for ev in events if level_at_least(ev.get("level"), "error"))
    if counted:
        counters.count_item(project, "log", counted)


def _handle_security(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    from ingest.security_reports import event_from_security_report

    try:
        body = parse_event_json(payload_bytes(payload))
    except EnvelopeError as exc:
        outcome.skip(f"invalid_report: {exc}")
        return
    event = event_from_security_report(body, project_id=project.pk, received_at=_received_at(payload),
                                       event_id=payload.get("event_id"))
    if event:
        outcome.events.append(event)


def _handle_logs(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    from ingest.logs.pipeline import extract

    defaults = dict(payload.get("defaults") or {}, project_id=project.pk)
    result = extract(payload_bytes(payload), fmt=payload.get("format"), content_type=payload.get("content_type"),
                     defaults=defaults)
    received = _received_at(payload).isoformat()
    for ev in result.events:
        ev.setdefault("received_at", received)
        ev.setdefault("timestamp", received)
        ev["project_id"] = project.pk
    outcome.events.extend(result.events)


def _handle_otlp(payload: dict[str, Any], project: Project, outcome: Outcome) -> None:
    from ingest.otlp_views import process_otlp_payload

    process_otlp_payload(payload, project, outcome)


ItemHandler = Callable[[Item, dict, Project, Outcome, "str | None"], None]
_ITEM_HANDLERS: dict[str, ItemHandler] = {
    "event": _item_event,
    "error": _item_event,
    "transaction": _item_transaction,
    "attachment": _item_attachment,
    "session": _item_session,
    "sessions": _item_session,
    "client_report": _item_client_report,
    "check_in": _item_counted,
    "log": _item_log,
}
_HANDLERS = {
    "envelope": _handle_envelope,
    "store": _handle_store,
    "security": _handle_security,
    "logs": _handle_logs,
    "otlp": _handle_otlp,
}
