"""``POST /api/<project_id>/logs/``: raw logs in many formats, turned into events.

The view frames the body (to validate it and count its lines), then queues it with
what the client asked for (the format it named, or none, and its content type):
the worker frames it again exactly the same way, within the same inflate limit, so a
body answered 200 here is never one the worker refuses. Stack-trace assembly and
event extraction run in the worker.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ingest import counters
from ingest.http import Refused, admit, dsn_auth_header, enqueue, guarded, json_response, payload_for, read_body
from ingest.keys import authenticate
from ingest.protocol.logs.formats import InflateBudget, frame, inflate_body
from ingest.protocol.logs.model import LogParseError
from ingest.protocol.sentry_auth import auth_from_request

_DEFAULT_FIELDS = ("service", "environment", "release", "stream")


def _handle_logs(request: HttpRequest, project_id: int) -> HttpResponse:
    auth = auth_from_request(header=dsn_auth_header(request), query=request.GET)
    key = authenticate(auth, project_id)
    data = read_body(request, settings.INGEST_MAX_LOG_BYTES, settings.INGEST_MAX_LOG_BYTES)
    fmt = request.GET.get("format") or None
    content_type = request.headers.get("Content-Type")
    try:
        # gzip sniffed by its magic bytes is undone here, within the log limit, and the
        # inflated body is what is queued: the worker frames it without inflating again.
        budget = InflateBudget(settings.INGEST_MAX_LOG_BYTES)
        data = inflate_body(data, fmt, budget)
        used, lines = frame(data, fmt, content_type=content_type, budget=budget)
    except LogParseError as exc:
        counters.buffer_outcome(key.project_id, "rejected", "invalid_logs")
        raise Refused(exc.status, f"invalid log body: {exc}") from None
    admit(key, 0)
    defaults = {
        name: request.GET.get(name) or request.headers.get(f"X-ErrorHub-{name.title()}") for name in _DEFAULT_FIELDS
    }
    body = {"format": used, "lines_accepted": len(lines), "events": "queued"}
    # the format the client named (or none), not the one guessed: a guess framed as a named
    # format is held to stricter checks (every line in it) than the guess itself passed
    enqueue(
        request,
        payload_for(
            "logs",
            key,
            data,
            "logs",
            format=fmt,
            content_type=content_type,
            defaults={k: v for k, v in defaults.items() if v},
        ),
        lambda: json_response(200, body),
    )
    firehose_id = request.headers.get("X-Amz-Firehose-Request-Id")
    if firehose_id:  # Firehose counts any other answer as a failed delivery
        body.update(requestId=firehose_id, timestamp=int(time.time() * 1000))
    return json_response(200, body)


@csrf_exempt
def logs_view(request: HttpRequest, project_id: int) -> HttpResponse:
    return guarded(_handle_logs, request, project_id)
