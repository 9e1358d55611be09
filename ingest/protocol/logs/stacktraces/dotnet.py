""".NET exceptions as printed by ``Exception.ToString()`` (Framework, Core and Mono):
``Outer: msg ---> Inner: msg`` (on one line, or `` ---> `` starting a new line as .NET
Core prints it), ``   at NS.Class.Method(args) in path:line N`` frames (Mono:
``at NS.Class.Method (args) [0x00000] in path:N``), and
``--- End of inner exception stack trace ---`` separating the frames of each inner
exception (innermost first) from those of the exception that wraps it.
``--- End of stack trace from previous location ---`` (async rethrow) only separates
segments of one exception's frames.
"""

from __future__ import annotations

import re

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import join_message, make_exception, make_frame, to_int

UNHANDLED_PREFIX_RE = re.compile(r"^.*?Unhandled [Ee]xception[.:]\s*")
HEADER_RE = re.compile(r"^(?P<type>[A-Za-z_][\w.`+]*)(?::\s?(?P<value>.*))?$")
FRAME_RE = re.compile(
    r"^\s*at\s+(?P<func>.+?)\s*(?P<args>\(.*?\))?(?:\s*\[0x[0-9a-fA-F]+\])?"
    r"(?:\s+in\s+(?P<path>.+?):(?:line\s+)?(?P<lineno>\d+))?\s*$"
)
INNER_END_RE = re.compile(r"^\s*--- End of inner exception stack trace ---")
SECTION_RE = re.compile(r"^\s*--- End of stack trace from previous location")

DETECT_RE = re.compile(r" ---> |--- End of |^\s*at .*\) in .+:line \d+\s*$|^\s*at .*\[0x[0-9a-fA-F]+\]", re.M)


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a .NET exception; returns the innermost exception first."""
    headers: list[list[str]] = []  # outermost first, each [header, message lines...]
    segments: list[list[Frame]] = [[]]  # innermost exception's frames first
    for line in lines:
        if not line.strip() and not any(segments):
            continue
        if match := FRAME_RE.match(line):
            segments[-1].append(_frame(match))
        elif INNER_END_RE.match(line):
            segments.append([])
        elif SECTION_RE.match(line):
            continue
        elif not any(segments):
            _add_header_text(headers, line)
    if not headers:
        return None
    ordered = list(reversed(headers))  # innermost first = oldest first
    while len(segments) > len(ordered):  # more segments than headers: fold into the outermost
        extra = segments.pop()
        segments[-1].extend(extra)
    exceptions = []
    for index, header in enumerate(ordered):
        frames = list(reversed(segments[index])) if index < len(segments) else []
        exceptions.append(_exception(header, frames))
    return exceptions


def _add_header_text(headers: list[list[str]], line: str) -> None:
    text = line.strip()
    if not headers:
        text = UNHANDLED_PREFIX_RE.sub("", text)
    elif text.startswith("---> "):
        text = " " + text
    else:
        headers[-1].append(line)  # a message continuing over several lines
        return
    parts = text.split(" ---> ")
    for index, part in enumerate(parts):
        if part or index:
            headers.append([part.strip()])


def _frame(match: re.Match[str]) -> Frame:
    func = match["func"]
    module, _, method = func.rpartition(".")
    path = match["path"]
    if path and path.startswith("<"):
        path = None  # Mono's "<filename unknown>"
    lineno = to_int(match["lineno"]) if path else None
    return make_frame(path=path, function=method or func, module=module or None, lineno=lineno)


def _exception(header: list[str], frames: list[Frame]) -> ExceptionValue:
    match = HEADER_RE.match(header[0])
    if match:
        type_, first = match["type"], match["value"] or ""
    else:
        type_, first = None, header[0]
    module = type_.rpartition(".")[0] if type_ and "." in type_ else None
    return make_exception(type_, join_message([first, *header[1:]]), frames, module=module)
