"""Hypothesis: parsing and assembling never raise and stay bounded on arbitrary text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.protocol.logs.detect import classify
from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.multiline import assemble, events_from_blocks
from ingest.protocol.logs.stacktraces import parse_trace_with_language
from tests.budget import cpu_budget

# Pieces of real trace syntax so the fuzzer reaches the parsers' inner branches.
PIECES = [
    "Traceback (most recent call last):",
    '  File "a.py", line 1, in f',
    "  + Exception Group Traceback (most recent call last):",
    "  | ",
    "  +-+---- 1 ----",
    "ValueError: x",
    "\tat a.B.c(B.java:1)",
    "Caused by: x.Y: z",
    "\t... 3 more",
    "\tSuppressed: q.E",
    "panic: p",
    "goroutine 1 [running]:",
    "main.main()",
    "\t/a.go:1 +0x1",
    "thread 'm' panicked at src/a.rs:1:1:",
    "stack backtrace:",
    "   0: f",
    "      at a.rs:1:1",
    "PHP Fatal error:  Uncaught E: m in /a.php:1",
    "Stack trace:",
    "#0 /a.php(1): f()",
    "#1 {main}",
    "Next E: n in /a.php:2",
    "Unhandled exception:",
    "#0      main (file:///a.dart:1:1)",
    "a.rb:1:in 'm': x (E)",
    "\tfrom a.rb:2:in 'n'",
    " E (m):",
    "System.X: a ---> System.Y: b",
    "   at A.B() in c.cs:line 1",
    "--- End of inner exception stack trace ---",
    "    at f (a.js:1:2) {",
    "  [cause]: Error: c",
    "}",
    "[errors]: [",
    "]",
    "f@https://a/b.js:1:2",
    "",
    "\x1b[31m",
    "\r",
]
text_lines = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=60)), max_size=60)


@settings(max_examples=400, deadline=None)
@given(text_lines)
def test_parse_trace_never_raises(lines: list[str]) -> None:
    with cpu_budget(5.0, "parsing one trace"):
        result = parse_trace_with_language("\n".join(lines))
    assert result is None or (isinstance(result[0], str) and isinstance(result[1], list))


@settings(max_examples=300, deadline=None)
@given(text_lines, st.lists(st.sampled_from(["", "a", "b"]), min_size=1, max_size=3))
def test_assemble_never_raises_and_keeps_every_line(lines: list[str], streams: list[str]) -> None:
    records = [LogLine(text=text, stream=streams[i % len(streams)]) for i, text in enumerate(lines)]
    with cpu_budget(5.0, "assembling one log"):
        blocks = list(assemble(records, max_lines=20))
        for line in lines:
            classify(line)
        list(events_from_blocks(blocks, defaults={}))
    total = sum(len(block.lines) for block in blocks)
    if not any(block.truncated for block in blocks):
        assert total == len(lines)  # nothing lost, nothing duplicated


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_unicode(text: str) -> None:
    parse_trace_with_language(text)
    list(assemble(LogLine(text=part) for part in text.split("\n")))
