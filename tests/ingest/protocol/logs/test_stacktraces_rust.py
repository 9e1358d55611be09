"""Rust panics: new (message on the next line, thread id) and old formats, backtraces."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("rust"), ids=lambda p: p.name)
def test_captured_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_old_format_single_line() -> None:
    (exc,) = parse_trace(
        "thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 5', src/main.rs:4:5"
    )
    assert exc["value"] == "index out of bounds: the len is 3 but the index is 5"
    (frame,) = exc["stacktrace"]["frames"]
    assert (frame["filename"], frame["lineno"], frame["colno"]) == ("src/main.rs", 4, 5)


def test_backtrace_frames_caller_first() -> None:
    text = (
        "thread 'main' panicked at src/main.rs:2:5:\nboom\nstack backtrace:\n"
        "   0: app::inner\n             at ./src/main.rs:2:5\n   1: app::main\n             at ./src/main.rs:6:5\n"
    )
    frames = parse_trace(text)[0]["stacktrace"]["frames"]
    assert [f["function"] for f in frames] == ["app::main", "app::inner"]
    assert frames[0]["module"] == "app"
