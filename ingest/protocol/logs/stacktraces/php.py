"""PHP uncaught exceptions: ``PHP Fatal error:  Uncaught Type: msg in /path:line``
(PHP >= 7) or ``exception 'Type' with message 'msg' in /path:line`` (PHP 5), then
``Stack trace:`` and ``#N /path(line): function()`` lines up to ``#N {main}``, and
``  thrown in ... on line N``. With previous exceptions PHP prints the oldest first
and each newer one after ``Next``, which is already the Event's order.
``{main}`` and ``[internal function]`` entries are kept as frames.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import make_exception, make_frame, to_int

HEADER_RE = re.compile(
    r"(?:Uncaught |^Next )(?P<type>[\w\\]+)(?:: (?P<value>.*?))? in (?P<path>.+):(?P<lineno>\d+)\s*$"
)
OLD_HEADER_RE = re.compile(
    r"(?:^|\s)(?:Uncaught |Next )?exception '(?P<type>[\w\\]+)' with message '(?P<value>.*)' "
    r"in (?P<path>.+):(?P<lineno>\d+)\s*$"
)
OPEN_HEADER_RE = re.compile(r"(?:Uncaught |^Next )(?P<type>[\w\\]+)(?:: (?P<value>.*))?$")
FRAME_RE = re.compile(
    r"^#(?P<n>\d+) (?:(?P<path>.+?)\((?P<lineno>\d+)\)|\[internal function\]|(?P<main>\{main\}))"
    r"(?:: (?P<func>.*?))?\s*$"
)
DETECT_RE = re.compile(
    r"^Stack trace:\s*$|(?:Fatal error|fatal error):\s+Uncaught |exception '[\w\\]+' with message", re.M
)


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a PHP fatal error trace; returns the oldest exception first."""
    blocks: list[dict[str, Any]] = []
    for line in lines:
        match = OLD_HEADER_RE.search(line) or HEADER_RE.search(line)
        if match is None and not line.startswith("#"):
            match = OPEN_HEADER_RE.search(line)  # the message continues on the next lines
        if match and not line.startswith("#"):
            blocks.append({"type": match["type"], "value": match["value"], "frames": []})
        elif (frame := FRAME_RE.match(line)) and blocks:
            blocks[-1]["frames"].append(_frame(frame))
    if not blocks:
        return None
    return [make_exception(block["type"], block["value"], list(reversed(block["frames"]))) for block in blocks]


def _frame(match: re.Match[str]) -> Frame:
    if match["main"]:
        return make_frame(function="{main}")
    func = match["func"]
    module = None
    if func:
        func = func.split("(", 1)[0]
        for sep in ("->", "::"):
            if sep in func:
                module, _, func = func.partition(sep)
                break
    return make_frame(path=match["path"], function=func, module=module, lineno=to_int(match["lineno"]))
