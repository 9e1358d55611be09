"""Assemble text log lines into blocks: one block per multi-line stack trace, one per
ordinary line, kept apart per ``LogLine.stream`` (pure: no Django import).

How a trace is recognised (see ``detect``): a *start* line opens it (``Traceback ...``,
``panic: ...``, ``java.lang.X: ...`` ...), or a *frame* line with no trace open
promotes the line just before it to the header (``TypeError: x`` followed by
``    at f (a.js:1:2)``) - for that, each stream holds back its last ordinary line
until the next line arrives. While a trace is open each line is judged by the rules
of the trace's *mode* (``python``, ``at`` = Java/.NET/JavaScript, ``go``, ``rust``,
``ruby``, ``php``, ``dart``, ``elixir``): it is *committed*, *tentative* or *ends* the trace.
Node's crash banner (``/app/x.js:3``, the source line, the caret) opens an ``at`` trace
and its closing ``Node.js vX`` line belongs to it.
Tentative lines (blank lines; message lines before the first frame, such as a Java
multi-line message or Go's blank line before ``goroutine 1``; Python's "During
handling ..." markers) join the trace only when a committed line follows; if the trace
ends first they are fed again as fresh lines. A block is a trace when at least two
lines were committed (or its single start line is a whole trace: a Ruby
``file:1:in 'm': msg (Type)`` or a Rust ``panicked at`` line).

Several traces are open at once, one per stream: the framing's identity (container,
stream, host/app/pid ...) and, inside it, a writer's own prefix repeated on every line
(``<time> [4242] ERROR Traceback ...``, ``[worker-1] ...``): such a line goes, without
its prefix, to that writer's sub-stream when it starts a trace there or one is open
there (``_route``). Two traces in one stream are also told apart by time: a line stamped
more than ``TRACE_GAP_SECONDS`` after the trace's last line ends it (a runtime prints a
trace in one burst).

Bounds: a line longer than ``max_chars`` is cut; a trace reaching ``max_lines`` or
``max_chars`` is emitted at once (``truncated=True``) and the rest of it dropped;
at most ``MAX_PENDING`` tentative lines are held. Memory per stream is bounded.
Python's exception message is assumed to be one line (plus indented lines): a
non-indented line after ``Type: message`` ends the trace, as fluent-bit does.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.protocol.event import Event
from ingest.protocol.logs import detect
from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.prefixes import prefix_cuts, sub_key, unprefixed
from ingest.protocol.logs.stacktraces import parse_trace_with_language
from ingest.protocol.logs.stacktraces.common import LOG_RECORD_RE, strip_ansi
from ingest.protocol.logs.stacktraces.platforms import PLATFORMS

MAX_PENDING = 40  # tentative lines held at most (blank + message lines)
MAX_MESSAGE_LINES = 20  # message lines before a trace's first frame
MAX_MESSAGE_CHARS = 8192  # Event.message is cut to this
TRACE_GAP_SECONDS = 2  # lines of one trace further apart than this (by their framing time) are not one trace

COMMIT, TENTATIVE, END = 0, 1, 2


@dataclass(slots=True)
class Block:
    """Lines of one stream that belong together: a whole trace, or one ordinary line."""

    stream: str
    lines: list[LogLine]
    is_trace: bool
    mode: str | None = None  # assembler mode of a trace (a hint; parse_trace decides the language)
    truncated: bool = False  # the trace hit max_lines/max_chars and was cut

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class _Open:
    """A trace being assembled in one stream."""

    __slots__ = (
        "mode",
        "alone",
        "lines",
        "chars",
        "pending",
        "pending_chars",
        "phase",
        "depth",
        "msg",
        "emitted",
        "last_time",
    )

    def __init__(self, mode: str, alone: bool, phase: str) -> None:
        self.mode = mode
        self.alone = alone
        self.lines: list[LogLine] = []
        self.chars = 0
        self.pending: list[LogLine] = []
        self.pending_chars = 0
        self.phase = phase
        self.depth = 0
        self.msg = 0
        self.emitted = False
        self.last_time: str | None = None  # the framing timestamp of the last line taken


class _Stream:
    __slots__ = ("held", "open")

    def __init__(self) -> None:
        self.held: LogLine | None = None
        self.open: _Open | None = None


class Assembler:
    """Stateful line-by-line assembler: ``feed`` each line, ``flush`` at the end."""

    def __init__(self, *, max_lines: int = 500, max_chars: int = 256_000) -> None:
        self.max_lines = max(2, max_lines)
        self.max_chars = max(80, max_chars)
        self._streams: dict[str, _Stream] = {}
        self._prefixed: dict[str, set[str]] = {}  # stream -> its writers' sub-streams with a trace open

    def feed(self, line: LogLine) -> list[Block]:
        """Add one line; returns the blocks it completed (possibly none)."""
        out: list[Block] = []
        self._process(self._route(self._clean(line)), out)
        return out

    def _route(self, line: LogLine) -> LogLine:
        """A line behind its writer's own prefix (``<time> <LEVEL> [pid] logger:`` repeated on
        every line of a trace) goes, unprefixed, to the writer's sub-stream when it starts a
        trace there or one is open there; every other line is left as it is.

        A prefix may end after any of its parts; the longest cut whose writer has a trace
        open wins, else the longest whose rest starts a trace. Costs nothing for lines
        without a trace hint while no prefixed trace is open."""
        key, text = line.stream, line.text
        subs = self._open_subs(key)
        hinted = detect.has_hint(text) or text.rstrip()[-1:].isdigit()
        if not subs and not hinted:
            return line
        cuts = prefix_cuts(text)
        for end, who, moment in cuts if subs else ():
            sub = sub_key(key, who)
            if subs is not None and sub in subs:
                return unprefixed(line, end, sub, moment)
        for end, who, moment in cuts if hinted else ():
            if detect.start_kind(text[end:]) is not None:
                sub = sub_key(key, who)
                self._adopt_held(key, sub, who)
                self._prefixed.setdefault(key, set()).add(sub)
                return unprefixed(line, end, sub, moment)
        return line

    def _open_subs(self, key: str) -> set[str] | None:
        """The writers' sub-streams of ``key`` with a trace open (closed ones are dropped here,
        not when they close: a line that closes one trace may open the next in the same sub)."""
        subs = self._prefixed.get(key)
        if not subs:
            return None
        live = {sub for sub in subs if (state := self._streams.get(sub)) is not None and state.open is not None}
        if len(live) != len(subs):
            self._prefixed[key] = live
        return live or None

    def _adopt_held(self, key: str, sub: str, who: str) -> None:
        """The line held in ``key`` moves to ``sub`` when the same writer wrote it (the
        log record that announced the trace: ``... [4242] ERROR job failed``)."""
        stream = self._streams.get(key)
        if sub == key or stream is None or stream.held is None:
            return
        held = stream.held
        cut = next(((end, moment) for end, name, moment in prefix_cuts(held.text) if name == who), None)
        target = self._streams.setdefault(sub, _Stream())
        if cut is None or target.held is not None:
            return
        stream.held = None
        target.held = unprefixed(held, cut[0], sub, cut[1])

    def flush(self) -> list[Block]:
        """Close every open trace and release held lines; the assembler is then empty."""
        out: list[Block] = []
        for key in list(self._streams):
            stream = self._streams[key]
            while stream.open is not None:
                self._close(key, stream, out)
            if stream.held is not None:
                out.append(Block(key, [stream.held], False))
                stream.held = None
        self._streams.clear()
        return out

    def _clean(self, line: LogLine) -> LogLine:
        text = line.text
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
        cleaned = strip_ansi(text).rstrip("\r\n")
        if "\r" in cleaned:
            cleaned = cleaned.replace("\r", "")
        return line if cleaned is line.text else dataclasses.replace(line, text=cleaned)

    def _process(self, line: LogLine, out: list[Block]) -> None:
        key = line.stream
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _Stream()
        # Closing a trace re-feeds its tentative lines, which may open another trace:
        # the line is then judged against that one.
        while (block := stream.open) is not None:
            if _apart(block.last_time, line.timestamp):
                self._close(key, stream, out)
                continue
            verdict = _STEPS[block.mode](block, line.text[: detect.CLASSIFY_CHARS])
            if verdict == COMMIT:
                self._commit(key, block, line, out)
                return
            if (
                verdict == TENTATIVE
                and len(block.pending) < MAX_PENDING
                and (block.pending_chars + len(line.text) <= self.max_chars)
            ):
                block.pending.append(line)
                block.pending_chars += len(line.text)
                return
            self._close(key, stream, out)
        self._start_or_hold(key, stream, line, out)

    def _start_or_hold(self, key: str, stream: _Stream, line: LogLine, out: list[Block]) -> None:
        text = line.text
        started = detect.start_kind(text)
        if started is not None:
            mode, alone = started
            held = stream.held
            stream.held = None
            block = _Open(mode, alone, _initial_phase(mode, text))
            if held is not None and _adopts(mode, text, held.text):
                self._commit(key, block, held, out)
            elif held is not None:
                out.append(Block(key, [held], False))
            stream.open = block
            if mode == "at" and text.rstrip().endswith("{"):
                block.depth = 1
            self._commit(key, block, line, out)
            return
        orphan = detect.orphan_kind(text)
        if orphan is not None:
            held = stream.held
            stream.held = None
            block = _Open(orphan, False, _ORPHAN_PHASES[orphan])
            stream.open = block
            if held is not None and orphan != "python" and held.text.strip():
                if orphan == "at" and held.text.rstrip().endswith("{"):
                    block.depth = 1
                self._commit(key, block, held, out)
            elif held is not None:
                out.append(Block(key, [held], False))
            if orphan == "at" and text.rstrip().endswith(("{", "[")):
                block.depth += 1
            self._commit(key, block, line, out)
            return
        if stream.held is not None:
            out.append(Block(key, [stream.held], False))
        stream.held = line

    def _commit(self, key: str, block: _Open, line: LogLine, out: list[Block]) -> None:
        if block.emitted:  # already cut at the bounds: drop the rest of this trace
            block.pending.clear()
            block.pending_chars = 0
            return
        if block.pending:
            block.lines.extend(block.pending)
            block.chars += block.pending_chars
            block.pending.clear()
            block.pending_chars = 0
        block.lines.append(line)
        block.chars += len(line.text) + 1
        if line.timestamp:
            block.last_time = line.timestamp
        if len(block.lines) >= self.max_lines or block.chars >= self.max_chars:
            block.emitted = True
            out.append(Block(key, block.lines[: self.max_lines], True, block.mode, truncated=True))
            block.lines = []

    def _close(self, key: str, stream: _Stream, out: list[Block]) -> None:
        block = stream.open
        stream.open = None
        if block is None:
            return
        if not block.emitted:
            if len(block.lines) >= 2 or (block.alone and block.lines):
                out.append(Block(key, block.lines, True, block.mode))
            else:
                out.extend(Block(key, [line], False) for line in block.lines)
        for line in block.pending:  # tentative lines that did not join: judge them afresh
            self._process(line, out)


def _apart(before: str | None, after: str | None) -> bool:
    """Whether two framing timestamps are further apart than one trace takes to print.

    A runtime writes a trace in one burst; a line stamped seconds later in the same
    stream is the next record (two traces with no line between them, as Ruby prints a
    cause, are otherwise indistinguishable)."""
    if not before or not after or before[:19] == after[:19]:
        return False
    try:
        gap = datetime.fromisoformat(after[:19]) - datetime.fromisoformat(before[:19])
    except ValueError:
        return False
    return abs(gap.total_seconds()) > TRACE_GAP_SECONDS


def assemble(lines: Iterable[LogLine], *, max_lines: int = 500, max_chars: int = 256_000) -> Iterator[Block]:
    """Group lines into trace blocks and single-line ordinary blocks, per stream."""
    assembler = Assembler(max_lines=max_lines, max_chars=max_chars)
    for line in lines:
        yield from assembler.feed(line)
    yield from assembler.flush()


def events_from_blocks(blocks: Iterable[Block], *, defaults: dict[str, Any]) -> Iterator[Event]:
    """One error Event per trace block that parses; ordinary blocks are skipped.

    ``defaults`` (project_id, release, environment, tags ...) is copied into each event;
    the trace's fields (level, platform, exception, message, source, timestamp) win.
    """
    for block in blocks:
        if not block.is_trace or not block.lines:
            continue
        parsed = parse_trace_with_language(block.text)
        if parsed is None:
            continue
        language, exceptions = parsed
        event: Event = copy.deepcopy(defaults)  # type: ignore[assignment]
        event["level"] = "error"
        event["platform"] = PLATFORMS[language]
        event["exception"] = exceptions
        event["message"] = block.lines[0].text.strip()[:MAX_MESSAGE_CHARS]
        event["source"] = f"log:{language}"
        if block.lines[0].timestamp:
            event["timestamp"] = block.lines[0].timestamp
        yield event


# -- per-mode continuation rules ---------------------------------------------------------

_ERRORISH_RE = re.compile(
    r"\b(?:ERROR|ERR|CRITICAL|CRIT|FATAL|SEVERE|EXCEPTION|ALERT|EMERG|Error|Exception|panic)\b|"
    r"level=\"?(?:error|err|fatal|critical)|\[(?:error|critical|fatal|alert|emergency)\]"
)
_PY_TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\):\s*$")
_PY_GROUP_RE = re.compile(r"^\s*\+ Exception Group Traceback \(most recent call last\):\s*$")
_PY_CHAIN = frozenset(
    (
        "The above exception was the direct cause of the following exception:",
        "During handling of the above exception, another exception occurred:",
    )
)
_AT_CONTINUATION_RE = re.compile(
    r"^\s*(?:(?:eval )?at \S|Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted|lines matching)|"
    r"--- End of |---> |\[(?:cause|errors)\]: )|^\s*[^\s@]*@\S+:\d+(?::\d+)?\s*$"
)
_AT_MESSAGE_AGAIN_RE = re.compile(r"^\s*(?:Caused by: |Suppressed: |---> )")
_INSPECT_HEADER_RE = re.compile(r"^\[[\w$.]*(?:Error|Exception)\b.*\] \{\s*$")
_CARET_RE = re.compile(r"^\s*\^+\s*$")
_NODE_VERSION_RE = re.compile(r"^Node\.js v\d+\.\d+\.\d+\s*$")
_GO_GOROUTINE_RE = re.compile(r"^goroutine \d+ \[[^\]]*\]:?\s*$")
_GO_FUNCTION_RE = re.compile(r"^(?:panic|[\w/.\-]*\.\S*)\(.*\)$")
_RUST_FRAME_RE = re.compile(r"^\s+(?:\d+:\s+\S|at \S)")
_RUBY_CONTINUATION_RE = re.compile(
    r"^\s+from \S|^\s+\.\.\. \d+ levels\.\.\.|^\s+\S.*?:\d+:in [`']|:\d+:in [`'][^`']*['`]: .* \([A-Z][\w:]*\)\s*$"
)
_HASH_FRAME_RE = re.compile(r"^#\d+\s")
_ELIXIR_REPORT = ("Last message", "State: ", "Client ", "Reason: ", "Process ", "Initial call: ")
_ORPHAN_PHASES = {"python": "traceback", "php": "stack", "at": "frames", "ruby": "frames"}


def _initial_phase(mode: str, text: str) -> str:
    if mode == "go":
        return "goroutine" if _GO_GOROUTINE_RE.match(text) else "header"
    if mode == "rust":
        return "new" if text.rstrip().endswith(":") else "message"
    if mode == "python" and _PY_GROUP_RE.match(text):
        return "group"
    if mode == "at" and detect.NODE_LOCATION_RE.match(text):
        return "node_location"
    return {"python": "traceback", "at": "message", "php": "header", "dart": "header"}.get(mode, "frames")


def _adopts(mode: str, start: str, held: str) -> bool:
    """Whether a start line takes the held line before it as its first line (the
    log record that announced the trace, e.g. ``ERROR ... job failed``)."""
    if mode == "go":
        return "panic" in held and start.startswith("goroutine ")
    return mode in ("python", "at", "elixir") and bool(_ERRORISH_RE.search(held))


def _message_line(block: _Open, text: str) -> int:
    """A line before the first frame: tentatively part of a multi-line message."""
    if block.msg >= MAX_MESSAGE_LINES or LOG_RECORD_RE.match(text):
        return END
    started = detect.start_kind(text)
    if started is not None and started[0] != block.mode:
        return END
    block.msg += 1
    return TENTATIVE


def _step_python(block: _Open, text: str) -> int:
    if not text.strip():
        return TENTATIVE
    if text[0].isspace():
        if block.phase == "exception" and _PY_GROUP_RE.match(text):
            return END  # the next error's exception group, not a continuation of this one
        return COMMIT
    if block.phase == "group":  # an exception group is printed indented throughout
        return END
    if _PY_TRACEBACK_RE.search(text):
        if block.phase == "exception":  # a new traceback without a chain marker: another error
            return END
        block.phase = "traceback"
        return COMMIT
    if text.strip() in _PY_CHAIN:
        block.phase = "chain"
        return TENTATIVE
    if block.phase == "traceback":
        block.phase = "exception"
        return COMMIT
    return END


def _step_at(block: _Open, text: str) -> int:
    if block.phase == "node_location":  # Node's crash banner: the throwing source line ...
        block.phase = "node_source"
        return TENTATIVE
    if block.phase == "node_source":  # ... then the caret under it
        if _CARET_RE.match(text):
            block.phase = "message"
            return COMMIT
        return END
    if block.phase == "done":
        return END
    stripped = text.strip()
    if block.depth > 0:  # inside util.inspect braces: { [cause]: ... } / [errors]: [ ... ]
        if stripped.startswith(("}", "]")):
            block.depth -= 1
        if stripped.endswith(("{", "[")):
            block.depth += 1
        return COMMIT
    if not stripped:
        return TENTATIVE
    if _AT_CONTINUATION_RE.match(text):
        block.phase = "message" if _AT_MESSAGE_AGAIN_RE.match(text) else "frames"
        block.msg = 0
        if stripped.endswith(("{", "[")):
            block.depth += 1
        return COMMIT
    if _NODE_VERSION_RE.match(text):  # Node prints its version after an uncaught error
        block.phase = "done"
        return COMMIT
    if block.phase == "message":
        if _INSPECT_HEADER_RE.match(text):  # util.inspect of an error: "[AggregateError: x] {"
            block.depth += 1
            return COMMIT
        return _message_line(block, text)
    return END


def _step_go(block: _Open, text: str) -> int:
    if not text.strip():
        return TENTATIVE
    if _GO_GOROUTINE_RE.match(text):
        block.phase = "goroutine"
        return COMMIT
    if text[0] == "\t" or text.startswith(("[signal ", "runtime stack:", "created by ", "...additional frames")):
        return COMMIT
    if block.phase == "header":
        if text.startswith(("panic: ", "fatal error: ")):
            return COMMIT
        return _message_line(block, text)
    return COMMIT if _GO_FUNCTION_RE.match(text) else END


def _step_rust(block: _Open, text: str) -> int:
    if block.phase == "new":  # Rust >= 1.73: the message is on the line after the header
        block.phase = "message"
        return COMMIT
    if block.phase == "done":
        return END
    if text.startswith("note: "):
        block.phase = "done"
        return COMMIT
    if text.startswith("stack backtrace:"):
        block.phase = "backtrace"
        return COMMIT
    if block.phase == "backtrace" and _RUST_FRAME_RE.match(text):
        return COMMIT
    if not text.strip():
        return TENTATIVE
    return _message_line(block, text) if block.phase == "message" else END


def _step_ruby(block: _Open, text: str) -> int:
    if not text.strip():
        return TENTATIVE
    if _RUBY_CONTINUATION_RE.search(text):
        return COMMIT
    if len(block.lines) == 1 and block.msg < 3:  # error_highlight: blank, source line, carets
        block.msg += 1
        return TENTATIVE
    return END


def _step_elixir(block: _Open, text: str) -> int:
    """Frames indented by four spaces; a crash report's "Last message"/"State"/"Client"
    lines and the client's stack after a blank line."""
    if not text.strip():
        return TENTATIVE
    if text.startswith("    ") or text.startswith(_ELIXIR_REPORT):
        return COMMIT
    return END


def _step_php(block: _Open, text: str) -> int:
    stripped = text.strip()
    if block.phase == "done":
        return END
    if not stripped:
        return TENTATIVE
    if stripped == "Stack trace:" or _HASH_FRAME_RE.match(text):
        block.phase = "stack"
        return COMMIT
    if stripped.startswith("thrown in "):
        block.phase = "done"
        return COMMIT
    if text.startswith(("Next ", "PHP Next ")):
        block.phase = "header"
        block.msg = 0
        return COMMIT
    return _message_line(block, text) if block.phase == "header" else END


def _step_dart(block: _Open, text: str) -> int:
    stripped = text.strip()
    if not stripped:
        return TENTATIVE
    if _HASH_FRAME_RE.match(text) or stripped == "<asynchronous suspension>":
        block.phase = "frames"
        return COMMIT
    if block.phase == "header" and block.msg < MAX_MESSAGE_LINES:
        block.msg += 1
        return TENTATIVE
    return END


def _step_erlang(block: _Open, text: str) -> int:
    """An OTP report: indented lines, the exit value's term, until the next report or text."""
    if not text.strip():
        return TENTATIVE
    if text[0].isspace() or text.startswith(("{", "[", "Error in process ")):
        return COMMIT
    return END


_STEPS = {
    "python": _step_python,
    "at": _step_at,
    "go": _step_go,
    "rust": _step_rust,
    "ruby": _step_ruby,
    "php": _step_php,
    "dart": _step_dart,
    "elixir": _step_elixir,
    "erlang": _step_erlang,
}
