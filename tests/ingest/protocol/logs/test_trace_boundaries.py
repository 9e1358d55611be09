"""Where one trace ends and the next begins when nothing but their own shape separates them
(one stream, no line between them), from real recordings of the runtime corpus."""

from __future__ import annotations

from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.multiline import assemble
from tests.ingest.protocol.logs.runtime_corpus import ROOT


def _recorded(name: str) -> list[str]:
    return (ROOT / "recorded" / name).read_text().splitlines()


def _trace_sizes(lines: list[LogLine]) -> list[int]:
    return [len(block.lines) for block in assemble(lines) if block.is_trace]


def test_two_python_tracebacks_back_to_back_are_two_traces_but_a_chain_is_one() -> None:
    first, chained = _recorded("python/uncaught_keyerror.txt"), _recorded("python/chained_cause.txt")
    assert _trace_sizes([LogLine(text) for text in first + chained]) == [len(first), len(chained)]


def test_an_exception_group_ends_at_the_first_line_it_does_not_indent() -> None:
    group = _recorded("python/exception_group.txt")
    lines = [LogLine(text) for text in [*group, "INFO next request", *_recorded("python/recursion.txt")]]
    assert _trace_sizes(lines)[0] == len(group)


def test_traces_of_one_stream_seconds_apart_are_two_even_when_their_shapes_would_chain() -> None:
    # Ruby prints a cause as a second header right after the backtrace: by shape alone the
    # next crash of the same stream would read as this one's cause; its time says otherwise
    first, second = _recorded("ruby/zero_division.txt"), _recorded("ruby/no_method.txt")
    lines = [LogLine(t, stream="stderr", timestamp="2024-05-17T09:12:33.100000Z") for t in first]
    lines += [LogLine(t, stream="stderr", timestamp="2024-05-17T09:12:40.100000Z") for t in second]
    assert _trace_sizes(lines) == [len(first), len(second)]


def test_a_writer_prefix_is_removed_and_the_line_keeps_its_own_indentation() -> None:
    trace = _recorded("python/uncaught_keyerror.txt")
    lines = [LogLine(f"2024-05-17 09:12:33,{n:03d} [4242] ERROR {text}") for n, text in enumerate(trace)]
    [block] = [block for block in assemble(lines) if block.is_trace]
    assert [line.text for line in block.lines] == trace
    assert block.stream == "[4242]" and block.lines[0].timestamp == "2024-05-17T09:12:33Z"


def test_node_crash_banner_and_version_line_belong_to_the_trace() -> None:
    crash = _recorded("node/type_error.txt")
    [block] = [block for block in assemble(LogLine(text) for text in crash) if block.is_trace]
    assert block.lines[0].text.endswith("type_error.js:3") and block.lines[-1].text.startswith("Node.js v")
