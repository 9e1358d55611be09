"""One event's log lines can be found by its ids across the web request and the worker task."""

from __future__ import annotations

import json
import logging

import pytest

from errorhub import logging as eh_logging
from tests.ingest.helpers import event, post_store

pytestmark = pytest.mark.django_db(transaction=True)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(eh_logging.ContextFilter())
        self.setFormatter(eh_logging.JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def captured():
    handler = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_request_id_and_event_id_in_view_and_task_lines(client, world, captured):
    body = event()
    response = post_store(client, world, json.dumps(body).encode(), HTTP_X_REQUEST_ID="req-7f3a")
    assert response.status_code == 200 and response["X-Request-ID"] == "req-7f3a"
    web = [line for line in captured if line["logger"] == "errorhub.request"]
    task = [line for line in captured if line["logger"] == "errorhub.task"]
    assert web and task
    assert web[-1]["request_id"] == "req-7f3a" and web[-1]["event_id"] == body["event_id"]
    assert web[-1]["status"] == 200 and web[-1]["path"].endswith("/store/")
    finished = next(line for line in task if line["message"] == "task finished")
    assert finished["request_id"] == "req-7f3a" and finished["event_id"] == body["event_id"]
    assert finished["project_id"] == world.project.pk and finished["task_id"]
    assert finished["state"] == "SUCCESS"
    assert eh_logging.current() == {}  # nothing leaks past the request


def test_generated_request_id_when_header_missing_or_hostile(client, world):
    first = client.get("/healthz")["X-Request-ID"]
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected="1')["X-Request-ID"]
    assert len(first) == 32 and len(hostile) == 32 and first != hostile


def test_ids_travel_in_message_headers_to_a_separate_worker():
    """A real worker gets no contextvars from the web process: the publish signal puts
    the ids in the message headers and the prerun signal binds them from there."""

    class Request:
        pass

    class Task:
        name = "ingest.tasks.process_payload"
        request = Request()

    headers: dict = {}
    with eh_logging.bound(request_id="req-1", event_id="e" * 32):
        eh_logging._publish(headers=headers)
    Task.request.errorhub_correlation = headers["errorhub_correlation"]
    eh_logging._task_prerun(task_id="t-1", task=Task, args=({"kind": "envelope", "project_id": 3, "data": ""},))
    assert eh_logging.current() == {"request_id": "req-1", "event_id": "e" * 32, "project_id": 3, "task_id": "t-1"}
    eh_logging._task_postrun(task_id="t-1", task=Task, state="SUCCESS")
    assert eh_logging.current() == {}


def test_json_formatter_line_shape():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("now",), None)
    record.queue = "ingest"
    with eh_logging.bound(issue_id=12):
        line = json.loads(eh_logging.JsonFormatter().format(record))
    assert line["message"] == "boom now" and line["level"] == "error" and line["issue_id"] == 12
    assert line["queue"] == "ingest" and line["ts"].endswith("+00:00")


def test_batch_task_lists_every_payloads_ids():
    class Req:
        def __init__(self, payload):
            self.args = [payload]

    batch = [
        Req({"project_id": 3, "event_id": "a" * 32, "request_id": "r1"}),
        Req({"project_id": 3, "event_id": "b" * 32, "request_id": "r2"}),
    ]
    bind, listed = eh_logging._payload_ids((batch,))
    assert bind == {"project_id": 3}
    assert listed == {"request_ids": ["r1", "r2"], "event_ids": ["a" * 32, "b" * 32]}
