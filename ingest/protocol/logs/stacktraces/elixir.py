"""Elixir exceptions as the runtime and Logger print them: ``** (Type) message`` then
frames indented by four spaces, innermost first — ``(app 1.0.0) lib/a.ex:12: Mod.fun/2``,
``a.exs:3: Mod.fun/1`` (no application), or ``:erlang.div(100, 0)`` (a BIF called
with its arguments). A GenServer crash report (Logger's ``GenServer X terminating``)
follows the frames with ``Last message ...``/``State: ...``/``Client ... is alive``
and the client's own stack: those belong to the report, not to the crashed process's
frames, so only the frames directly under the ``**`` line are the exception's.
"""

from __future__ import annotations

import re

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import make_exception, make_frame, to_int

HEADER_RE = re.compile(r"^\s*\*\* \((?P<type>[A-Z][\w.]*|[a-z]\w*)\) ?(?P<value>.*)$")
FRAME_RE = re.compile(
    r"^ {4}(?:\((?P<app>[\w.-]+)(?: [\w.+-]+)?\) )?(?P<path>[^\s:()]+):(?P<lineno>\d+): (?P<func>\S.*?)\s*$"
)
BIF_RE = re.compile(r"^ {4}(?P<func>:?[\w.]+\.[\w?!]+)(?:\((?P<args>.*)\)|/\d+)\s*$")
DETECT_RE = re.compile(r"^\s*\*\* \([A-Za-z][\w.]*\) ", re.M)


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """The first ``** (Type)`` exception and the frames printed right under it."""
    start = next((i for i, line in enumerate(lines) if HEADER_RE.match(line)), None)
    if start is None:
        return None
    header = HEADER_RE.match(lines[start])
    assert header is not None
    value: list[str] = [header["value"]]
    frames: list[Frame] = []
    for line in lines[start + 1 :]:
        frame = _frame(line)
        if frame is not None:
            frames.append(frame)
        elif frames:
            break  # the report after the frames (last message, state, the client's stack)
        elif line.strip():
            value.append(line.strip())  # a message continued over several lines
    message = "\n".join(part for part in value if part) or None
    return [make_exception(header["type"], message, list(reversed(frames)))]


def _frame(line: str) -> Frame | None:
    if match := FRAME_RE.match(line):
        module, _, function = match["func"].rpartition(".")
        return make_frame(
            path=match["path"],
            function=function or match["func"],
            module=module or None,
            lineno=to_int(match["lineno"]),
        )
    if match := BIF_RE.match(line):
        module, _, function = match["func"].rpartition(".")
        return make_frame(function=function, module=module or None)
    return None
