"""Classify single log lines as the start of a multi-line stack trace, a line that
continues one, or an ordinary line (pure, stateless, fast).

Speed matters: this runs on every text log line. An ordinary line costs one search of
``_hinted`` (a handful of substring tests) plus a first-character test; only
lines that contain a hint go through the detailed patterns.

``start_kind(line)`` names the assembler mode a trace start opens
(``python``, ``at`` for the Java/.NET/JavaScript family, ``go``, ``rust``, ``ruby``,
``php``, ``dart``); ``orphan_kind(line)`` names the mode for a frame line seen
without a trace start, whose header (the line before it) is then promoted.

Choices for lines other detectors exclude (corpus ``lines/trace_start_labels.jsonl``
``caveat`` lines): ``Traceback (most recent call last):`` and PHP's
``Fatal error: Uncaught ...`` ARE trace starts here (we assemble and parse both);
the Linux kernel's ``BUG: ...`` / ``Call Trace:`` and Android's
``FATAL EXCEPTION: main`` are NOT (kernel oopses are not application errors, and
logcat prefixes every line so the block cannot be assembled from bare lines).
"""

from __future__ import annotations

import re
from enum import Enum


class LineKind(str, Enum):
    ORDINARY = "ordinary"
    TRACE_START = "trace_start"
    TRACE_CONTINUATION = "trace_continuation"


CLASSIFY_CHARS = 2048  # only this much of a line is looked at: bounded cost per line

# Cheap prefilter: a non-indented line without any of these cannot be a start or a
# continuation. ("rror" covers Error/error, "xception" Exception/exception.) Substring
# tests and one ``startswith`` of a tuple: several times faster than one regex of
# alternatives, which CPython tries at every position of the line.
_HINT_WORDS = (
    "rror",
    "xception",
    "Traceback",
    "panic",
    "Throwable",
    "Failure",
    "Fault",
    "goroutine",
    "thread '",
    "Uncaught",
    ":in `",
    ":in '",
    "** (",
    " REPORT==== ",
)
_HINT_PREFIXES = (
    "Caused by",
    "Suppressed",
    "Stack trace",
    "Next ",
    "#",
    "---",
    "...",
    "created by ",
    "at ",
    "[cause]",
    "[errors]",
)
# Node's crash banner starts with where the error was thrown: "/srv/app/x.js:3", "node:fs:448"
NODE_LOCATION_RE = re.compile(r"^(?:node:[\w/]+|/[^\s:]+\.[cm]?[jt]sx?|file:///[^\s:]+|[A-Za-z]:\\[^\s:]+):\d+\s*$")

_STARTS: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    # (pattern, mode, a single line is already a whole trace)
    (re.compile(r"Traceback \(most recent call last\):\s*$"), "python", False),
    (re.compile(r"^\s*\+ Exception Group Traceback \(most recent call last\):\s*$"), "python", False),
    (re.compile(r"thread '[^']*'(?: \(\d+\))? panicked at"), "rust", True),
    (re.compile(r"^goroutine \d+ \[[^\]]*\]:?\s*$"), "go", False),
    (re.compile(r"^(?:panic|fatal error): "), "go", False),
    (re.compile(r"(?:Fatal error|fatal error):\s+Uncaught\b|^(?:PHP )?exception '[\w\\]+' with message"), "php", False),
    (re.compile(r"^Unhandled exception:\s*$"), "dart", False),
    (re.compile(r"^\s*\*\* \([A-Za-z][\w.]*\) "), "elixir", False),
    (re.compile(r"^=(?:CRASH|ERROR|SUPERVISOR) REPORT==== "), "erlang", False),
    (NODE_LOCATION_RE, "at", False),
    (re.compile(r"Exception in thread\b|^Unhandled [Ee]xception\. "), "at", False),
    (
        re.compile(r"^(?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Failure|Fault)(?::\s|:?\s*$)"),
        "at",
        False,
    ),
    (re.compile(r"(?:^|\s)[^\s:][^\s]*?:\d+:in [`'][^`']*['`]: .* \([A-Z][\w:]*\)\s*$"), "ruby", True),
    (re.compile(r"^ ?(?:(?:[A-Z]\w*::)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception)) \(.*\):\s*$"), "ruby", False),
)

# Lines that continue a trace of some language (without context).
_CONTINUATION_RE = re.compile(
    r"^\s+(?:eval )?at \S|^\s+from \S+:\d+|^\s+File \"[^\"]*\", line \d+|^\t\S+:\d+(?: \+0x[0-9a-f]+)?|"
    r"^\s+\d+: \S|^\s*Caused by: |^\s*Suppressed: |^\s*\.\.\. \d+ (?:more|common frames omitted)|"
    r"^\s*--- End of |^\s*---> |^Stack trace:\s*$|^#\d+ |^\s+thrown in |^Next \S|^created by |"
    r"^\s*\[(?:cause|errors)\]: |^\s*\| |^\s*\+-"
)

# Frame lines that open a trace when no trace is open (the line before is the header).
_ORPHANS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^\s*(?:eval )?at \S+.*(?:\(.*\)|:\d+)\s*\{?,?$|^\s+(?:eval )?at \S*[.(:/<]|^\s*\[(?:cause|errors)\]: "
        ),
        "at",
    ),
    (re.compile(r"^\s*[^\s@]*@(?:[a-z][\w+.-]*://|/)\S*:\d+:\d+\s*$"), "at"),  # Firefox/Safari
    (re.compile(r"^\s+from \S+:\d+"), "ruby"),
    (re.compile(r"^Stack trace:\s*$"), "php"),
    (re.compile(r"^\s+File \"[^\"]*\", line \d+"), "python"),
)


def has_hint(line: str) -> bool:
    """Whether ``line`` holds anything a trace line may hold (the cheap prefilter)."""
    return _hinted(line[:CLASSIFY_CHARS])


def _hinted(text: str) -> bool:
    if text.startswith(_HINT_PREFIXES):
        return True
    for word in _HINT_WORDS:
        if word in text:
            return True
    return text[-1:].isdigit() and NODE_LOCATION_RE.match(text) is not None


def start_kind(line: str) -> tuple[str, bool] | None:
    """``(mode, complete_alone)`` when ``line`` starts a trace, else None."""
    text = line[:CLASSIFY_CHARS]
    if not _hinted(text):
        return None
    for pattern, mode, alone in _STARTS:
        if pattern.search(text):
            return mode, alone
    return None


def orphan_kind(line: str) -> str | None:
    """The mode a frame line opens when no trace is open, else None."""
    text = line[:CLASSIFY_CHARS]
    if not text or (not text[0].isspace() and not text.startswith(("Stack trace:", "at ")) and "@" not in text):
        return None
    for pattern, mode in _ORPHANS:
        if pattern.match(text):
            return mode
    return None


def is_trace_start(line: str) -> bool:
    """True when ``line`` opens a multi-line stack trace (see the module docstring)."""
    return start_kind(line) is not None


def classify(line: str) -> LineKind:
    """ORDINARY, TRACE_START or TRACE_CONTINUATION for one line, without context."""
    text = line[:CLASSIFY_CHARS]
    if not text:
        return LineKind.ORDINARY
    if not text[0].isspace() and not _hinted(text):
        return LineKind.ORDINARY
    if "Caused by:" not in text and start_kind(text) is not None:
        return LineKind.TRACE_START
    if _CONTINUATION_RE.match(text):
        return LineKind.TRACE_CONTINUATION
    return LineKind.ORDINARY
