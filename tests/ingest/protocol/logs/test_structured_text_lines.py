"""Unstructured text lines: the level detector's recall on common logger layouts
and its precision on ordinary prose."""

from __future__ import annotations

import pytest

from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.structured import detect_level, event_from_text_line, message_template_of

ERRORS = [
    ("2026-11-01 ERROR something failed", "error", "something failed"),
    ("2024-01-01 12:00:00,123 [main] ERROR com.foo.Bar - boom", "error", "com.foo.Bar - boom"),
    ("12:00:00.123 [http-nio-1] ERROR c.f.Bar - boom", "error", "c.f.Bar - boom"),
    ("2024-01-01T12:00:00.123+01:00 ERROR 12345 --- [main] c.f.Bar : msg", "error", None),
    ("2024-01-01 12:00:00,123 - myapp.module - ERROR - msg", "error", "msg"),
    ("ERROR:root:boom", "error", None),
    ("[2024-01-01 00:00:00,000: ERROR/MainProcess] Task x raised", "error", "Task x raised"),
    ("[2024-01-01 00:00:00 +0000] [123] [ERROR] Worker failed", "error", "Worker failed"),
    ("[2024-01-01T00:00:00Z ERROR my_crate::db] pool timed out", "error", "pool timed out"),
    ("2024-01-01T00:00:00.000000Z ERROR my_crate: boom", "error", None),
    ("E1101 12:00:00.000000   123 file.go:12] failed to sync", "error", "failed to sync"),
    ("F1101 12:00:00.000000   123 file.go:12] cannot start", "fatal", "cannot start"),
    ("E, [2024-01-01T12:00:00.123 #1234] ERROR -- : boom", "error", "boom"),
    ("2024-01-01 12:00:00 UTC [123] FATAL:  password authentication failed", "fatal", None),
    ('2024-01-01 12:00:00.123 UTC [77] ERROR:  relation "x" does not exist', "error", None),
    ("PANIC: could not write to file", "fatal", "could not write to file"),
    ("SEVERE: Servlet.service() threw exception", "error", None),
    ("error: could not connect to server", "error", "could not connect to server"),
    ("2024-05-01T10:00:00Z CRITICAL disk full", "fatal", "disk full"),
    ("01-01 12:00:00.123  1234  5678 E ActivityManager: ANR in com.app", "error", None),
    ("E/AndroidRuntime( 1234): FATAL", "error", None),
    ('ts=2024-05-01 msg="x" level=error', "error", None),
]
ORDINARY = [
    "0 errors",
    "Processed 0 errors in 3 files",
    "Error handling is fine",
    "errors=0 warnings=2",
    "2024-01-01 12:00:00 INFO error count is 3",
    "2024-01-01 INFO [main] ERROR budget: 0",
    "GET /errors 200",
    "some text ERROR later in the line",
    "Everything OK",
    "",
    "The FATAL flaw of this design",
    "2024-01-01 WARN retrying after error",
    "E",
    "Fine: all good",
]


@pytest.mark.parametrize(("text", "level", "message"), ERRORS)
def test_error_lines(text: str, level: str, message: str | None) -> None:
    event = event_from_text_line(LogLine(text=text), {"service": "svc"})
    assert event is not None, text
    assert event["level"] == level
    assert event["service"] == "svc"
    if message is not None:
        assert event["message"] == message


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_lines_are_not_errors(text: str) -> None:
    assert detect_level(text) is None


def test_syslog_severity_counts_when_the_text_has_no_level() -> None:
    line = LogLine(
        text="disk quota exceeded", meta={"level": "error", "host": "db-1"}, timestamp="2024-01-01T00:00:00Z"
    )
    event = event_from_text_line(line, {})
    assert (event["level"], event["server_name"], event["timestamp"]) == ("error", "db-1", "2024-01-01T00:00:00Z")


def test_leading_timestamp_is_read() -> None:
    event = event_from_text_line(LogLine(text="2024-01-01 12:00:00,123 ERROR boom"), {})
    assert event["timestamp"] == "2024-01-01T12:00:00.123000Z"


def test_template_masks_variable_parts() -> None:
    assert (
        message_template_of('user 42 from 10.0.0.1:5432 id=550e8400-e29b-41d4-a716-446655440000 "x"')
        == 'user <n> from <ip> id=<uuid> "<*>"'
    )
