"""``POST /v1/logs`` and ``/v1/traces`` in-process: auth, encodings, bad input (never a 500)."""

from __future__ import annotations

import gzip

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from ingest.protocol import otlp
from tests.ingest.otlp.helpers import error_log, issues, logs_request, server_span, stored_events, traces_request

PB = "application/x-protobuf"
pytestmark = pytest.mark.django_db(transaction=True)


def _post(client, path, body, world, content_type=PB, auth=True, **extra):
    if auth:
        extra.setdefault("HTTP_AUTHORIZATION", f"DSN {world.key.public_key}")
    extra["CONTENT_TYPE"] = content_type  # the test client drops it for an empty body
    return client.post(path, data=body, content_type=content_type, **extra)


def test_protobuf_logs_become_an_issue(client, world):
    response = _post(client, "/v1/logs", logs_request(error_log()).SerializeToString(), world)
    assert response.status_code == 200 and response["Content-Type"] == PB
    parsed = ExportLogsServiceResponse.FromString(response.content)
    assert not parsed.HasField("partial_success")
    [event] = stored_events(world.project.pk)
    assert event["exception"][-1]["stacktrace"]["frames"][-1]["function"] == "price"
    assert event["trace_id"] == "5b8efff798038103d269b633813fc60c"
    [issue] = issues(world.project.pk)
    assert "ValueError" in issue.title


def test_json_gzip_traces_and_x_sentry_auth(client, world):
    request = traces_request(server_span(503))
    body = gzip.compress(json_format.MessageToJson(request).encode())
    response = _post(
        client,
        "/v1/traces",
        body,
        world,
        content_type="application/json",
        auth=False,
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_X_SENTRY_AUTH=world.auth_header(),
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    json_format.Parse(response.content, ExportTraceServiceResponse())
    [event] = stored_events(world.project.pk)
    assert event["fingerprint"] == ["http-5xx", "checkout", "GET", "/orders/{id}", "503"]


def test_sentry_key_query_parameter(client, world):
    response = client.post(
        f"/v1/logs?sentry_key={world.key.public_key}",
        data=logs_request(error_log()).SerializeToString(),
        content_type=PB,
    )
    assert response.status_code == 200


def test_huge_attribute_is_partial_success(client, world):
    huge = error_log(**{"blob": "x" * (otlp.MAX_ATTRIBUTE_CHARS + 10)})
    response = _post(client, "/v1/logs", logs_request(huge, error_log("ok")).SerializeToString(), world)
    assert response.status_code == 200
    partial = ExportLogsServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_log_records == 1 and "blob" in partial.error_message
    assert len(stored_events(world.project.pk)) == 1


@pytest.mark.parametrize(
    "body, content_type, status, fragment",
    [
        (logs_request(error_log()).SerializeToString()[:-7], PB, 400, "protobuf"),
        (b"\xff\xff\xff\xff", PB, 400, "protobuf"),
        (b"", PB, 400, "empty"),
        (b'{"resourceLogs": 3}', "application/json", 400, "OTLP"),
        (b"{not json", "application/json", 400, "JSON"),
        (b"hello", "text/plain", 415, "application/x-protobuf"),
    ],
)
def test_bad_input_is_4xx_with_a_message(client, world, body, content_type, status, fragment):
    response = _post(client, "/v1/logs", body, world, content_type=content_type)
    assert response.status_code == status, response.content
    assert fragment.lower() in response.json()["detail"].lower()


def test_bad_gzip_and_auth_failures(client, world):
    body = logs_request(error_log()).SerializeToString()
    assert _post(client, "/v1/logs", b"not gzip", world, HTTP_CONTENT_ENCODING="gzip").status_code == 400
    assert _post(client, "/v1/logs", body, world, auth=False).status_code == 401
    assert _post(client, "/v1/logs", body, world, HTTP_AUTHORIZATION="DSN " + "0" * 32).status_code == 401
    world.key.is_active = False
    world.key.save()
    from ingest import keys

    keys.clear_key_cache()  # the door shares ingest.keys' cached lookup
    assert _post(client, "/v1/traces", body, world).status_code == 403
    assert client.get("/v1/logs").status_code == 405
