"""Python tracebacks: plain, chained (cause / context), exception groups, SyntaxError, logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace, parse_trace_with_language
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("python"), ids=lambda p: p.name)
def test_captured_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_frames_are_caller_first_with_context_line() -> None:
    text = (
        "2026-11-01 12:00:00 ERROR [main] Traceback (most recent call last):\n"
        '  File "/app/run.py", line 9, in <module>\n'
        "    main()\n"
        '  File "/app/run.py", line 5, in main\n'
        "    return 1 / 0\n"
        "           ~~^~~\n"
        "ZeroDivisionError: division by zero\n"
    )
    language, chain = parse_trace_with_language(text)
    assert language == "python"
    (exc,) = chain
    assert (exc["type"], exc["value"]) == ("ZeroDivisionError", "division by zero")
    frames = exc["stacktrace"]["frames"]
    assert [f["function"] for f in frames] == ["<module>", "main"]
    assert frames[-1]["lineno"] == 5
    assert frames[-1]["context_line"] == "return 1 / 0"
    assert frames[-1]["abs_path"] == "/app/run.py"


def test_chain_is_oldest_first() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "a.py", line 1, in f\n'
        "KeyError: 'x'\n"
        "\n"
        "During handling of the above exception, another exception occurred:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 3, in f\n'
        "app.errors.LookupFailed: x missing\n"
    )
    chain = parse_trace(text)
    assert [e["type"] for e in chain] == ["KeyError", "app.errors.LookupFailed"]


def test_bare_exception_without_message() -> None:
    chain = parse_trace('Traceback (most recent call last):\n  File "a.py", line 1, in f\nKeyboardInterrupt\n')
    assert chain[-1]["type"] == "KeyboardInterrupt"
    assert chain[-1]["value"] is None


def test_ansi_and_crlf() -> None:
    text = '\x1b[31mTraceback (most recent call last):\x1b[0m\r\n  File "a.py", line 2, in g\r\nValueError: bad\r\n'
    assert parse_trace(text)[-1]["value"] == "bad"
