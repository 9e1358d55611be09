"""A log body -> Events: framing, structured records, access logs, multi-line traces.

``extract(body, fmt=..., content_type=..., defaults=...)`` is pure (no Django) and
bounded (``max_lines`` records; longer bodies count the rest as ``skipped``):

1. ``frame`` splits the body into records (``ingest.protocol.logs.formats``).
2. A structured record (JSON, GELF, a JSON text line, a logfmt line) is an access-log
   entry (``access_from_fields``) or goes to ``event_from_record``.
3. A text line that looks like an access/error-log line and parses as one becomes a
   5xx/error-log event or nothing; other text lines go, per stream, through the
   multi-line assembler (``ingest.protocol.logs.multiline``): trace blocks become events via
   ``events_from_blocks``, other lines via ``event_from_text_line``.

Event ids. A record with a stable id of its own (a CloudWatch event id) gets an id
derived from it; a record with a timestamp gets one derived from (project_id, stream,
timestamp, first line text, byte offset in the body), so a shipper that retries the
same request after a timeout produces the same event ids and the ingest
idempotency check drops the copies. Anything else gets a fresh uuid4. (A shipper
that re-batches lines differently on retry changes the offsets: those copies are not
recognised.)

Requests are assembled alone: a trace cut by the boundary between two requests
yields two partial blocks, each parsed for what it holds (the head usually still
names the exception; a frames-only tail becomes an event if the stack-trace parser
accepts it, else its lines are read as ordinary lines). Nothing is carried between
requests, so a lost or reordered request cannot corrupt another.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ingest.protocol.event import Event
from ingest.protocol.logs.access import access_from_fields, event_from_access, might_be_access, parse_access_line
from ingest.protocol.logs.formats import InflateBudget, frame
from ingest.protocol.logs.formats._text import loads_object
from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.structured import (
    event_from_record,
    event_from_text_line,
    leading_timestamp,
    looks_like_logfmt,
    parse_logfmt,
)

# Keys whose presence makes a record an application error rather than an access entry.
_ERROR_KEYS = ("stack_trace", "stack", "exception", "err", "error", "@x", "exc_info", "stacktrace")


@dataclass(slots=True)
class LogExtract:
    """What one log body yielded."""

    format: str
    lines_accepted: int
    events: list[Event] = field(default_factory=list)
    skipped: int = 0


def _event_id(event: Event, line: LogLine, defaults: dict[str, Any]) -> str:
    project = defaults.get("project_id")
    stable = line.meta.get("id")
    if stable is not None:
        key = f"{project}\0id\0{line.stream}\0{stable}"
    elif event.get("timestamp") or line.timestamp:
        moment = line.timestamp or event.get("timestamp")
        key = f"{project}\0{line.stream}\0{moment}\0{line.text}\0{line.meta.get('offset')}"
    else:
        return uuid.uuid4().hex
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]


def _record_defaults(line: LogLine, defaults: dict[str, Any]) -> dict[str, Any]:
    """Per-record facts from the framing (a Kubernetes app label, the syslog host)
    are more specific than the request's defaults."""
    meta = line.meta
    if not meta.get("service") and not meta.get("host"):
        return defaults
    merged = dict(defaults)
    if meta.get("service"):
        merged["service"] = meta["service"]
    if meta.get("host") and not merged.get("server_name"):
        merged["server_name"] = meta["host"]
    return merged


class _Extractor:
    def __init__(self, fmt: str, defaults: dict[str, Any]) -> None:
        self.fmt = fmt
        self.defaults = defaults
        self.events: list[Event] = []
        self.text_lines: list[LogLine] = []

    def add(self, event: Event | None, line: LogLine) -> None:
        if event is None:
            return
        event.pop("stream", None)  # type: ignore[typeddict-item]  # a default for framing, not an Event field
        event.setdefault("source", f"log:{line.source if line.source != 'plain' else self.fmt}")
        if self.defaults.get("project_id") is not None:
            event["project_id"] = self.defaults["project_id"]
        if line.stream:
            event.setdefault("tags", {})["log.stream"] = line.stream[:200]
        if not event.get("timestamp"):
            moment = line.timestamp or (leading_timestamp(line.text) if line.fields is None else None)
            if moment:
                event["timestamp"] = moment
        event["event_id"] = _event_id(event, line, self.defaults)
        self.events.append(event)

    def record(self, line: LogLine) -> None:
        fields, text = line.fields, line.text
        logfmt = False
        if fields is None:
            if text[:1] == "{" and text.rstrip().endswith("}"):
                fields = loads_object(text)
            elif "=" in text and looks_like_logfmt(text):
                fields, logfmt = parse_logfmt(text), True
        if fields is not None:
            self.structured(line, fields, logfmt)
        elif might_be_access(text) and (access := parse_access_line(text)) is not None:
            self.add(event_from_access(access, _record_defaults(line, self.defaults)), line)
        elif "\n" in text:
            self.text_lines.extend(
                LogLine(text=part, stream=line.stream, timestamp=line.timestamp, source=line.source, meta=line.meta)
                for part in text.split("\n")
            )
        else:
            self.text_lines.append(line)

    def structured(self, line: LogLine, fields: dict[str, Any], logfmt: bool) -> None:
        defaults = _record_defaults(line, self.defaults)
        if not any(key in fields for key in _ERROR_KEYS):
            access = access_from_fields(fields)
            if access is not None:
                self.add(event_from_access(access, defaults), line)
                return
        event = event_from_record(fields, defaults=defaults)
        if event is not None and logfmt:
            event["source"] = "log:logfmt"
        self.add(event, line)

    def text(self) -> None:
        """Assemble the text lines into blocks and turn each into events."""
        try:
            from ingest.protocol.logs.multiline import assemble, events_from_blocks
        except ImportError:  # the assembler is optional: read every line on its own
            for line in self.text_lines:
                self.add(event_from_text_line(line, _record_defaults(line, self.defaults)), line)
            return
        for block in assemble(self.text_lines):
            lines = list(block.lines)
            if not lines:
                continue
            first = lines[0] if isinstance(lines[0], LogLine) else LogLine(text=str(lines[0]))
            if block.is_trace:
                defaults = _record_defaults(first, self.defaults)
                produced = False
                for event in events_from_blocks([block], defaults=defaults):
                    self.add(event, first)
                    produced = True
                if produced:
                    continue  # else: not a trace the parser knows; read its lines singly
            for line in lines:
                if isinstance(line, LogLine):
                    self.add(event_from_text_line(line, _record_defaults(line, self.defaults)), line)


def extract(
    body: bytes,
    *,
    fmt: str | None,
    content_type: str | None,
    defaults: dict[str, Any],
    max_lines: int = 1_000_000,
    budget: InflateBudget | None = None,
) -> LogExtract:
    """Frame ``body`` and return the events its error lines, traces, structured error
    records and 5xx access lines produce. Raises ``LogParseError`` for a body that
    cannot be read in the requested format. ``budget`` bounds the gzip inside it (the
    worker passes the log view's, so both read a body within the same limit)."""
    name, records = frame(body, fmt, content_type=content_type, budget=budget)
    skipped = max(0, len(records) - max_lines)
    if skipped:
        records = records[:max_lines]
    extractor = _Extractor(name, defaults)
    for record in records:
        extractor.record(record)
    extractor.text()
    return LogExtract(format=name, lines_accepted=len(records), events=extractor.events, skipped=skipped)


def iter_events(bodies: Iterable[bytes], **kwargs: Any) -> Iterator[Event]:
    """Events of several bodies, each assembled alone (see the module docstring)."""
    for body in bodies:
        yield from extract(body, **kwargs).events
