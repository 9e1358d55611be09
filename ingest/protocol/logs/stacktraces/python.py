"""Python tracebacks: ``Traceback (most recent call last):`` blocks, chained with
"The above exception was the direct cause ..." / "During handling of the above
exception ..." (printed oldest first, as the Event wants), SyntaxError blocks without
a Traceback header, and ``ExceptionGroup`` tracebacks (``  + `` / ``  | `` prefixed).

For an exception group the group itself is kept (its own frames, its ``Type: msg``
line); the sub-exceptions printed under ``+-+---- 1 ----`` are skipped: they are not
causes, and the Event has no place for siblings.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import join_message, make_exception, make_frame, to_int

TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\):\s*$")
GROUP_RE = re.compile(r"^(?P<indent>\s*)\+ Exception Group Traceback \(most recent call last\):\s*$")
FILE_RE = re.compile(r'^\s*File "(?P<path>[^"]*)", line (?P<lineno>\d+)(?:, in (?P<func>.*?))?\s*$')
EXC_LINE_RE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<value>.*))?$")
CARET_RE = re.compile(r"^\s*[\^~\-+ ]+\s*$")
CHAIN_MARKERS = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)


def detect(text: str) -> bool:
    return "Traceback (most recent call last):" in text or bool(re.search(r'^\s*File "[^"]*", line \d+', text, re.M))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a Python traceback (possibly chained) into exceptions, oldest first."""
    blocks: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    in_exc = False
    for line in _flatten_groups(lines):
        stripped = line.strip()
        if TRACEBACK_RE.search(line):
            current = {"frames": [], "exc": []}
            blocks.append(current)
            in_exc = False
            continue
        if not stripped or stripped in CHAIN_MARKERS:
            in_exc = False
            continue
        match = FILE_RE.match(line)
        if match:
            if current is None or in_exc:
                current = {"frames": [], "exc": []}
                blocks.append(current)
                in_exc = False
            current["frames"].append(_frame(match))
            continue
        if current is None:
            continue  # a log line before the traceback
        if line[:1].isspace() and not in_exc:
            _add_context(current["frames"], line)
        elif not current["exc"] or in_exc:
            current["exc"].append(line if current["exc"] else stripped)
            in_exc = True
    result = [_exception(block) for block in blocks if block["frames"] or block["exc"]]
    return result or None


def _frame(match: re.Match[str]) -> Frame:
    return make_frame(path=match["path"], function=match["func"], lineno=to_int(match["lineno"]))


def _add_context(frames: list[Frame], line: str) -> None:
    if frames and "context_line" not in frames[-1] and not CARET_RE.match(line):
        frames[-1]["context_line"] = line.strip()


def _exception(block: dict[str, Any]) -> ExceptionValue:
    type_, value = None, None
    if block["exc"]:
        first = block["exc"][0]
        match = EXC_LINE_RE.match(first)
        if match:
            type_ = match["type"]
            value = join_message([match["value"] or "", *block["exc"][1:]])
        else:
            value = join_message(block["exc"])
    return make_exception(type_, value, block["frames"])


def _flatten_groups(lines: list[str]) -> list[str]:
    """Rewrite an exception group's own lines as a plain traceback; drop sub-exceptions."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = GROUP_RE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        bar = match["indent"] + "| "
        out.append("Traceback (most recent call last):")
        i += 1
        while i < len(lines) and lines[i].startswith(bar):
            out.append(lines[i][len(bar) :])
            i += 1
        # Sub-exceptions are indented deeper than the group's own "+" column.
        deeper = match["indent"] + " "
        while i < len(lines) and (lines[i].startswith(deeper) or lines[i].startswith(match["indent"] + "+-")):
            i += 1
    return out
