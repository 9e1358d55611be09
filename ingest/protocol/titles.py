"""An issue's title and culprit, as Sentry computes them (pure: no Django import).

Title: ``Type: value`` of the outermost exception (the value's first line, at
most ``TITLE_VALUE_CHARS``), else the first line of the message, else
``<unlabeled event>``; the whole title at most ``limit`` characters.

Culprit, in Sentry's order of precedence: the ``culprit`` an (older) SDK sent,
the transaction, the culprit frame of the event's stack, else the request URL
without its query string; at most ``CULPRIT_CHARS``. The stack is the outermost
exception that has frames, else the top-level ``stacktrace``, else the crashed
thread's. The culprit frame is the last in-app frame, else the last frame. How
a frame reads depends on its platform (the frame's own, else the event's):

- native, Cocoa, Objective-C: the function (``?`` when unknown) — native paths
  say nothing to a reader;
- JavaScript and Node: ``function(location)``;
- every other platform: ``location in function``;

where location is the frame's module, else its file name (else its path), and a
frame with no location has no culprit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingest.protocol.platforms import JAVASCRIPT_PLATFORMS, NATIVE_PLATFORMS, frame_platform

TITLE_VALUE_CHARS = 100
CULPRIT_CHARS = 200
UNLABELED = "<unlabeled event>"
_ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + _ELLIPSIS


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


def event_title(event: Mapping[str, Any], limit: int = 256) -> str:
    """What a list of issues shows: "TypeError: x is undefined", else the message.

    Uses the outermost (last) exception; an exception without a type (JS
    message events) shows its value.
    """
    for exc in reversed(_list(event.get("exception"))):
        if not isinstance(exc, Mapping):
            continue
        kind = exc.get("type") if isinstance(exc.get("type"), str) else None
        value = truncate(_first_line(_text(exc.get("value"))), TITLE_VALUE_CHARS)
        if kind or value:
            return truncate(f"{kind}: {value}" if kind and value else (kind or value), limit)
    message = _first_line(_text(event.get("message")))
    return truncate(truncate(message, TITLE_VALUE_CHARS), limit) if message else UNLABELED


def event_culprit(event: Mapping[str, Any]) -> str:
    """Where it happened (see the module docstring for the rules)."""
    for given in (event.get("culprit"), event.get("transaction")):
        if isinstance(given, str) and given.strip():
            return truncate(given.strip(), CULPRIT_CHARS)
    frames = culprit_frames(event)
    culprit = stack_culprit(frames, _text(event.get("platform"))) if frames else ""
    if not culprit:
        request = event.get("request")
        url = _text(request.get("url")) if isinstance(request, Mapping) else ""
        culprit = url.split("?", 1)[0].split("#", 1)[0]
    return truncate(culprit, CULPRIT_CHARS)


def culprit_frames(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The frames of the stack the culprit comes from (empty when the event has none)."""
    for exc in reversed(_list(event.get("exception"))):
        frames = _frames(exc.get("stacktrace") if isinstance(exc, Mapping) else None)
        if frames:
            return frames
    frames = _frames(event.get("stacktrace"))
    if frames:
        return frames
    thread = crashed_thread(event)
    return _frames(thread.get("stacktrace")) if thread else []


def crashed_thread(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The thread marked ``crashed`` (the first one), if any."""
    for thread in _list(event.get("threads")):
        if isinstance(thread, Mapping) and thread.get("crashed") is True:
            return thread
    return None


def stack_culprit(frames: list[Mapping[str, Any]], platform: str) -> str:
    """The culprit of one stack: its last in-app frame's, else its last frame's."""
    fallback: str | None = None
    for frame in reversed(frames):
        if frame.get("in_app") is True:
            culprit = frame_culprit(frame, platform)
            if culprit:
                return culprit
        elif fallback is None:
            fallback = frame_culprit(frame, platform)
    return fallback or ""


def frame_culprit(frame: Mapping[str, Any], platform: str) -> str:
    """One frame as a culprit, in its platform's form."""
    platform = frame_platform(frame.get("platform")) or platform
    function = _text(frame.get("function"))
    if platform in NATIVE_PLATFORMS:
        return function or _text(frame.get("symbol")) or "?"
    location = _text(frame.get("module")) or _text(frame.get("filename")) or _text(frame.get("abs_path"))
    if not location:
        return ""
    if platform in JAVASCRIPT_PLATFORMS:
        return f"{function or '?'}({location})"
    return f"{location} in {function or '?'}"


def _frames(stacktrace: Any) -> list[Mapping[str, Any]]:
    frames = stacktrace.get("frames") if isinstance(stacktrace, Mapping) else None
    return [f for f in frames if isinstance(f, Mapping)] if isinstance(frames, list) else []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
