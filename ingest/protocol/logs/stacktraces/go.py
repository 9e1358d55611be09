"""Go panics and runtime fatal errors: ``panic: <value>`` (or ``fatal error: ...``, or
net/http's ``http: panic serving addr: <value>``), an optional ``[signal ...]`` line,
then ``goroutine N [state]:`` sections of function lines each followed by a
tab-indented ``file:line +0xNN`` line, innermost first.

Only the first goroutine's frames are kept (the one that panicked); ``created by``
is where the goroutine was started, not a caller, so it is not a frame.

Type: Go prints a panic's value, not its type, so the type is ``runtime.Error`` when
the value starts with ``runtime error:`` (a runtime panic such as a nil dereference or
an index out of range), ``fatal error`` for an unrecoverable runtime failure, and
``panic`` otherwise. Nested panics (``panic: a`` then ``\\tpanic: b``) become a chain,
the first printed being the oldest; ``[recovered]`` re-panics of the same value collapse.
"""

from __future__ import annotations

import re

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import make_exception, make_frame, to_int

PANIC_RE = re.compile(r"^\s*panic: (?P<value>.*?)(?: \[recovered(?:, repanicked)?\])?\s*$")
FATAL_RE = re.compile(r"^\s*fatal error: (?P<value>.*?)\s*$")
HTTP_PANIC_RE = re.compile(r"panic serving \S+: (?P<value>.*?)\s*$")
GOROUTINE_RE = re.compile(r"^goroutine \d+ \[[^\]]*\]:?\s*$")
FILE_RE = re.compile(r"^\t(?P<path>.+?):(?P<lineno>\d+)(?:\s.*)?$")
DETECT_RE = re.compile(r"^goroutine \d+ \[[^\]]*\]:?\s*$", re.M)
PANIC_LINE_RE = re.compile(r"^(?:panic|fatal error): |panic serving \S+: ", re.M)


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text))


def detect_weak(text: str) -> bool:
    return bool(PANIC_LINE_RE.search(text))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a Go panic; frames of the first goroutine only, caller first."""
    panics: list[tuple[str, str]] = []
    frames: list[Frame] = []
    section = 0  # 0 = before the first goroutine, 1 = in it, 2 = after it
    for line in lines:
        if GOROUTINE_RE.match(line):
            section += 1
            continue
        if section == 0:
            _collect_panic(line, panics)
        elif section == 1:
            _collect_frame(line, frames)
    if not panics and not frames:
        return None
    if not panics:
        panics = [("panic", "")]
    frames.reverse()
    chain = [make_exception(type_, value, []) for type_, value in panics]
    chain[-1]["stacktrace"]["frames"] = frames
    return chain


def _collect_panic(line: str, panics: list[tuple[str, str]]) -> None:
    if match := PANIC_RE.match(line):
        value = match["value"]
        type_ = "runtime.Error" if value.startswith("runtime error:") else "panic"
    elif match := FATAL_RE.match(line):
        type_, value = "fatal error", match["value"]
    elif match := HTTP_PANIC_RE.search(line):
        value = match["value"]
        type_ = "runtime.Error" if value.startswith("runtime error:") else "panic"
    else:
        return
    if not panics or panics[-1] != (type_, value):
        panics.append((type_, value))


def _collect_frame(line: str, frames: list[Frame]) -> None:
    if not line.strip() or line.startswith("created by ") or line.startswith("..."):
        return
    if line.startswith("\t"):
        match = FILE_RE.match(line)
        if match and frames and frames[-1].get("lineno") is None:
            frames[-1]["filename"] = frames[-1]["abs_path"] = match["path"]
            frames[-1]["lineno"] = to_int(match["lineno"])
        return
    name = line.strip()
    if name.endswith(")") and "(" in name:
        name = name[: name.rfind("(")]
    module, function = _split_function(name)
    frames.append(make_frame(function=function, module=module))


def _split_function(name: str) -> tuple[str | None, str]:
    """``net/http.(*conn).serve`` -> (``net/http``, ``(*conn).serve``)."""
    slash = name.rfind("/")
    dot = name.find(".", slash + 1)
    if dot <= 0:
        return None, name
    return name[:dot], name[dot + 1 :]
