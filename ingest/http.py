"""What every ingest door shares: refusals, CORS, bounded body reading, admission
(back-pressure and quotas), the raw payload and its queueing, and the guard that
turns client errors into 4xx answers.

The Sentry doors (``ingest.views``), the log door (``ingest.log_views``) and the
OTLP door (``ingest.otlp_views``) all build on these; none reaches into another.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable
from typing import Any

import sentry_sdk
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseUnavailable
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu.exceptions import OperationalError

from errorhub import logging as correlation
from errorhub.accounts.models import ProjectKey
from errorhub.middleware import ServerErrorCounterMiddleware
from ingest import counters
from ingest.protocol.bodies import decode_body
from ingest.protocol.errors import ClientError
from ingest.protocol.ratelimit_header import format_rate_limits
from ingest.quotas import Refusal, check_backpressure, check_quotas
from ingest.services import payload_enqueue

logger = logging.getLogger(__name__)


class Refused(ClientError):
    """A request answered with a 4xx: ``status`` and a ``detail`` for the client."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, *, cors: bool = True) -> None:
        super().__init__(detail, status=status, headers=headers)
        self.detail, self.cors = detail, cors


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def with_cors(request: HttpRequest, response: HttpResponse, key: ProjectKey | None) -> HttpResponse:
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
    return with_cors(request, response, None)


def read_body(request: HttpRequest, max_compressed: int, max_decompressed: int) -> bytes:
    """The whole body, read to end of stream (chunked uploads carry no length)."""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    stream = (
        request.META["wsgi.input"]
        if chunked or request.META.get("wsgi.input_terminated") and not request.META.get("CONTENT_LENGTH")
        else request
    )
    return decode_body(
        stream,
        request.headers.get("Content-Encoding"),
        max_compressed=max_compressed,
        max_decompressed=max_decompressed,
    )


def _refuse_429(refusal: Refusal, key: ProjectKey) -> Refused:
    counters.buffer_outcome(key.project_id, "rate_limited", refusal.reason)
    header = format_rate_limits([refusal.limit])
    return Refused(
        429,
        f"rate limited ({refusal.reason}); retry after {int(refusal.limit.retry_after)} s",
        {"Retry-After": str(int(refusal.limit.retry_after)), "X-Sentry-Rate-Limits": header},
    )


def check_origin(request: HttpRequest, key: ProjectKey) -> None:
    """A browser names its page's origin; events from origins the project does not
    allow are refused (CORS alone only hides the answer, it would not keep the data out)."""
    origin = request.headers.get("Origin")
    if origin and not key.project.origin_allowed(origin):
        counters.buffer_outcome(key.project_id, "rejected", "origin")
        raise Refused(403, f"origin {origin[:200]} is not allowed for this project", cors=False)


def admit(key: ProjectKey, events: int) -> None:
    refusal = check_backpressure() or (check_quotas(key, events) if events else None)
    if refusal:
        raise _refuse_429(refusal, key)


def payload_for(kind: str, key: ProjectKey, data: bytes, client: str | None, **extra: Any) -> dict[str, Any]:
    try:
        text, b64 = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, b64 = base64.b64encode(data).decode("ascii"), True
    return {
        "v": 1,
        "kind": kind,
        "project_id": key.project_id,
        "public_key": key.public_key,
        "data": text,
        "b64": b64,
        "received_at": time.time(),
        "client": client,
        "request_id": correlation.current().get("request_id"),
        **extra,
    }


def enqueue(request: HttpRequest, payload: dict[str, Any], answer: Callable[[], HttpResponse]) -> None:
    """Queue the payload and remember how to answer its acceptance.

    From here on the payload is ErrorHub's: a bug in the bookkeeping that
    follows (counters, metrics, the answer itself) must not tell the client to
    resend what is already queued, so ``guarded`` answers ``answer()`` instead.
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
    response = json_response(exc.status, {"detail": exc.message}, exc.headers)
    return with_cors(request, response, None) if getattr(exc, "cors", True) else response


def guarded(handler: Any, request: HttpRequest, project_id: int) -> HttpResponse:
    """Turn every client error (``ClientError``) into its 4xx and an unavailable
    database or broker into a 503. Anything else is ErrorHub's bug and propagates
    as a 500, unless the payload was already queued (see ``enqueue``)."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        return json_response(405, {"detail": "use POST"}, {"Allow": "POST, OPTIONS"})
    try:
        request.get_host()  # ALLOWED_HOSTS (Django's full path checks it in CommonMiddleware)
        return handler(request, project_id)
    except DisallowedHost:
        return json_response(400, {"detail": "host not allowed"})
    except SuspiciousOperation as exc:  # e.g. more query or form fields than Django parses
        return with_cors(request, json_response(400, {"detail": f"bad request: {exc}"}), None)
    except ClientError as exc:
        return _client_error(request, exc)
    except (DatabaseUnavailable, DatabaseInterfaceError) as exc:  # an unknown key cannot be checked while
        # the database is down; ErrorHub's own SQL errors (ProgrammingError, DataError,
        # IntegrityError) are bugs and take the 500 path below
        if (answer := _accepted_despite_bug(request)) is not None:
            return answer
        logger.error("ingest refused, database unavailable: %s", exc)
        return with_cors(
            request, json_response(503, {"detail": "temporarily unavailable, retry later"}, {"Retry-After": "10"}), None
        )
    except OperationalError as exc:  # the broker is down: the client should retry later
        logger.error("cannot queue payload: %s", exc)
        return with_cors(
            request,
            json_response(503, {"detail": "processing queue unavailable, retry later"}, {"Retry-After": "30"}),
            None,
        )
    except Exception:
        if (answer := _accepted_despite_bug(request)) is not None:
            return answer
        raise


def dsn_auth_header(request: HttpRequest) -> str | None:
    """Log shippers often can only set ``Authorization: DSN <key>``; AWS Firehose
    HTTP endpoints send their configured access key as ``X-Amz-Firehose-Access-Key``."""
    value = request.headers.get("Authorization", "")
    if value[:4].upper() == "DSN ":
        return f"Sentry sentry_key={value[4:].strip()}"
    firehose = request.headers.get("X-Amz-Firehose-Access-Key")
    if firehose:
        return f"Sentry sentry_key={firehose.strip()}"
    return request.headers.get("X-Sentry-Auth")
