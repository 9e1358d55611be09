"""JavaScript stacks: V8/Node (``Type: msg`` then ``    at fn (file:line:col)``,
``at file:line:col``, ``at async fn``, ``at new Foo``), Node's ``util.inspect``
output (``{ [cause]: Error: ... }`` blocks, ``[errors]: [...]`` of an AggregateError,
``[Error: msg] {`` headers), and the Firefox/Safari ``fn@url:line:col`` form.

Frames are printed innermost first and reversed here. ``[cause]`` blocks form the
chain (the cause is older, so it comes first). The sub-errors of an AggregateError
are not causes and are skipped; the AggregateError itself is kept.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import join_message, make_exception, make_frame, to_int

V8_FRAME_RE = re.compile(r"^\s*(?:eval )?at\s+(?P<text>\S.*?)\s*(?:\{|,)?\s*$")
CALL_RE = re.compile(r"^(?:(?:async|new)\s+)*(?P<func>.*?)\s+\((?P<loc>.*)\)$")
LOCATION_RE = re.compile(r"^(?P<path>.*?):(?P<lineno>\d+)(?::(?P<colno>\d+))?$")
GECKO_FRAME_RE = re.compile(r"^\s*(?P<func>[^\s@]*)@(?P<loc>\S+:\d+(?::\d+)?)\s*$")
OMITTED_RE = re.compile(r"^\s*\.\.\. (?P<n>\d+) lines matching cause stack trace \.\.\.")
CAUSE_RE = re.compile(r"^\s*\[cause\]:\s*(?P<header>.*?)\s*\{?\s*$")
ERRORS_RE = re.compile(r"^(?P<indent>\s*)\[errors\]:\s*\[\s*$")
TYPE_RE = re.compile(
    r"(?:^|(?<=[\s:\]]))(?:Uncaught\s+)?(?P<type>[A-Za-z_$][\w$.]*(?:Error|Exception)|Error)"
    r"(?:\s\[(?P<code>[\w-]+)\])?(?::\s?(?P<value>.*)|\s*$)"
)
NODE_VERSION_RE = re.compile(r"^Node\.js v\d+\.\d+\.\d+\s*$")
DETECT_RE = re.compile(r"^\s*(?:eval )?at\s+\S|^\s*[^\s@]*@\S+:\d+(?::\d+)?\s*$", re.M)


def is_frame(line: str) -> bool:
    return bool(V8_FRAME_RE.match(line) or GECKO_FRAME_RE.match(line))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a JS stack; returns exceptions oldest first (the deepest cause first)."""
    header_index = _header_index(lines)
    blocks = [_new_block(lines[header_index] if header_index is not None else "")]
    skip_indent: str | None = None
    for line in lines[(header_index + 1) if header_index is not None else 0 :]:
        if skip_indent is not None:  # inside [errors]: [ ... ]
            if line.startswith(skip_indent + "]"):
                skip_indent = None
            continue
        if match := ERRORS_RE.match(line):
            skip_indent = match["indent"]
        elif match := CAUSE_RE.match(line):
            blocks.append(_new_block(match["header"]))
        elif match := OMITTED_RE.match(line):
            blocks[-1]["omitted"] += int(match["n"])
        elif frame := _frame(line):
            blocks[-1]["frames"].append(frame)
            blocks[-1]["in_message"] = False
        elif NODE_VERSION_RE.match(line):
            break  # Node's version line closes its crash output
        elif blocks[-1]["in_message"] and line.strip() and line.strip() not in ("{", "}"):
            blocks[-1]["message"].append(line)
    if not any(block["frames"] or block["type"] for block in blocks):
        return None
    return [_exception(block) for block in reversed(blocks)]


def _header_index(lines: list[str]) -> int | None:
    """The header is the line just above the first frame (Node prints the throwing source
    line, a caret and a blank line before it), or the first line for inspect output."""
    first_frame = next((i for i, line in enumerate(lines) if is_frame(line)), len(lines))
    candidates = [i for i in range(first_frame) if lines[i].strip()]
    if not candidates:
        return None
    for index in candidates:  # util.inspect of an error without a stack: "[Error: msg] {"
        if lines[index].lstrip().startswith("[") and lines[index].rstrip().endswith("{"):
            return index
    # A message may continue over lines: walk up while the line above is not blank.
    index = candidates[-1]
    while index - 1 >= 0 and lines[index - 1].strip() and not TYPE_RE.search(lines[index]):
        index -= 1
    return index


def _new_block(header: str) -> dict[str, Any]:
    text = header.strip()
    if text.endswith("{"):
        text = text[:-1].rstrip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    match = TYPE_RE.search(text)
    if match:
        type_, value = match["type"], match["value"]
    else:
        type_, value = None, text or None
    return {"type": type_, "message": [value or ""], "frames": [], "omitted": 0, "in_message": True}


def _frame(line: str) -> Frame | None:
    match = V8_FRAME_RE.match(line)
    if match:
        text = match["text"]
        call = CALL_RE.match(text)
        func, loc = (call["func"], call["loc"]) if call else (None, text)
        return _located(func, loc)
    match = GECKO_FRAME_RE.match(line)
    if match:
        return _located(match["func"] or None, match["loc"])
    return None


def _located(func: str | None, loc: str) -> Frame:
    loc = loc.strip()
    if loc.startswith("eval at ") or "(eval at" in loc:
        loc = loc.rsplit("(", 1)[-1].rstrip(")")
    location = LOCATION_RE.match(loc)
    if location:
        return make_frame(
            path=location["path"] or None,
            function=func,
            lineno=to_int(location["lineno"]),
            colno=to_int(location["colno"]),
        )
    if func is None:  # "at a_function_name": no location at all
        return make_frame(function=loc.removeprefix("async ").removeprefix("new "))
    return make_frame(path=None if loc in ("native", "<anonymous>", "unknown location") else loc, function=func)


def _exception(block: dict[str, Any]) -> ExceptionValue:
    frames = list(reversed(block["frames"]))
    return make_exception(block["type"], join_message(block["message"]), frames, omitted=block["omitted"])
