"""Framing without a hint: every line read in the wrapper it is written in.

A log file or drain body often mixes wrappers (a node that switched container runtime,
a collector that forwards journald beside its own JSON, a shipper that adds nothing to
some lines), so no single sniffed format is trusted for a whole body. Each line is tried,
cheapest test first, as:

==============  =====================================================================
docker          ``{"log": ..., "stream": ..., "time": ...}`` (pieces joined per stream)
journald        ``journalctl -o json``: ``MESSAGE`` + ``__REALTIME_TIMESTAMP``/``_PID``
ndjson          any other JSON object (an application logger's record, a shipper's
                envelope: ``record_from_object`` unwraps it)
cri             ``<RFC 3339> <stdout|stderr> <P|F> <piece>`` (pieces joined per stream)
syslog          RFC 5424 ``<PRI>1 ...``; RFC 3164 ``[<PRI>]Mmm dd hh:mm:ss host app[pid]:``;
                rsyslog's file format ``<RFC 3339> host app[pid]: ...``
timestamped     ``<RFC 3339 with zone> <line>`` as ``kubectl logs --timestamps`` writes
prefixed        ``web-1  | <line>`` (``docker compose logs``), ``[pod/web-7d9/app] <line>``
                (``kubectl logs --prefix``), either followed by a timestamp or not
plain           anything else
==============  =====================================================================

Each record's ``stream`` is every identity its wrapper offers (container stream,
host/app/pid, journald unit and pid), so interleaved processes are assembled apart.
A plain line (no identity of its own) that follows a wrapped line is not given that
line's identity: a plain line is its own writer's.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import orjson

from ingest.protocol.event import SYSLOG_SEVERITY_LEVELS
from ingest.protocol.logs.formats._text import MAX_LINE_CHARS, BoundedRecords, bound, decode, split_lines
from ingest.protocol.logs.formats.containers import CRI_LINE, Joiner, docker_piece
from ingest.protocol.logs.formats.jsonlike import iter_objects, record_from_object
from ingest.protocol.logs.formats.syslog import RFC3164, parse_3164, parse_5424
from ingest.protocol.logs.formats.timestamps import from_epoch, parse_rfc3339
from ingest.protocol.logs.model import LogLine

_DOCKER_KEYS = frozenset(("log", "stream", "time", "attrs"))
_DOCKER_LOG_VALUE = re.compile(r'\{\s*"log"\s*:\s*"((?:[^"\\]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)')
_JOURNAL_MARKS = ("__REALTIME_TIMESTAMP", "__CURSOR", "_PID", "_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER")
_PRI_5424 = re.compile(r"<\d{1,3}>1 ")
_PRI = re.compile(r"<\d{1,3}>")
_BSD_START = re.compile(r"(?:<\d{1,3}>)?[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d")
# an RFC 3339 moment with a zone, then one space (kubectl --timestamps, rsyslog file format)
_ZONED_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) ")
# rsyslog's file format after the time: "host app[pid]: " (host optional, the pid
# required: "Caused by: x" or "fatal error: x" after a time is an application line)
_RSYSLOG_REST = re.compile(r"(?:[\w.-]+ )?[\w./-]+\[[\w.-]+\]: ")
# a collector's per-line prefix naming the writer: ``docker compose logs`` ("web-1  | "),
# ``kubectl logs --prefix`` ("[pod/web-7d9/app] ")
_COMPOSE = re.compile(r"([A-Za-z0-9][\w.-]*[-_]\d+) *\| ")  # compose names containers <service>-<n>
_KUBECTL = re.compile(r"\[(pod/[^\]\s]+)\] ")
_LEVEL_WORDS = frozenset(
    (
        "TRACE",
        "DEBUG",
        "INFO",
        "NOTICE",
        "WARN",
        "WARNING",
        "ERROR",
        "ERR",
        "CRITICAL",
        "FATAL",
        "SEVERE",
        "ALERT",
        "EMERG",
        "PANIC",
    )
)


def _is_docker(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("log"), str) and "stream" in obj and obj.keys() <= _DOCKER_KEYS


def _cut_docker_text(text: str) -> str:
    """The application text of a Docker json-file line cut short (a file read while it
    was written, a shipper's size limit): the decoded part of ``"log"`` that survived;
    ``text`` itself when even that cannot be read."""
    match = _DOCKER_LOG_VALUE.match(text, 0, 2 * MAX_LINE_CHARS)  # the record keeps no more than this
    if match is None:
        return text
    try:
        value = orjson.loads(f'"{match.group(1)}"')
    except orjson.JSONDecodeError:
        return text
    return str(value).rstrip("\n")


def _is_journal(obj: dict[str, Any]) -> bool:
    return "MESSAGE" in obj and any(mark in obj for mark in _JOURNAL_MARKS)


def _journal_message(value: Any) -> str:
    """``MESSAGE`` is a string, or a list of byte values when it is not valid UTF-8."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return decode(bytes(value))
    return "" if value is None else str(value)


def journal_record(obj: dict[str, Any], offset: int) -> LogLine:
    """One ``journalctl -o json`` entry: text = MESSAGE, stream = host/identifier/pid."""
    meta: dict[str, Any] = {"offset": offset}
    host, app = obj.get("_HOSTNAME"), obj.get("SYSLOG_IDENTIFIER") or obj.get("_COMM")
    pid = obj.get("_PID") or obj.get("SYSLOG_PID")
    for key, value in (("host", host), ("app", app), ("procid", pid), ("unit", obj.get("_SYSTEMD_UNIT"))):
        if isinstance(value, str) and value:
            meta[key] = value
    priority = obj.get("PRIORITY")
    if isinstance(priority, str) and priority.isdigit() and int(priority) < len(SYSLOG_SEVERITY_LEVELS):
        meta["level"] = SYSLOG_SEVERITY_LEVELS[int(priority)]
    stamp = obj.get("__REALTIME_TIMESTAMP")
    timestamp = from_epoch(int(stamp) / 1_000_000) if isinstance(stamp, str) and stamp.isdigit() else None
    text = bound(_journal_message(obj.get("MESSAGE")).rstrip("\n"), meta)
    stream = "/".join(str(meta[key]) for key in ("host", "unit", "app", "procid") if key in meta)
    return LogLine(text=text, stream=stream, timestamp=timestamp, source="journald", meta=meta)


def _writer_prefix(text: str) -> tuple[str, int] | None:
    """(writer, where the line starts) for a compose/kubectl prefixed line, else None."""
    head = text[:1]
    if head == "[":
        match = _KUBECTL.match(text)
        return (match.group(1), match.end()) if match else None
    if not head.isalnum():
        return None
    match = _COMPOSE.match(text)
    if match is None or match.group(1).upper() in _LEVEL_WORDS or match.group(1)[:4].isdigit():
        return None
    return match.group(1), match.end()


def _prefixed_record(text: str, offset: int) -> LogLine | None:
    """A line behind a collector's writer prefix: the rest is read again (it may carry
    a timestamp, ``--timestamps``); the writer becomes the stream."""
    found = _writer_prefix(text)
    if found is None:
        return None
    writer, start = found
    rest = text[start:]
    record = _text_record(rest, offset) if rest[:1].isdigit() else None
    if record is None:
        meta: dict[str, Any] = {"offset": offset}
        record = LogLine(text=bound(rest, meta), meta=meta)
    record.stream = f"{writer}/{record.stream}" if record.stream else writer
    record.source = "prefixed"
    return record


def _text_record(text: str, offset: int) -> LogLine | None:
    """A non-JSON, non-CRI line in the syslog or ``kubectl --timestamps`` form, else None."""
    head = text[:1]
    if head == "<":
        if _PRI_5424.match(text):
            return parse_5424(text, offset, "syslog")
        return parse_3164(text, offset) if _PRI.match(text) else None
    if head.isupper() and _BSD_START.match(text):
        return parse_3164(text, offset)
    if not head.isdigit():
        return None
    zoned = _ZONED_TIME.match(text)
    if zoned is None:
        return None
    if _RSYSLOG_REST.match(text, zoned.end()) and RFC3164.match(text):
        return parse_3164(text, offset)
    meta: dict[str, Any] = {"offset": offset}
    return LogLine(
        text=bound(text[zoned.end() :], meta), timestamp=parse_rfc3339(zoned.group(1)), source="timestamped", meta=meta
    )


def frame_auto(body: bytes) -> list[LogLine]:
    """Frame ``body`` line by line, each line in the wrapper it is written in."""
    joiner = Joiner()
    for offset, obj, raw in iter_objects(list(split_lines(body))):
        if obj is not None:
            if _is_docker(obj) and docker_piece(joiner, obj, offset):
                continue
            joiner.flush()
            joiner.records.append(
                journal_record(obj, offset) if _is_journal(obj) else record_from_object(obj, offset, "ndjson")
            )
            continue
        text = decode(raw)
        if text[:1] == "{" and '"log"' in text[:12]:
            text = _cut_docker_text(text)
        if text[:1].isdigit() and CRI_LINE.match(text):
            joiner.cri(text, offset)
            continue
        record = _text_record(text, offset) or _prefixed_record(text, offset)
        if record is None:
            joiner.plain(text, offset)
        else:
            joiner.flush()
            joiner.records.append(record)
    joiner.flush()
    return joiner.records


def frame_journald(body: bytes) -> list[LogLine]:
    """``journalctl -o json`` output, named as such: each object an entry, other lines plain."""
    records = BoundedRecords()
    for offset, obj, raw in iter_objects(list(split_lines(body))):
        if obj is not None and "MESSAGE" in obj:
            records.append(journal_record(obj, offset))
        else:
            meta: dict[str, Any] = {"offset": offset}
            records.append(LogLine(text=bound(decode(raw), meta), meta=meta))
    return records


def dominant_source(records: list[LogLine]) -> str:
    """The format most records were written in (what the log view answers as ``format``)."""
    if not records:
        return "plain"
    counts = Counter(record.source for record in records)
    name = counts.most_common(1)[0][0]
    return {"timestamped": "plain", "prefixed": "plain"}.get(name, name)
