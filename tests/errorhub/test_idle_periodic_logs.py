"""What the worker logs about periodic tasks: nothing when they found no work (beat's
"Sending due task", Celery's "received" / "succeeded: 0", ErrorHub's "task started" /
"task finished"), one "succeeded" line with its count when they did, and every line of
other tasks and every warning or error as before. The whole worker at idle is watched
by tests/live/test_embedded_clean_run.py."""

from __future__ import annotations

import logging

import pytest
from celery.app.trace import LOG_RECEIVED, LOG_SUCCESS

from errorhub.celery import IdlePeriodicTaskFilter

PERIODIC = "ingest.tasks.index_pending"


def record(logger: str, msg: str, args: object = None, level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord(logger, level, __file__, 1, msg, (args,) if args is not None else None, None)
    made.__dict__.update(extra)
    return made


@pytest.fixture
def idle_filter() -> IdlePeriodicTaskFilter:
    return IdlePeriodicTaskFilter({PERIODIC, "errorhub.tasks.lifecycle_tick"})


def success(name: str, value: str) -> logging.LogRecord:
    return record(
        "celery.app.trace",
        LOG_SUCCESS,
        {"id": "x", "name": name, "return_value": value, "runtime": 0.01, "args": "()", "kwargs": "{}"},
    )


def test_an_idle_periodic_task_writes_no_line(idle_filter: IdlePeriodicTaskFilter) -> None:
    lines = [
        record("celery.beat", "Scheduler: Sending due task %s (%s)", None),
        record(
            "celery.worker.strategy",
            LOG_RECEIVED,
            {"id": "x", "name": PERIODIC, "args": "()", "kwargs": "{}", "eta": None},
        ),
        record("errorhub.task", "task started", task=PERIODIC),
        success(PERIODIC, "0"),
        record("errorhub.task", "task finished", task=PERIODIC, state="SUCCESS"),
    ]
    assert [idle_filter.filter(line) for line in lines] == [False] * 5


def test_a_periodic_task_that_did_work_keeps_its_result_line(idle_filter: IdlePeriodicTaskFilter) -> None:
    assert idle_filter.filter(success(PERIODIC, "12"))
    assert idle_filter.filter(success("errorhub.tasks.lifecycle_tick", "2"))


def test_other_tasks_and_problems_are_logged_as_before(idle_filter: IdlePeriodicTaskFilter) -> None:
    assert idle_filter.filter(success("ingest.tasks.process_batch", "0"))
    assert idle_filter.filter(record("errorhub.task", "task started", task="ingest.tasks.process_batch"))
    assert idle_filter.filter(record("celery.beat", "beat: Starting...", None))
    assert idle_filter.filter(
        record(
            "celery.app.trace",
            "Task %(name)s[%(id)s] raised unexpected: %(exc)s",
            {"name": PERIODIC, "id": "x", "exc": "boom"},
            level=logging.ERROR,
        )
    )
