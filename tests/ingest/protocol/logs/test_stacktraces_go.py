"""Go panics: first goroutine only, created by is not a frame, runtime errors typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace, parse_trace_with_language
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("go"), ids=lambda p: p.name)
def test_captured_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_function_module_split_and_file_lines() -> None:
    text = (
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]\n\n"
        "goroutine 7 [running]:\n"
        "net/http.(*conn).serve(0xc0001)\n\t/usr/local/go/src/net/http/server.go:1847 +0x646\n"
        "created by net/http.(*Server).Serve in goroutine 1\n\t/usr/local/go/src/net/http/server.go:2851 +0x2f5\n\n"
        "goroutine 1 [IO wait]:\nmain.main()\n\t/app/main.go:3 +0x1\n"
    )
    language, (exc,) = parse_trace_with_language(text)
    assert language == "go"
    assert exc["type"] == "runtime.Error"
    (frame,) = exc["stacktrace"]["frames"]
    assert (frame["module"], frame["function"], frame["lineno"]) == ("net/http", "(*conn).serve", 1847)


def test_fatal_error() -> None:
    chain = parse_trace(
        "fatal error: all goroutines are asleep - deadlock!\n\n"
        "goroutine 1 [chan receive]:\nmain.main()\n\t/app/main.go:5 +0x2d\n"
    )
    assert (chain[-1]["type"], chain[-1]["value"]) == ("fatal error", "all goroutines are asleep - deadlock!")


def test_nested_panic_is_a_chain() -> None:
    chain = parse_trace("panic: first [recovered]\n\tpanic: second\n\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1\n")
    assert [e["value"] for e in chain] == ["first", "second"]
    assert len(chain[-1]["stacktrace"]["frames"]) == 1
