"""The assembler: per-stream grouping, promotion of a header, tentative lines, bounds."""

from __future__ import annotations

from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.multiline import Assembler, assemble, events_from_blocks

PY_TRACE = [
    "Traceback (most recent call last):",
    '  File "/app/a.py", line 2, in f',
    "    g()",
    "ValueError: bad",
]


def _lines(texts: list[str], stream: str = "") -> list[LogLine]:
    return [LogLine(text=text, stream=stream) for text in texts]


def test_ordinary_lines_are_single_blocks_in_order() -> None:
    blocks = list(assemble(_lines(["a", "b", "c"])))
    assert [(b.is_trace, b.lines[0].text) for b in blocks] == [(False, "a"), (False, "b"), (False, "c")]


def test_trace_ends_at_first_non_continuation() -> None:
    blocks = list(assemble(_lines(["before", *PY_TRACE, "after"])))
    assert [(b.is_trace, len(b.lines)) for b in blocks] == [(False, 1), (True, 4), (False, 1)]


def test_interleaved_streams_are_kept_apart() -> None:
    mixed = []
    for index, text in enumerate(PY_TRACE):
        mixed.append(LogLine(text=text, stream="web"))
        mixed.append(LogLine(text=f"worker line {index}", stream="worker"))
    blocks = list(assemble(mixed))
    traces = [b for b in blocks if b.is_trace]
    assert len(traces) == 1 and traces[0].stream == "web" and len(traces[0].lines) == 4
    assert sum(1 for b in blocks if b.stream == "worker") == 4


def test_header_line_is_promoted_by_a_frame() -> None:
    blocks = list(assemble(_lines(["noise", "TypeError: x is undefined", "    at f (/a.js:1:2)", "done"])))
    assert [(b.is_trace, b.lines[0].text) for b in blocks] == [
        (False, "noise"),
        (True, "TypeError: x is undefined"),
        (False, "done"),
    ]


def test_blank_lines_join_only_when_the_trace_continues() -> None:
    texts = ["panic: boom", "", "goroutine 1 [running]:", "main.main()", "\t/a.go:3 +0x1", "", "exit status 2"]
    blocks = list(assemble(_lines(texts)))
    assert [(b.is_trace, len(b.lines)) for b in blocks] == [(True, 5), (False, 1), (False, 1)]


def test_error_log_line_before_a_traceback_is_adopted() -> None:
    blocks = list(assemble(_lines(["2026-11-01 ERROR [w] job failed", *PY_TRACE])))
    (event,) = events_from_blocks(blocks, defaults={"project_id": 3, "tags": {"a": "b"}})
    assert event["message"] == "2026-11-01 ERROR [w] job failed"
    assert event["platform"] == "python" and event["project_id"] == 3 and event["tags"] == {"a": "b"}


def test_ansi_and_crlf_are_stripped() -> None:
    texts = ["\x1b[31mTraceback (most recent call last):\x1b[0m\r", '  File "a.py", line 1, in f\r', "KeyError: 'k'\r"]
    (block,) = list(assemble(_lines(texts)))
    assert block.is_trace and block.lines[0].text == "Traceback (most recent call last):"


def test_timestamp_comes_from_the_first_line() -> None:
    lines = _lines(PY_TRACE)
    lines[0].timestamp = "2026-11-01T12:00:00Z"
    (event,) = events_from_blocks(assemble(lines), defaults={})
    assert event["timestamp"] == "2026-11-01T12:00:00Z"


def test_endless_trace_is_cut_and_the_rest_dropped() -> None:
    def endless():
        yield LogLine(text="java.lang.IllegalStateException: loop")
        for index in range(100_000):
            yield LogLine(text=f"\tat a.B.m{index}(B.java:{index})")
        yield LogLine(text="next record")

    blocks = list(assemble(endless(), max_lines=50))
    assert [(b.is_trace, len(b.lines), b.truncated) for b in blocks] == [(True, 50, True), (False, 1, False)]


def test_huge_line_is_cut() -> None:
    blocks = list(assemble([LogLine(text="x" * 10_000_000)], max_chars=1000))
    assert len(blocks[0].lines[0].text) == 1000


def test_streaming_assembler_feed_and_flush() -> None:
    assembler = Assembler()
    out = []
    for line in _lines(PY_TRACE):
        out.extend(assembler.feed(line))
    assert out == []  # the trace may still continue
    (block,) = assembler.flush()
    assert block.is_trace and assembler.flush() == []


def test_header_alone_is_not_a_trace() -> None:
    blocks = list(assemble(_lines(["java.io.IOException: broken pipe", "next line"])))
    assert not any(b.is_trace for b in blocks)
    assert list(events_from_blocks(blocks, defaults={})) == []
