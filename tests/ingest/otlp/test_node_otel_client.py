"""The real OpenTelemetry JavaScript SDK exporting OTLP/HTTP to a live ErrorHub.

``tests/clients/node-otel/send_otel.js`` (pinned ``@opentelemetry/*`` packages, built by
``scripts/build_clients.sh node-otel``) sends, in one trace, a log record at ERROR with
``exception.*`` attributes through ``@opentelemetry/exporter-logs-otlp-http`` (OTLP/JSON)
and two spans through ``@opentelemetry/exporter-trace-otlp-proto`` (OTLP/protobuf): one
with ``span.recordException`` of a real ``TypeError`` thrown in ``chargeCard`` and a SERVER
span answering 503 without an exception. pytest-django's ``live_server`` serves ErrorHub in
a thread; tasks run eagerly, so every export is processed before the exporter gets its answer.

The JS exporters always stream the body (``Transfer-Encoding: chunked``, no
``Content-Length``). gunicorn decodes that framing before the app sees the request
(``tests/live/server.py``); Django's development server, which ``live_server`` runs, does
not: it hands the view an empty body (400) and then parses the unread chunks as a second
request. ``chunked_live_server`` therefore decodes chunked request bodies in the
development server's handler for this test only, like gunicorn, leaving the
``Transfer-Encoding`` header in place so ErrorHub's own chunked path is what reads them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.servers import basehttp

from errorhub.accounts.services import project_create
from errorhub.issues.models import Issue
from tests.clients.recording_server import read_chunked
from tests.ingest.otlp.helpers import stored_events

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "node-otel"
SCRIPT = CLIENT / "send_otel.js"
BUILD_HINT = "run `scripts/build_clients.sh node-otel` (npm ci in tests/clients/node-otel)"


@pytest.fixture
def chunked_live_server(live_server, monkeypatch):
    """``live_server`` whose handler decodes ``Transfer-Encoding: chunked`` request bodies
    (as gunicorn does); yields (server, list of the chunked request paths it decoded)."""
    decoded: list[str] = []

    class ChunkedServerHandler(basehttp.ServerHandler):
        def __init__(self, stdin, stdout, stderr, environ, **kwargs):
            body = None
            if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and not environ.get("CONTENT_LENGTH"):
                body = read_chunked(stdin)
                decoded.append(environ.get("PATH_INFO", ""))
            super().__init__(stdin, stdout, stderr, environ, **kwargs)
            if body is not None:
                self.stdin = io.BytesIO(body)  # becomes wsgi.input; read to its end by the view
                environ["wsgi.input_terminated"] = True

    # Looked up at call time by WSGIRequestHandler.handle_one_request in the server thread.
    monkeypatch.setattr(basehttp, "ServerHandler", ChunkedServerHandler)
    yield live_server, decoded


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not on PATH: install Node.js >= 20.6, then {BUILD_HINT}")
    if not (CLIENT / "node_modules" / "@opentelemetry" / "sdk-logs").is_dir():
        pytest.fail(f"{CLIENT / 'node_modules'} is missing: {BUILD_HINT}")
    return node


def _send(node: str, base_url: str, public_key: str) -> str:
    env = {**os.environ, "OTEL_ENDPOINT": base_url, "ERRORHUB_DSN_KEY": public_key}
    for name in [n for n in env if n.startswith("OTEL_") and n != "OTEL_ENDPOINT"]:
        env.pop(name)  # no ambient OTEL_* settings may redirect or reshape the exports
    run = subprocess.run([node, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, cwd=CLIENT)
    assert run.returncode == 0, f"send_otel.js exited {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    match = re.search(r"^trace_id=([0-9a-f]{32})$", run.stdout, re.MULTILINE)
    assert match, f"no trace_id=<hex> line in send_otel.js output:\n{run.stdout}\n{run.stderr}"
    return match.group(1)


def _functions(event: dict[str, Any]) -> list[str | None]:
    return [f.get("function") for f in event["exception"][-1]["stacktrace"]["frames"]]


def test_node_otel_sdk_log_span_exception_and_server_503(chunked_live_server):
    live_server, chunked_paths = chunked_live_server
    node = _node()
    created = project_create(org_name="Node OTel", name="Shop")
    project = created.project
    trace_id = _send(node, live_server.url, created.key.public_key)
    assert sorted(set(chunked_paths)) == ["/v1/logs", "/v1/traces"], chunked_paths  # the SDK's real framing

    events = stored_events(project.pk)
    by_kind: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["source"] == "otlp:logs":
            kind = "log"
        elif event.get("fingerprint", [None])[0] == "http-5xx":
            kind = "5xx"
        else:
            kind = "span"
        assert kind not in by_kind, f"two {kind} events: {events}"
        by_kind[kind] = event
    assert set(by_kind) == {"log", "span", "5xx"}, [(e["source"], e.get("message")) for e in events]

    for kind, event in by_kind.items():
        assert (event["service"], event["release"], event["environment"]) == ("node-otel-test", "1.2.3", "ci"), kind
        assert event["trace_id"] == trace_id, kind
        assert event["platform"] == "node", kind  # telemetry.sdk.language=nodejs, set by the JS SDK

    # The log record (OTLP/JSON): exception.* attributes, the JS stack text parsed into frames.
    log = by_kind["log"]
    exc = log["exception"][-1]
    assert exc["type"] == "TypeError" and "reading 'number'" in exc["value"]
    assert "chargeCard" in _functions(log), _functions(log)
    charge_frame = next(f for f in exc["stacktrace"]["frames"] if f.get("function") == "chargeCard")
    assert charge_frame["filename"].endswith("send_otel.js") and charge_frame["lineno"] > 0
    assert log["level"] == "error" and log["message"] == "payment failed for order 1042"
    assert log["tags"]["otel.severity"] == "ERROR" and log["tags"]["order.id"] == "1042"

    # The span exception (OTLP/protobuf): span.recordException(err).
    span = by_kind["span"]
    assert span["source"] == "otlp:traces" and span["transaction"] == "charge card"
    assert span["exception"][-1]["type"] == "TypeError" and "chargeCard" in _functions(span)

    # The SERVER span answering 503 without an exception: grouped by route template.
    http = by_kind["5xx"]
    assert http["fingerprint"] == ["http-5xx", "node-otel-test", "GET", "/api/orders/:id", "503"]
    assert http["message"] == "503 GET /api/orders/:id" and http["transaction"] == "GET /api/orders/:id"
    assert http["request"]["status_code"] == 503 and http["tags"]["http.route"] == "/api/orders/:id"

    issues = {e_kind: Issue.objects.get(pk=event["issue_id"]) for e_kind, event in by_kind.items()}
    assert Issue.objects.filter(project=project).count() == len({i.pk for i in issues.values()})
    assert issues["5xx"].pk not in (issues["log"].pk, issues["span"].pk)
    for kind, issue in issues.items():
        assert issue.environment == "ci" and issue.first_release == "1.2.3", kind
    assert issues["log"].metadata.get("type") == "TypeError", issues["log"].metadata
    assert issues["span"].metadata.get("type") == "TypeError", issues["span"].metadata
