"""Rust panics: ``thread 'main' panicked at src/main.rs:5:9:`` with the message on the
following line(s) (Rust >= 1.73; newer versions add the thread id, ``'main' (123)``),
or ``thread 'main' panicked at 'msg', src/main.rs:2:5`` (older), optionally followed
by ``stack backtrace:`` and ``  N: function`` / ``at path:line:col`` frame pairs.

Type is ``panic``. Without a backtrace the panic location is the only frame.
"""

from __future__ import annotations

import re

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import join_message, make_exception, make_frame, to_int

HEADER_RE = re.compile(r"thread '(?P<thread>[^']*)'(?: \(\d+\))? panicked at (?P<rest>.*?)\s*$")
OLD_REST_RE = re.compile(r"^'(?P<msg>.*)'(?:, (?P<loc>\S+))?$")
LOC_RE = re.compile(r"^(?P<path>.+?):(?P<lineno>\d+)(?::(?P<colno>\d+))?:?$")
FRAME_RE = re.compile(r"^\s*\d+:\s+(?:0x[0-9a-f]+ - )?(?P<func>.+?)\s*$")
AT_RE = re.compile(r"^\s+at (?P<loc>.+?)\s*$")
DETECT_RE = re.compile(r"thread '[^']*'(?: \(\d+\))? panicked at")


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a Rust panic into one ``panic`` exception."""
    start = next((i for i, line in enumerate(lines) if HEADER_RE.search(line)), None)
    if start is None:
        return None
    header = HEADER_RE.search(lines[start])
    assert header is not None  # start is the index of the line it matched
    rest = header["rest"]
    old = OLD_REST_RE.match(rest)
    message: list[str] = [old["msg"]] if old else []
    location = LOC_RE.match(old["loc"] if old and old["loc"] else rest) if (not old or old["loc"]) else None
    frames: list[Frame] = []
    in_backtrace = False
    for line in lines[start + 1 :]:
        if line.startswith("stack backtrace:"):
            in_backtrace = True
        elif line.startswith("note: "):
            continue
        elif in_backtrace:
            _backtrace_line(line, frames)
        elif not old:
            message.append(line)
    if not frames and location:
        frames = [_location_frame(location, None)]
    return [make_exception("panic", join_message(message), list(reversed(frames)))]


def _backtrace_line(line: str, frames: list[Frame]) -> None:
    if match := AT_RE.match(line):
        location = LOC_RE.match(match["loc"])
        if location and frames and frames[-1].get("lineno") is None:
            located = _location_frame(location, None)
            for key in ("filename", "abs_path", "lineno", "colno"):
                frames[-1][key] = located[key]
    elif match := FRAME_RE.match(line):
        func = match["func"]
        module = func.rpartition("::")[0] or None
        frames.append(make_frame(function=func, module=module))


def _location_frame(location: re.Match[str], function: str | None) -> Frame:
    return make_frame(
        path=location["path"],
        function=function,
        lineno=to_int(location["lineno"]),
        colno=to_int(location["colno"]),
    )
