"""Ruby backtraces. CLI form: ``file:line:in 'method': message (Type)`` (the header is
itself the innermost frame) then ``\\tfrom file:line:in 'method'`` lines; Ruby >= 3.4
quotes with ``'Class#method'`` instead of a backtick. A ``cause`` is printed after the
backtrace as another header with its own ``from`` lines. Rails log form:
`` Type (message):`` then (after an optional blank line) ``file:line:in `method'`` lines.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import make_exception, make_frame, to_int

CLI_HEADER_RE = re.compile(
    r"(?:^|\s)(?P<path>[^\s:][^\s]*?):(?P<lineno>\d+):in [`'](?P<func>[^`']*)['`]: "
    r"(?P<value>.*) \((?P<type>[A-Z][\w:]*)\)\s*$"
)
RAILS_HEADER_RE = re.compile(r"^\s*(?P<type>[A-Z][\w:]*) \((?P<value>.*)\):\s*$")
FROM_RE = re.compile(r"^\s+from (?P<path>.+?):(?P<lineno>\d+)(?::in [`'](?P<func>.*)['`])?\s*$")
RAILS_FRAME_RE = re.compile(r"^\s*(?P<path>\S.*?):(?P<lineno>\d+):in [`'](?P<func>.*)['`]\s*$")
DETECT_RE = re.compile(r":\d+:in [`'][^`']*['`]: .* \([A-Z][\w:]*\)\s*$|^\s+from \S+:\d+:in [`']", re.M)
RAILS_DETECT_RE = re.compile(r"^\s*[A-Z][\w:]* \(.*\):\s*$", re.M)
RAILS_FRAMES_RE = re.compile(r"^\s*\S.*?:\d+:in [`'].*['`]\s*$", re.M)


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text)) or (bool(RAILS_DETECT_RE.search(text)) and bool(RAILS_FRAMES_RE.search(text)))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a Ruby backtrace; returns the cause first, the raised exception last."""
    blocks: list[dict[str, Any]] = []
    for line in lines:
        if match := CLI_HEADER_RE.search(line):
            blocks.append({"type": match["type"], "value": match["value"], "frames": [_frame(match)]})
        elif match := FROM_RE.match(line):
            _append(blocks, _frame(match))
        elif not blocks and (match := RAILS_HEADER_RE.match(line)):
            blocks.append({"type": match["type"], "value": match["value"], "frames": []})
        elif match := RAILS_FRAME_RE.match(line):
            _append(blocks, _frame(match))
    if not blocks:
        return None
    return [
        make_exception(block["type"], block["value"], list(reversed(block["frames"]))) for block in reversed(blocks)
    ]


def _append(blocks: list[dict[str, Any]], frame: Frame) -> None:
    if not blocks:
        blocks.append({"type": None, "value": None, "frames": []})
    blocks[-1]["frames"].append(frame)


def _frame(match: re.Match[str]) -> Frame:
    func = match["func"]
    if func and ("#" in func or (func[:1].isupper() and "." in func)):
        # Ruby 3.4 labels methods with their owner: 'Integer#/' or 'Foo.bar'.
        owner, _, name = func.rpartition("#") if "#" in func else func.rpartition(".")
        return make_frame(path=match["path"], function=name, module=owner, lineno=to_int(match["lineno"]))
    return make_frame(path=match["path"], function=func, lineno=to_int(match["lineno"]))
