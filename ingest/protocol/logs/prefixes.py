"""A writer's own prefix on every line of a log, and the writer it names (pure).

When several processes, threads or loggers write one file, each line may carry its
writer's prefix: a time, then who wrote it, at which level, from which logger::

    2024-05-17 09:12:33,123 ERROR [4242] Traceback (most recent call last):
    2024-05-17 09:12:33,123 - billing.worker - ERROR -   File "app.py", line 3, in run
    09:12:33.123 [worker-1] java.lang.IllegalStateException: boom
    [4242] panic: boom            pid 4242: ...            app[4242]: ...

``prefix_cuts`` lists where such a prefix may end, each with the writer it names (its
parts without the time, the level and separators, which differ from line to line of one
writer); the assembler picks the cut (see ``multiline.Assembler._route``). The parts are
one space apart: more spaces are the line's own indentation (``  [cause]: ...``).
"""

from __future__ import annotations

import dataclasses
import re

from ingest.protocol.logs.formats.timestamps import normalise
from ingest.protocol.logs.model import LogLine

_PREFIX_TIME_RE = re.compile(
    r"\[?(?P<time>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?|"
    r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d\d:\d\d:\d\d(?:[.,]\d+)?)\]? "
)
_WRITER = r"\[[\w.@#/ -]{1,60}\]:?|pid[=: ]\d+:?|[\w.-]{1,40}\[\d{1,7}\]:"
_WRITER_RE = re.compile(rf"(?:{_WRITER}) ")
# a logger's name: dotted ("billing.worker"), closed by a colon ("root:"), or between " - "
_LOGGER = r"[a-z_]\w*(?:\.\w+)+:?|[a-z_]\w*:|[a-z_]\w*(?= - )"
_PREFIX_PART_RE = re.compile(rf"(?:{_WRITER}|[A-Z]{{4,8}}:?|\d{{1,7}}|-|\||{_LOGGER}) ")
_MAX_PREFIX_PARTS = 8
_LEVEL_TOKEN_RE = re.compile(r"(?i)\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|SEVERE)\]?:?")
_SEPARATORS = frozenset(("-", "|"))


def prefix_cuts(text: str) -> list[tuple[int, str, str | None]]:
    """Where a writer's prefix may end: ``(position, writer identity, time)``, longest first."""
    timed = _PREFIX_TIME_RE.match(text)
    if timed is None and _WRITER_RE.match(text) is None:
        return []
    moment = timed.group("time") if timed else None
    pos = timed.end() if timed else 0
    cuts: list[tuple[int, str, str | None]] = [(pos, "", moment)] if timed else []
    parts: list[str] = []
    for _ in range(_MAX_PREFIX_PARTS):
        part = _PREFIX_PART_RE.match(text, pos)
        if part is None:
            break
        pos = part.end()
        parts.append(part.group(0)[:-1])
        cuts.append((pos, _identity(parts), moment))
    cuts.reverse()
    return cuts


def sub_key(key: str, who: str) -> str:
    """The stream of ``who``'s lines inside the framing's stream ``key``."""
    if not who:
        return key
    return f"{key}/{who}" if key else who


def unprefixed(line: LogLine, end: int, sub: str, moment: str | None) -> LogLine:
    """``line`` from ``end`` on, in the writer's sub-stream, stamped with its prefix's time."""
    timestamp = line.timestamp or (normalise(moment) if moment else None)
    return dataclasses.replace(line, text=line.text[end:], stream=sub, timestamp=timestamp)


def _identity(parts: list[str]) -> str:
    """The writer named in a prefix, without its level (which may differ line to line)."""
    kept = (part for part in parts if part not in _SEPARATORS and not _LEVEL_TOKEN_RE.fullmatch(part))
    return " ".join(kept)
