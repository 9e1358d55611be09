"""JVM stack traces (Java, Kotlin, Scala) as printed by ``Throwable.printStackTrace``
and the logging frameworks: a header ``[Exception in thread "t"] pkg.Type: message``
(the message may continue over several lines before the first ``at``), ``at`` frames
(innermost first), ``... N more`` / ``... N common frames omitted``, ``Caused by:``
blocks (each the cause of the block above) and ``Suppressed:`` blocks, which are
indented deeper and skipped: a suppressed exception is not part of the cause chain.

``type`` keeps the name as printed (``java.lang.IllegalStateException``) and
``module`` is its package (``java.lang``); a frame's ``module`` is the fully
qualified class and ``function`` the method, as the Sentry Java SDK sends them.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import join_message, make_exception, make_frame, to_int

THREAD_PREFIX_RE = re.compile(r"^.*?Exception in thread \"[^\"]*\"\s*")
QUALIFIED_HEADER_RE = re.compile(
    r"^\s*(?P<type>(?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Failure|Fault))"
    r"(?::\s?(?P<value>.*)|\s*:?\s*$)"
)
TYPE_IN_LINE_RE = re.compile(
    r"(?:^|(?<=[\s:\]\)]))(?P<type>(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*"
    r"(?:Exception|Error|Throwable|Failure|Fault))(?::\s?(?P<value>.*)|\[(?P<bracket>.*)\]\s*|\s*$)"
)
GENERIC_HEADER_RE = re.compile(r"^(?P<type>[A-Za-z_$][\w$.]*)(?::\s?(?P<value>.*))?$")
FRAME_RE = re.compile(r"^\s*at\s+(?:[\w.$-]+(?:@[\w.\-]+)?/)*(?P<func>[^\s()]+)\s*\((?P<loc>[^()]*)\)")
ANY_FRAME_RE = re.compile(r"^\s*at\s+(?P<text>\S.*?)\s*$")
OMITTED_RE = re.compile(r"^\s*\.\.\.\s*(?P<n>\d+)\s+(?:more|common frames omitted)")
CAUSED_RE = re.compile(r"^\s*Caused by:\s*(?P<header>.*)$")
SUPPRESSED_RE = re.compile(r"^(?P<indent>\s*)Suppressed:\s")


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """Parse a JVM trace; returns exceptions oldest first (the deepest cause first)."""
    start = _header_index(lines)
    if start is None:  # frames without a header (the header was logged elsewhere)
        start = -1
    blocks = [_new_block(lines[start] if start >= 0 else "", thread_header=True)]
    suppressed_indent: int | None = None
    for line in lines[start + 1 :]:
        indent = len(line) - len(line.lstrip())
        if suppressed_indent is not None:
            if indent > suppressed_indent or not line.strip():
                continue
            suppressed_indent = None
        block = blocks[-1]
        if SUPPRESSED_RE.match(line):
            suppressed_indent = indent
        elif match := CAUSED_RE.match(line):
            blocks.append(_new_block(match["header"], thread_header=False))
        elif match := OMITTED_RE.match(line):
            block["omitted"] += int(match["n"])
        elif ANY_FRAME_RE.match(line):
            block["frames"].append(_frame(line))
            block["in_message"] = False
        elif block["in_message"]:
            block["message"].append(line)
    return [_exception(block) for block in reversed(blocks)]


def _header_index(lines: list[str]) -> int | None:
    """The header is the first ``Exception in thread``/qualified-type line before any frame."""
    first_text = None
    for index, line in enumerate(lines):
        if ANY_FRAME_RE.match(line) or CAUSED_RE.match(line):
            break
        if "Exception in thread" in line or QUALIFIED_HEADER_RE.match(line):
            return index
        if first_text is None and line.strip():
            first_text = index
    return first_text


def _new_block(header: str, *, thread_header: bool) -> dict[str, Any]:
    type_, value = _split_header(header, thread_header=thread_header)
    return {"type": type_, "message": [value or ""], "frames": [], "omitted": 0, "in_message": True}


def _split_header(header: str, *, thread_header: bool) -> tuple[str | None, str | None]:
    text = header.strip()
    if thread_header and "Exception in thread" in text:
        text = THREAD_PREFIX_RE.sub("", text)
        match = GENERIC_HEADER_RE.match(text)
        return (match["type"], match["value"]) if match else (None, text or None)
    match = TYPE_IN_LINE_RE.search(text)
    if match:
        value = match["value"] if match["bracket"] is None else match["bracket"]
        return match["type"], value
    match = GENERIC_HEADER_RE.match(text)
    if match:
        return match["type"], match["value"]
    return None, text or None


def _frame(line: str) -> Frame:
    match = FRAME_RE.match(line)
    if not match:  # malformed frame (e.g. a truncated line): keep the text as the function
        any_frame = ANY_FRAME_RE.match(line)
        assert any_frame is not None  # the caller took this line as a frame because it matched
        return make_frame(function=any_frame["text"])
    qualified = match["func"]
    cls, _, method = qualified.rpartition(".")
    path, lineno = None, None
    loc = match["loc"]
    if ":" in loc:
        path, _, number = loc.rpartition(":")
        lineno = to_int(number)
    elif loc and loc not in ("Native Method", "Unknown Source"):
        path = loc
    return make_frame(path=path, function=method or qualified, module=cls or None, lineno=lineno)


def _exception(block: dict[str, Any]) -> ExceptionValue:
    frames = list(reversed(block["frames"]))
    type_ = block["type"]
    module = type_.rpartition(".")[0] if type_ and "." in type_ else None
    value = join_message(block["message"])
    return make_exception(type_, value, frames, module=module, omitted=block["omitted"])
