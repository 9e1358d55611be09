"""The stateless line classifier."""

from __future__ import annotations

import pytest

from ingest.protocol.logs.detect import LineKind, classify, is_trace_start


@pytest.mark.parametrize(
    "line",
    [
        "Traceback (most recent call last):",
        "2026-11-01 12:00:00 ERROR [main] Traceback (most recent call last):",
        "  + Exception Group Traceback (most recent call last):",
        'Exception in thread "main" java.lang.NullPointerException',
        "javax.servlet.ServletException: Something bad happened",
        "System.InvalidOperationException: This is an exception",
        "Unhandled exception. System.Exception: boom",
        "panic: boom",
        "fatal error: concurrent map writes",
        "goroutine 1 [running]:",
        "thread 'main' (123) panicked at src/main.rs:1:1:",
        "PHP Fatal error:  Uncaught Exception: x in /a.php:3",
        "exception 'Exception' with message 'x' in /a.php:5",
        "Unhandled exception:",
        "app.rb:3:in 'Integer#/': divided by 0 (ZeroDivisionError)",
        " NoMethodError (undefined method `x' for nil):",
    ],
)
def test_trace_starts(line: str) -> None:
    assert is_trace_start(line)
    assert classify(line) is LineKind.TRACE_START


@pytest.mark.parametrize(
    "line",
    [
        "\tat com.example.A.b(A.java:1)",
        "    at f (/app/a.js:1:2)",
        '  File "/app/a.py", line 3, in f',
        "\tfrom app.rb:3:in 'main'",
        "Caused by: java.io.IOException: closed",
        "\t... 12 more",
        "#0 /app/a.php(3): f()",
        "Stack trace:",
        "\t/app/main.go:12 +0x1c0",
        "   0: rust_begin_unwind",
        "  --- End of inner exception stack trace ---",
    ],
)
def test_continuations(line: str) -> None:
    assert classify(line) is LineKind.TRACE_CONTINUATION
    assert not is_trace_start(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "2026-11-01 12:00:00 INFO GET /health 200",
        '127.0.0.1 - - [01/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 512',
        'level=error msg="db timeout"',
        "Error: connection refused",  # a header only with a frame after it: see multiline
        "goroutine pool size: 10",
        "thread 'main' started",
        "x" * 100_000,
    ],
)
def test_ordinary(line: str) -> None:
    assert classify(line) is LineKind.ORDINARY
