"""The ingest doors: Sentry store/envelope/security endpoints and the log endpoint.

Each view authenticates, bounds and validates the body, applies quotas and
back-pressure, queues the raw payload and answers at once. No normalisation,
grouping or storage happens in the request. Every refusal is a 4xx (or 429)
with a JSON ``detail`` saying what was wrong.
"""

from __future__ import annotations

import base64
import logging
import time
import uuid
from typing import Any, Callable

import sentry_sdk

from django.conf import settings
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.db import InterfaceError as DatabaseInterfaceError, OperationalError as DatabaseUnavailable
from kombu.exceptions import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from errorhub import logging as correlation, metrics
from errorhub.middleware import ServerErrorCounterMiddleware
from errorhub.accounts.models import ProjectKey
from errorhub.accounts.throttle import client_ip
from ingest import counters
from ingest.protocol.bodies import decode_body
from ingest.protocol.envelope import (
    QUOTA_ITEM_TYPES, Envelope, EnvelopeError, event_id_from, parse_envelope, parse_event_json,
)
from ingest.protocol.item_checks import KNOWN_TYPES, check_items
from ingest.keys import authenticate
from ingest.processing import envelope_item_limits
from ingest.protocol.errors import ClientError
from ingest.quotas import Refusal, check_backpressure, check_quotas
from ingest.protocol.ratelimit_header import format_rate_limits
from ingest.protocol.security_reports import SecurityReportError, parse_security_reports
from ingest.protocol.sentry_auth import auth_from_request
from ingest.services import payload_enqueue

logger = logging.getLogger(__name__)


class Refused(ClientError):
    """A request answered with a 4xx: ``status`` and a ``detail`` for the client."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, *,
                 cors: bool = True) -> None:
        super().__init__(detail, status=status, headers=headers)
        self.detail, self.cors = detail, cors


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _cors(request: HttpRequest, response: HttpResponse, key: ProjectKey | None) -> HttpResponse:
    origin = request.headers.get("Origin")
    if origin and (key is None or key.project.origin_allowed(origin)):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
        response["Access-Control-Expose-Headers"] = "X-Sentry-Error, X-Sentry-Rate-Limits, Retry-After"
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=200)
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = (
        "Content-Type, Content-Encoding, X-Sentry-Auth, Authorization, sentry-trace, baggage"
    )
    response["Access-Control-Max-Age"] = "3600"
    return _cors(request, response, None)


def _read_body(request: HttpRequest, max_compressed: int, max_decompressed: int) -> bytes:
    """The whole body, read to end of stream (chunked uploads carry no length)."""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    stream = request.META["wsgi.input"] if chunked or request.META.get("wsgi.input_terminated") and not \
        request.META.get("CONTENT_LENGTH") else request
    return decode_body(stream, request.headers.get("Content-Encoding"), max_compressed=max_compressed,
                       max_decompressed=max_decompressed)


def _refuse_429(refusal: Refusal, key: ProjectKey) -> Refused:
    counters.buffer_outcome(key.project_id, "rate_limited", refusal.reason)
    header = format_rate_limits([refusal.limit])
    return Refused(429, f"rate limited ({refusal.reason}); retry after {int(refusal.limit.retry_after)} s",
                   {"Retry-After": str(int(refusal.limit.retry_after)), "X-Sentry-Rate-Limits": header})


def _check_origin(request: HttpRequest, key: ProjectKey) -> None:
    """A browser names its page's origin; events from origins the project does not
    allow are refused (CORS alone only hides the answer, it would not keep the data out)."""
    origin = request.headers.get("Origin")
    if origin and not key.project.origin_allowed(origin):
        counters.buffer_outcome(key.project_id, "rejected", "origin")
        raise Refused(403, f"origin {origin[:200]} is not allowed for this project", cors=False)


def _admit(key: ProjectKey, events: int) -> None:
    refusal = check_backpressure() or (check_quotas(key, events) if events else None)
    if refusal:
        raise _refuse_429(refusal, key)


def _payload(kind: str, key: ProjectKey, data: bytes, client: str | None, **extra: Any) -> dict[str, Any]:
    try:
        text, b64 = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, b64 = base64.b64encode(data).decode("ascii"), True
    return {"v": 1, "kind": kind, "project_id": key.project_id, "public_key": key.public_key, "data": text,
            "b64": b64, "received_at": time.time(), "client": client,
            "request_id": correlation.current().get("request_id"), **extra}


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
    data = _read_body(request, settings.INGEST_MAX_ENVELOPE_COMPRESSED, settings.INGEST_MAX_ENVELOPE_DECOMPRESSED)
    try:
        envelope = parse_envelope(data, max_item_size=envelope_item_limits())
    except EnvelopeError as exc:
        raise Refused(400, f"invalid envelope: {exc.message}") from None
    auth = auth_from_request(header=request.headers.get("X-Sentry-Auth"), query=request.GET,
                             envelope_headers=envelope.headers)
    key = authenticate(auth, project_id)
    _check_origin(request, key)
    event_id, kept, problems, usable = _envelope_event_ids(envelope)
    if problems and not usable:
        counters.buffer_outcome(key.project_id, "rejected", "invalid")
        status = 413 if all("size limit" in p for p in problems) else 400
        raise Refused(status, "; ".join(problems))
    _admit(key, kept)
    _enqueue(request, _payload("envelope", key, data, auth.client, **_sender(request)), lambda: _json(200, {"id": event_id}))
    metrics.envelope_items(i.type for i in envelope.items if not i.too_large)
    counters.buffer_outcome(key.project_id, "accepted", "", kept)
    return _accepted(request, key, event_id, {"dropped": problems} if problems else {})


def _handle_store(request: HttpRequest, project_id: int) -> HttpResponse:
    data = _read_body(request, settings.INGEST_MAX_EVENT_BYTES * 4, settings.INGEST_MAX_EVENT_BYTES)
    auth = auth_from_request(header=request.headers.get("X-Sentry-Auth"), query=request.GET)
    key = authenticate(auth, project_id)
    _check_origin(request, key)
    try:
        body = parse_event_json(data)
    except EnvelopeError as exc:
        counters.buffer_outcome(key.project_id, "rejected", "invalid")
        raise Refused(400, f"invalid event: {exc.message}") from None
    event_id = event_id_from(Envelope(headers={}, items=[]), None, body) or uuid.uuid4().hex
    _admit(key, 1)
    _enqueue(request, _payload("store", key, data, auth.client, event_id=event_id, **_sender(request)),
             lambda: _json(200, {"id": event_id}))
    counters.buffer_outcome(key.project_id, "accepted", "", 1)
    return _accepted(request, key, event_id)


def _handle_security(request: HttpRequest, project_id: int) -> HttpResponse:
    data = _read_body(request, settings.INGEST_MAX_EVENT_BYTES, settings.INGEST_MAX_EVENT_BYTES)
    auth = auth_from_request(header=request.headers.get("X-Sentry-Auth"), query=request.GET)
    key = authenticate(auth, project_id)
    _check_origin(request, key)
    try:
        reports = parse_security_reports(data)
    except SecurityReportError as exc:  # the worker's own check: nothing accepted here is skipped later
        counters.buffer_outcome(key.project_id, "rejected", "invalid")
        raise Refused(400, exc.message) from None
    _admit(key, len(reports))
    event_id = uuid.uuid4().hex
    _enqueue(request, _payload("security", key, data, auth.client, event_id=event_id),
             lambda: _json(200, {"id": event_id}))
    counters.buffer_outcome(key.project_id, "accepted", "", len(reports))
    return _accepted(request, key, event_id)


def _accepted(request: HttpRequest, key: Any, event_id: str | None, extra: dict[str, Any] | None = None) -> HttpResponse:
    """``200 {"id": ...}``; the id is bound for the request's log line."""
    correlation.bind(event_id=event_id)
    return _cors(request, _json(200, {"id": event_id, **(extra or {})}), key)


def _enqueue(request: HttpRequest, payload: dict[str, Any], answer: Callable[[], HttpResponse]) -> None:
    """Queue the payload and remember how to answer its acceptance.

    From here on the payload is ErrorHub's: a bug in the bookkeeping that
    follows (counters, metrics, the answer itself) must not tell the client to
    resend what is already queued, so ``_guarded`` answers ``answer()`` instead.
    """
    payload_enqueue(payload)
    request.errorhub_accepted = answer  # type: ignore[attr-defined]


def _accepted_despite_bug(request: HttpRequest) -> HttpResponse | None:
    """The acceptance answer for a request whose payload was queued before a bug struck.

    The bug is still one of ErrorHub's own: logged, reported to sentry-sdk and
    counted with the 500s, only the client is spared a retry of queued data.
    """
    answer = getattr(request, "errorhub_accepted", None)
    if answer is None:
        return None
    logger.exception("ingest bug after the payload was queued; answering its acceptance")
    sentry_sdk.capture_exception()
    ServerErrorCounterMiddleware.record(request, "bug after the payload was queued (answered 200)")
    return answer()


def _client_error(request: HttpRequest, exc: ClientError) -> HttpResponse:
    response = _json(exc.status, {"detail": exc.message}, exc.headers)
    return _cors(request, response, None) if getattr(exc, "cors", True) else response


def _guarded(handler: Any, request: HttpRequest, project_id: int) -> HttpResponse:
    """Turn every client error (``ClientError``) into its 4xx and an unavailable
    database or broker into a 503. Anything else is ErrorHub's bug and propagates
    as a 500, unless the payload was already queued (see ``_enqueue``)."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        return _json(405, {"detail": "use POST"}, {"Allow": "POST, OPTIONS"})
    try:
        request.get_host()  # ALLOWED_HOSTS (Django's full path checks it in CommonMiddleware)
        return handler(request, project_id)
    except DisallowedHost:
        return _json(400, {"detail": "host not allowed"})
    except SuspiciousOperation as exc:  # e.g. more query or form fields than Django parses
        return _cors(request, _json(400, {"detail": f"bad request: {exc}"}), None)
    except ClientError as exc:
        return _client_error(request, exc)
    except (DatabaseUnavailable, DatabaseInterfaceError) as exc:  # an unknown key cannot be checked while
        # the database is down; ErrorHub's own SQL errors (ProgrammingError, DataError,
        # IntegrityError) are bugs and take the 500 path below
        if (answer := _accepted_despite_bug(request)) is not None:
            return answer
        logger.error("ingest refused, database unavailable: %s", exc)
        return _cors(request, _json(503, {"detail": "temporarily unavailable, retry later"},
                                    {"Retry-After": "10"}), None)
    except OperationalError as exc:  # the broker is down: the client should retry later
        logger.error("cannot queue payload: %s", exc)
        return _cors(request, _json(503, {"detail": "processing queue unavailable, retry later"},
                                    {"Retry-After": "30"}), None)
    except Exception:
        if (answer := _accepted_despite_bug(request)) is not None:
            return answer
        raise


@csrf_exempt
def envelope_view(request: HttpRequest, project_id: int) -> HttpResponse:
    return _guarded(_handle_envelope, request, project_id)


@csrf_exempt
def store_view(request: HttpRequest, project_id: int) -> HttpResponse:
    return _guarded(_handle_store, request, project_id)


@csrf_exempt
def security_view(request: HttpRequest, project_id: int) -> HttpResponse:
    return _guarded(_handle_security, request, project_id)
