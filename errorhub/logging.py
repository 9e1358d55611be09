"""Structured logs for ErrorHub itself: a JSON formatter and correlation ids.

Correlation ids live in ``contextvars`` so they follow a request (thread or
async task) without being passed around: ``request_id`` (the incoming
``X-Request-ID`` when it is sane, else a new one; echoed in the response),
``event_id``, ``project_id``, ``issue_id`` and ``task_id``. Every log line —
JSON or plain — carries the ids bound at the time it was written, so one
event can be followed from the ingest view to the worker that stored it:

- web: ``CorrelationIdMiddleware`` binds ``request_id`` and writes one
  ``request finished`` line per request (with the ``event_id`` an ingest
  endpoint accepted: the view binds it);
- queueing: ``before_task_publish`` copies the bound ids into the message headers
  (ingest payloads, published by ``ingest.queue``, carry theirs in the payload);
- worker: ``task_prerun`` binds ``task_id`` and the ids from the headers and the
  payload (``request_id``, ``event_id``, ``project_id``), ``task_postrun`` logs the
  task's end and unbinds.

``ERRORHUB_LOG_FORMAT=json`` selects ``JsonFormatter`` (see settings and
docs/operating.md).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from celery import signals

FIELDS = ("request_id", "event_id", "project_id", "issue_id", "task_id")
_VARS: dict[str, contextvars.ContextVar[Any]] = {name: contextvars.ContextVar(name, default=None) for name in FIELDS}
_SANE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}

request_logger = logging.getLogger("errorhub.request")
task_logger = logging.getLogger("errorhub.task")


def bind(**values: Any) -> None:
    """Bind correlation ids for the rest of this context (None unbinds one)."""
    for name, value in values.items():
        _VARS[name].set(value)


def current() -> dict[str, Any]:
    """The ids bound now (unset ones left out)."""
    return {name: value for name, var in _VARS.items() if (value := var.get()) is not None}


def clear() -> None:
    for var in _VARS.values():
        var.set(None)


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    tokens = [(_VARS[name], _VARS[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def sane_request_id(value: str | None) -> str:
    """The client's ``X-Request-ID`` when it is a plain token, else a fresh one
    (a header value must not be able to forge log structure)."""
    if value and _SANE_ID.fullmatch(value.strip()):
        return value.strip()
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Puts the bound ids on every record as attributes (``%(request_id)s`` works in
    plain formats too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the correlation ids,
    any ``extra=`` fields, and the exception text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in _VARS.items():
            value = getattr(record, name, None) or var.get()
            if value is not None:
                line[name] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


# ---------------------------------------------------------------- web


class CorrelationIdMiddleware:
    """Binds a request id for the request, answers it in ``X-Request-ID`` and logs
    one ``request finished`` line (method, path, status, duration, ids)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request_id = sane_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        started = time.perf_counter()
        with bound(request_id=request_id, event_id=None, project_id=None, issue_id=None, task_id=None):
            response = self.get_response(request)  # an ingest view binds the event id it accepted
            response["X-Request-ID"] = request_id
            if request_logger.isEnabledFor(logging.INFO):
                request_logger.info(
                    "request finished",
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
        return response


# ---------------------------------------------------------------- Celery

_HEADER = "errorhub_correlation"
# task id -> the context tokens to restore when it ends (tasks run one per thread)
_TOKENS: dict[str, tuple[dict[str, contextvars.Token[Any]], dict[str, list[Any]]]] = {}


@signals.before_task_publish.connect
def _publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """Carry the bound ids to the worker in the message headers."""
    ids = current()
    ids.pop("task_id", None)
    if headers is not None and ids:
        headers[_HEADER] = ids


def _one_payload_ids(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        return {}
    ids = {name: payload.get(name) for name in ("request_id", "event_id", "project_id") if payload.get(name)}
    if "event_id" not in ids and payload.get("kind") == "envelope" and not payload.get("b64"):
        header = str(payload.get("data") or "")[:2048].split("\n", 1)[0]
        try:
            event_id = json.loads(header).get("event_id")
        except (ValueError, AttributeError):
            event_id = None
        if isinstance(event_id, str):
            ids["event_id"] = event_id.replace("-", "")
    return ids


def _payload_ids(args: Any) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """(ids to bind, ids to list on the task lines). A task takes one payload, or a
    batch (celery-batches: a list of requests whose ``args[0]`` is a payload); a
    one-payload batch binds that payload's ids, a bigger one lists them all."""
    first = args[0] if args else None
    if not isinstance(first, list):
        return _one_payload_ids(first), {}
    every = [_one_payload_ids((getattr(r, "args", None) or [None])[0]) for r in first]
    if len(every) == 1:
        return every[0], {}
    listed = {f"{name}s": [ids[name] for ids in every if name in ids] for name in ("request_id", "event_id")}
    projects = {ids.get("project_id") for ids in every}
    return ({"project_id": projects.pop()} if len(projects) == 1 else {}), {k: v for k, v in listed.items() if v}


@signals.task_prerun.connect
def _task_prerun(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    carried = getattr(getattr(task, "request", None), _HEADER, None) or {}
    from_payload, listed = _payload_ids(args)
    ids = {**(carried if isinstance(carried, dict) else {}), **from_payload}
    ids = {k: v for k, v in ids.items() if k in _VARS}
    # remember what was bound before (an eager task runs inside the request's context)
    token = {name: _VARS[name].set(ids.get(name, _VARS[name].get())) for name in FIELDS if name != "task_id"}
    token["task_id"] = _VARS["task_id"].set(task_id)
    _TOKENS[task_id or ""] = (token, listed)
    task_logger.info("task started", extra={"task": getattr(task, "name", None), **listed})


@signals.task_postrun.connect
def _task_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    tokens, listed = _TOKENS.pop(task_id or "", ({}, {}))
    task_logger.info("task finished", extra={"task": getattr(task, "name", None), "state": state, **listed})
    if tokens:
        for name, token in tokens.items():
            try:
                _VARS[name].reset(token)
            except ValueError:  # set in another context: just unbind
                _VARS[name].set(None)
