"""The ingest doors: Sentry store/envelope/security endpoints and the log endpoint.

Each view authenticates, bounds and validates the body, applies quotas and
back-pressure, queues the raw payload and answers at once. No normalisation,
grouping or storage happens in the request. Every refusal is a 4xx (or 429)
with a JSON ``detail`` saying what was wrong.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from errorhub import logging as correlation
from errorhub import metrics
from errorhub.accounts.throttle import client_ip
from ingest import counters
from ingest.http import Refused, admit, check_origin, enqueue, guarded, json_response, payload_for, read_body, with_cors
from ingest.keys import authenticate
from ingest.processing import envelope_item_limits
from ingest.protocol.envelope import (
    QUOTA_ITEM_TYPES,
    Envelope,
    EnvelopeError,
    event_id_from,
    parse_envelope,
    parse_event_json,
)
from ingest.protocol.item_checks import KNOWN_TYPES, check_items
from ingest.protocol.security_reports import SecurityReportError, parse_security_reports
from ingest.protocol.sentry_auth import auth_from_request


def _sender(request: HttpRequest) -> dict[str, str]:
    """The sender's address, for a user's ``ip_address: "{{auto}}"`` (Sentry fills it in the same way)."""
    address = client_ip(request)
    return {"client_ip": address} if address and address != "unknown" else {}


def _envelope_event_ids(envelope: Envelope) -> tuple[str | None, int, list[str], int]:
    """(event id to answer, event items kept, problems, items kept) — the items are checked
    with ``check_items``, the worker's own check, so one bad item is reported (and later
    counted as its outcome) without failing the others, and nothing accepted here is
    rejected later."""
    answer, kept, problems, usable = event_id_from(envelope), 0, [], 0
    checked, _ = check_items(envelope.headers, envelope.items)
    for number, entry in enumerate(checked, 1):
        rejected = entry.rejected
        if rejected is not None and (rejected.category != "unsupported" or entry.item.type in KNOWN_TYPES):
            problems.append(f"item {number} ({entry.item.type}): {rejected.message}")
            continue
        usable += 1  # unknown types are counted by the worker, not refused
        # an unsupported item is the worker's outcome: charging it here as well would count it twice
        if rejected is None and entry.item.type in QUOTA_ITEM_TYPES:
            kept += 1
            answer = answer or event_id_from(envelope, entry.item, entry.body)
    return answer, kept, problems, usable


def _handle_envelope(request: HttpRequest, project_id: int) -> HttpResponse:
    data = read_body(request, settings.INGEST_MAX_ENVELOPE_COMPRESSED, settings.INGEST_MAX_ENVELOPE_DECOMPRESSED)
    try:
        envelope = parse_envelope(data, max_item_size=envelope_item_limits())
    except EnvelopeError as exc:
        raise Refused(400, f"invalid envelope: {exc.message}") from None
    auth = auth_from_request(
        header=request.headers.get("X-Sentry-Auth"), query=request.GET, envelope_headers=envelope.headers
    )
    key = authenticate(auth, project_id)
    check_origin(request, key)
    event_id, kept, problems, usable = _envelope_event_ids(envelope)
    if problems and not usable:
        counters.buffer_outcome(key.project_id, "rejected", "invalid")
        status = 413 if all("size limit" in p for p in problems) else 400
        raise Refused(status, "; ".join(problems))
    admit(key, kept)
    enqueue(
        request,
        payload_for("envelope", key, data, auth.client, **_sender(request)),
        lambda: json_response(200, {"id": event_id}),
    )
    metrics.envelope_items(i.type for i in envelope.items if not i.too_large)
    counters.buffer_outcome(key.project_id, "accepted", "", kept)
    return _accepted(request, key, event_id, {"dropped": problems} if problems else {})


def _handle_store(request: HttpRequest, project_id: int) -> HttpResponse:
    data = read_body(request, settings.INGEST_MAX_EVENT_BYTES * 4, settings.INGEST_MAX_EVENT_BYTES)
    auth = auth_from_request(header=request.headers.get("X-Sentry-Auth"), query=request.GET)
    key = authenticate(auth, project_id)
    check_origin(request, key)
    try:
        body = parse_event_json(data)
    except EnvelopeError as exc:
        counters.buffer_outcome(key.project_id, "rejected", "invalid")
        raise Refused(400, f"invalid event: {exc.message}") from None
    event_id = event_id_from(Envelope(headers={}, items=[]), None, body) or uuid.uuid4().hex
    admit(key, 1)
    enqueue(
        request,
        payload_for("store", key, data, auth.client, event_id=event_id, **_sender(request)),
        lambda: json_response(200, {"id": event_id}),
    )
    counters.buffer_outcome(key.project_id, "accepted", "", 1)
    return _accepted(request, key, event_id)


def _handle_security(request: HttpRequest, project_id: int) -> HttpResponse:
    data = read_body(request, settings.INGEST_MAX_EVENT_BYTES, settings.INGEST_MAX_EVENT_BYTES)
    auth = auth_from_request(header=request.headers.get("X-Sentry-Auth"), query=request.GET)
    key = authenticate(auth, project_id)
    check_origin(request, key)
    try:
        reports = parse_security_reports(data)
    except SecurityReportError as exc:  # the worker's own check: nothing accepted here is skipped later
        counters.buffer_outcome(key.project_id, "rejected", "invalid")
        raise Refused(400, exc.message) from None
    admit(key, len(reports))
    event_id = uuid.uuid4().hex
    enqueue(
        request,
        payload_for("security", key, data, auth.client, event_id=event_id),
        lambda: json_response(200, {"id": event_id}),
    )
    counters.buffer_outcome(key.project_id, "accepted", "", len(reports))
    return _accepted(request, key, event_id)


def _accepted(
    request: HttpRequest, key: Any, event_id: str | None, extra: dict[str, Any] | None = None
) -> HttpResponse:
    """``200 {"id": ...}``; the id is bound for the request's log line."""
    correlation.bind(event_id=event_id)
    return with_cors(request, json_response(200, {"id": event_id, **(extra or {})}), key)


@csrf_exempt
def envelope_view(request: HttpRequest, project_id: int) -> HttpResponse:
    return guarded(_handle_envelope, request, project_id)


@csrf_exempt
def store_view(request: HttpRequest, project_id: int) -> HttpResponse:
    return guarded(_handle_store, request, project_id)


@csrf_exempt
def security_view(request: HttpRequest, project_id: int) -> HttpResponse:
    return guarded(_handle_security, request, project_id)
