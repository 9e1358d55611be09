"""Helpers shared by the per-language stack-trace parsers (pure: no Django import)."""

from __future__ import annotations

import re

from ingest.protocol.event import ExceptionValue, Frame

ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")

# A line that is most likely the start of the next log record rather than part of a
# multi-line message: a date/time, a bracketed prefix, a level word, a JSON object,
# a syslog priority, a glog/klog header or a key=value record.
LOG_RECORD_RE = re.compile(
    r"(?:\d{4}[-/]\d\d[-/]\d\d|\d\d:\d\d:\d\d|\[|\{|<\d{1,3}>|[IWEF]\d{4} |"
    r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|SEVERE)\b|"
    r"(?:level|lvl|time|ts|msg)=|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d)"
)


def strip_ansi(text: str) -> str:
    """Remove ANSI colour/cursor escape sequences (cheap when there are none)."""
    return ANSI_RE.sub("", text) if "\x1b" in text else text


def text_lines(text: str) -> list[str]:
    """Split a trace into lines: ANSI codes removed, CRLF/CR handled, trailing spaces kept."""
    return strip_ansi(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def make_frame(
    *,
    path: str | None = None,
    function: str | None = None,
    module: str | None = None,
    lineno: int | None = None,
    colno: int | None = None,
    context_line: str | None = None,
) -> Frame:
    """Build a Frame; ``in_app`` stays None because project rules decide it later."""
    frame: Frame = {"filename": path, "abs_path": path if path and _is_absolute(path) else None}
    frame["function"] = function or None
    frame["module"] = module or None
    frame["lineno"] = lineno
    frame["colno"] = colno
    frame["in_app"] = None
    if context_line is not None:
        frame["context_line"] = context_line
    return frame


def make_exception(
    type_: str | None,
    value: str | None,
    frames: list[Frame],
    *,
    module: str | None = None,
    omitted: int | None = None,
) -> ExceptionValue:
    """Build one ExceptionValue with the ``log`` mechanism (handled is unknown from a log)."""
    exc: ExceptionValue = {
        "type": type_ or None,
        "value": value if value else None,
        "mechanism": {"type": "log", "handled": None},
        "stacktrace": {"frames": frames},
    }
    if module:
        exc["module"] = module
    if omitted:
        exc["stacktrace"]["frames_omitted"] = omitted
    return exc


def to_int(text: str | None) -> int | None:
    """``int(text)`` for a run of digits, None otherwise (never raises)."""
    if text and text.isdigit() and len(text) < 10:
        return int(text)
    return None


def join_message(lines: list[str]) -> str | None:
    """Join message lines with ``\\n`` without trailing blank lines; None when empty."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    text = "\n".join(lines)
    return text if text.strip() else None


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or "://" in path or (len(path) > 2 and path[1] == ":")
