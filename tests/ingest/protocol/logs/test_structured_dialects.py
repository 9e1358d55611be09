"""Structured records in each dialect -> the Event a user sees (fixture
``structured_records.jsonl``: record, expected fields; ``expected: null`` = no event)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.protocol.event import normalize_level
from ingest.protocol.logs.structured import event_from_record

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "logs" / "formats" / "structured_records.jsonl"
ROWS = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
DEFAULTS = {"project_id": 7}


@pytest.mark.parametrize("row", ROWS, ids=[row["dialect"] for row in ROWS])
def test_dialect(row: dict) -> None:
    event = event_from_record(row["record"], defaults=DEFAULTS)
    expected = row["expected"]
    if expected is None:
        assert event is None
        return
    assert event is not None
    assert event["project_id"] == 7
    expected = dict(expected)
    exc_type = expected.pop("exception_type", None)
    exc_value = expected.pop("exception_value", None)
    exc_count = expected.pop("exception_count", None)
    for key, value in expected.items():
        assert event.get(key) == value, key
    if exc_type or exc_value:
        outer = event["exception"][-1]
        assert (outer.get("type"), outer.get("value")) == (exc_type, exc_value)
    if exc_count:
        assert len(event["exception"]) == exc_count


def test_stack_trace_frames_come_from_the_trace_parser() -> None:
    row = next(r for r in ROWS if r["dialect"] == "logstash")
    event = event_from_record(row["record"], defaults={})
    frames = event["exception"][-1]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "find" or frames[-1].get("lineno") == 55


def test_structlog_dict_traceback_is_reordered_oldest_first() -> None:
    row = next(r for r in ROWS if r["dialect"] == "structlog-dict")
    event = event_from_record(row["record"], defaults={})
    assert [e["type"] for e in event["exception"]] == ["KeyError", "ValueError"]
    assert [f["function"] for f in event["exception"][1]["stacktrace"]["frames"]] == ["run", "parse"]


def test_exception_fields_without_stack_make_an_exception() -> None:
    event = event_from_record(
        {"level": "warn", "msg": "retrying", "error.type": "TimeoutError", "error.message": "read timed out"},
        defaults={},
    )
    assert event["level"] == "warning"
    assert event["exception"] == [{"type": "TimeoutError", "value": "read timed out"}]


def test_remaining_fields_go_to_bounded_extra() -> None:
    record = {"level": "error", "msg": "x", **{f"k{i}": "v" * 5000 for i in range(80)}}
    event = event_from_record(record, defaults={})
    assert len(event["extra"]) == 51
    assert event["extra"]["_truncated_keys"] == 30
    assert all(len(v) <= 1024 for k, v in event["extra"].items() if k != "_truncated_keys")


def test_defaults_fill_what_the_record_lacks() -> None:
    event = event_from_record(
        {"level": "error", "msg": "x", "service": "mine"},
        defaults={"service": "default", "environment": "prod", "release": "1.0"},
    )
    assert (event["service"], event["environment"], event["release"]) == ("mine", "prod", "1.0")


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("ERROR", "error"),
        ("Error", "error"),
        ("err", "error"),
        ("FATAL", "fatal"),
        ("critical", "fatal"),
        ("Information", "info"),
        ("WARN", "warning"),
        ("SEVERE", "error"),
        ("dpanic", "fatal"),
        (50, "error"),
        (60, "fatal"),
        (40, "warning"),
        (30, "info"),
        (3, "error"),
        (2, "fatal"),
        (6, "info"),
        (500, "error"),
        (800, "fatal"),
        (200, "info"),
        ("50", "error"),
        ("bogus", None),
        (True, None),
    ],
)
def test_level_spellings(value, level) -> None:
    assert normalize_level(value) == level


@pytest.mark.parametrize(
    "record",
    [
        {"level": "info", "msg": "ok"},
        {"msg": "no level"},
        {"level": 30, "msg": "pino info"},
        {"severity": "NOTICE", "textPayload": "started"},
        {},
    ],
)
def test_non_errors_make_no_event(record: dict) -> None:
    assert event_from_record(record, defaults={}) is None
