"""Dart VM errors: ``Unhandled exception:`` then the error's ``toString()`` (one or more
lines) then ``#N      function (uri:line:col)`` frames, innermost first, with
``<asynchronous suspension>`` markers between async gaps.

Most Dart errors print only ``toString()``, without the class name; where that string
has a well-known prefix (``Bad state:`` for StateError ...) the type is filled in,
otherwise it stays None and the whole text is the value.
"""

from __future__ import annotations

import re

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import join_message, make_exception, make_frame, to_int

HEADER = "Unhandled exception:"
FRAME_RE = re.compile(r"^#(?P<n>\d+)\s+(?P<func>.+?) \((?P<loc>.+)\)\s*$")
LOC_RE = re.compile(r"^(?P<path>.+?)(?::(?P<lineno>\d+))?(?::(?P<colno>\d+))?$")
TYPE_RE = re.compile(r"^(?P<type>(?:[A-Z]\w*)?(?:Exception|Error))(?P<rest>[ :].*)?$", re.S)
KNOWN_PREFIXES = {
    "Bad state: ": "StateError",
    "Invalid argument(s)": "ArgumentError",
    "Unsupported operation: ": "UnsupportedError",
    "Concurrent modification during iteration": "ConcurrentModificationError",
    "Stack Overflow": "StackOverflowError",
    "Out of Memory": "OutOfMemoryError",
    "Assertion failed": "AssertionError",
}
DETECT_RE = re.compile(r"^Unhandled exception:\s*$|^#\d+\s{2,}\S.* \(\S+:\d+(?::\d+)?\)\s*$", re.M)


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a Dart unhandled-exception trace into one exception."""
    message: list[str] = []
    frames: list[Frame] = []
    seen_header = False
    for line in lines:
        if not seen_header and line.strip() == HEADER:
            seen_header = True
        elif match := FRAME_RE.match(line):
            frames.append(_frame(match))
        elif seen_header and not frames:
            message.append(line)
    if not frames and not seen_header:
        return None
    type_, value = _split(join_message(message))
    return [make_exception(type_, value, list(reversed(frames)))]


def _split(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    match = TYPE_RE.match(text)
    if match:
        rest = (match["rest"] or "").removeprefix(":").strip()
        return match["type"], rest or None
    for prefix, type_ in KNOWN_PREFIXES.items():
        if text.startswith(prefix):
            return type_, text
    return None, text


def _frame(match: re.Match[str]) -> Frame:
    loc = LOC_RE.match(match["loc"])
    assert loc is not None  # FRAME_RE's loc is never empty, and LOC_RE matches any non-empty text
    return make_frame(
        path=loc["path"],
        function=match["func"],
        lineno=to_int(loc["lineno"]),
        colno=to_int(loc["colno"]),
    )
