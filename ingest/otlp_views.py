"""``POST /v1/logs`` and ``POST /v1/traces``: the OpenTelemetry (OTLP/HTTP) door.

Point any OTel SDK or Collector's ``otlphttp`` exporter at ErrorHub's base URL with
the header ``Authorization: DSN <public key>`` (or ``X-Sentry-Auth``, or
``?sentry_key=``). There is no project id in OTLP's paths: the key names the project.

The view checks the content type (415), reads the body with the shared bounded
decoder (gzip and friends via ``Content-Encoding``), decodes it with the official
protobuf classes (400 with the parser's message), applies quotas, queues the raw
bytes as a payload of kind ``otlp`` and answers an ``Export*ServiceResponse`` in the
request's encoding; records refused up front are reported in ``partial_success``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from errorhub import metrics
from errorhub.accounts.models import ProjectKey
from errorhub.logging import current as current_log_ids
from ingest import counters
from ingest.http import Refused, admit, dsn_auth_header, enqueue, guarded, payload_for, read_body
from ingest.keys import KeyRefused, lookup_key
from ingest.protocol.sentry_auth import auth_from_request


def _key_for(public_key: str) -> ProjectKey:
    """The DSN key (``ingest.keys``' cached lookup); no project to cross-check."""
    key = lookup_key(public_key)
    if key is None:
        raise KeyRefused(401, "unknown DSN key: send Authorization: DSN <public key> of an ErrorHub project")
    if not key.is_active:
        raise KeyRefused(403, "this DSN key is disabled")
    return key


def _content_type(request: HttpRequest) -> str:
    from ingest.protocol import otlp  # start-up: protobuf, ~2.6 MiB a process

    media = otlp.media_type(request.headers.get("Content-Type"))
    if media is None:
        raise Refused(
            415,
            f"OTLP/HTTP takes {otlp.PROTOBUF} or {otlp.JSON}, not "
            f"{request.headers.get('Content-Type') or 'no Content-Type'}",
        )
    return media


def _empty_export_response(content_type: str) -> HttpResponse:
    """A plain success (an empty ``Export*ServiceResponse``), built without the protobuf
    classes: the answer for queued data when a bug struck after ``enqueue``."""
    from ingest.protocol import otlp  # start-up: protobuf, ~2.6 MiB a process

    return HttpResponse(b"{}" if content_type == otlp.JSON else b"", status=200, content_type=content_type)


def _handle(signal: str, request: HttpRequest) -> HttpResponse:
    from ingest.protocol import otlp  # start-up: protobuf, ~2.6 MiB a process

    content_type = _content_type(request)
    auth = auth_from_request(header=dsn_auth_header(request), query=request.GET)
    key = _key_for(auth.public_key)
    data = read_body(request, settings.INGEST_MAX_ENVELOPE_COMPRESSED, settings.INGEST_MAX_ENVELOPE_DECOMPRESSED)
    if not data:
        raise Refused(400, f"empty body: an OTLP {signal} export request was expected")
    try:
        message = otlp.decode_request(signal, data, content_type)
    except otlp.OtlpError as exc:
        counters.buffer_outcome(key.project_id, "rejected", "invalid_otlp")
        raise Refused(400, str(exc)) from None
    records, events = otlp.candidate_events(signal, message)
    rejected, why = otlp.rejected_up_front(signal, message)
    admit(key, events)
    if records > rejected:
        enqueue(
            request,
            payload_for(
                "otlp",
                key,
                data,
                auth.client or f"otlp/{signal}",
                signal=signal,
                content_type=content_type,
                request_id=current_log_ids().get("request_id"),
            ),
            lambda: _empty_export_response(content_type),
        )
    counters.buffer_outcome(key.project_id, "accepted", "", events)
    if rejected:
        counters.buffer_outcome(key.project_id, "rejected", "otlp_attribute_too_long", rejected)
    metrics.otlp_records(signal, "accepted", records - rejected)
    metrics.otlp_records(signal, "rejected", rejected)
    body, media = otlp.encode_response(signal, content_type, rejected, why)
    return HttpResponse(body, status=200, content_type=media)


def _view(signal: str) -> Callable[[HttpRequest], HttpResponse]:
    def handler(request: HttpRequest, _: Any) -> HttpResponse:
        return _handle(signal, request)

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        return guarded(handler, request, 0)

    view.__name__ = f"otlp_{signal}_view"
    return view


logs_view = _view("logs")
traces_view = _view("traces")
