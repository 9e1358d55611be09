"""Syslog framing: RFC 5424 (structured data, BOM), RFC 3164 (with or without
``<PRI>``), octet counting (RFC 6587) and Heroku logplex drains.

A record's stream is host/app/procid (logplex: app/procid, e.g. ``app/web.1``), so
interleaved processes are assembled apart. Severity is kept in ``meta["level"]``.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.protocol.event import SYSLOG_SEVERITY_LEVELS
from ingest.protocol.logs.formats._text import BoundedRecords, bound, decode, split_lines
from ingest.protocol.logs.formats.timestamps import parse_bsd, parse_rfc3339
from ingest.protocol.logs.model import LogLine, LogParseError

FACILITIES = (
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
)
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

RFC5424 = re.compile(r"<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+)(?: (.*))?\Z", re.S)
RFC3164 = re.compile(
    r"(?:<(\d{1,3})>)?"
    r"(?:([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?)|(\d{4}-\d\d-\d\dT\S+)) "
    r"(?:(\S+) )?([^\s:\[]+)(?:\[([^\]]*)\])?: ?(.*)\Z",
    re.S,
)
_SD_PARAM = re.compile(r'\s*([^\s=\]"]+)\s*=\s*"((?:[^"\\]|\\.)*)"', re.S)
_SD_ID = re.compile(r'\[([^\s=\]"]+)')
# IANA-registered SD-IDs; any other SD-ID must be name@enterprise-number. This keeps a
# message that merely starts with "[ERROR]" from being read as structured data.
_IANA_SD_IDS = frozenset(("timeQuality", "origin", "meta"))
_OCTET_COUNT = re.compile(rb"[ \t\r\n]*(\d{1,9}) ")


def _nil(value: str) -> str | None:
    return None if value == "-" else value


def _priority(text: str | None, meta: dict[str, Any]) -> None:
    if text is None:
        return
    pri = int(text)
    if pri > 191:
        return
    facility, severity = divmod(pri, 8)
    meta["facility"] = FACILITIES[facility] if facility < len(FACILITIES) else str(facility)
    meta["severity"] = SEVERITIES[severity]
    meta["level"] = SYSLOG_SEVERITY_LEVELS[severity]


def _unescape(value: str) -> str:
    return re.sub(r'\\(["\\\]])', r"\1", value)


def parse_structured_data(rest: str) -> tuple[dict[str, dict[str, str]], str] | None:
    """``[id k="v" ...][...] msg`` -> ({id: {k: v}}, msg), or None if ``rest`` does not
    start with valid structured data."""
    elements: dict[str, dict[str, str]] = {}
    pos = 0
    while pos < len(rest) and rest[pos] == "[":
        head = _SD_ID.match(rest, pos)
        if head is None:
            return None
        sd_id = head.group(1)
        if "@" not in sd_id and sd_id not in _IANA_SD_IDS:
            return None
        params: dict[str, str] = {}
        pos = head.end()
        while (param := _SD_PARAM.match(rest, pos)) is not None:
            params[param.group(1)] = _unescape(param.group(2))
            pos = param.end()
        if pos >= len(rest) or rest[pos] != "]":
            return None
        elements[sd_id] = params
        pos += 1
    if not elements:
        return None
    return elements, rest[pos + 1 :] if rest[pos : pos + 1] == " " else rest[pos:]


def _message_5424(rest: str, meta: dict[str, Any]) -> str:
    if rest == "-":
        return ""
    if rest.startswith("- "):
        rest = rest[2:]
    elif rest.startswith("["):
        parsed = parse_structured_data(rest)
        if parsed is not None:
            meta["structured_data"], rest = parsed
    return rest.removeprefix("\ufeff")


def parse_5424(text: str, offset: int, source: str) -> LogLine | None:
    """One RFC 5424 message -> record, or None when ``text`` is not one."""
    match = RFC5424.match(text)
    if match is None or match.group(2) != "1":
        return None
    pri, _version, moment, host, app, procid, msgid, rest = match.groups()
    meta: dict[str, Any] = {"offset": offset}
    _priority(pri, meta)
    for key, value in (("host", host), ("app", app), ("procid", procid), ("msgid", msgid)):
        if _nil(value) is not None:
            meta[key] = value
    message = _message_5424(rest or "", meta)
    parts = (
        (meta.get("app"), meta.get("procid"))
        if source == "logplex"
        else (meta.get("host"), meta.get("app"), meta.get("procid"))
    )
    stream = "/".join(part for part in parts if part)
    timestamp = parse_rfc3339(moment) if moment != "-" else None
    return LogLine(text=bound(message, meta), stream=stream, timestamp=timestamp, source=source, meta=meta)


def parse_3164(text: str, offset: int) -> LogLine | None:
    """One BSD syslog line ``<PRI>Mmm dd hh:mm:ss host tag[pid]: msg`` (PRI and host
    optional; an RFC 3339 timestamp is accepted in place of the BSD one)."""
    match = RFC3164.match(text)
    if match is None:
        return None
    pri, bsd_time, iso_time, host, app, procid, message = match.groups()
    meta: dict[str, Any] = {"offset": offset}
    _priority(pri, meta)
    for key, value in (("host", host), ("app", app), ("procid", procid)):
        if value:
            meta[key] = value
    timestamp = parse_bsd(bsd_time) if bsd_time else parse_rfc3339(iso_time)
    stream = "/".join(part for part in (host, app, procid) if part)
    return LogLine(text=bound(message, meta), stream=stream, timestamp=timestamp, source="syslog", meta=meta)


def parse_syslog_line(text: str, offset: int = 0) -> LogLine | None:
    """RFC 5424, else RFC 3164, else None."""
    return parse_5424(text, offset, "syslog") or parse_3164(text, offset)


def _plain(text: str, offset: int, source: str) -> LogLine:
    meta: dict[str, Any] = {"offset": offset}
    return LogLine(text=bound(text, meta), source=source, meta=meta)


def frame_octet_counted(body: bytes, *, source: str) -> list[LogLine]:
    """``<length> <message>`` frames (RFC 6587 octet counting; Heroku logplex). A frame
    whose length runs past the body, or a missing length, is a ``LogParseError``."""
    records, pos, size = BoundedRecords(), 0, len(body)
    while pos < size:
        match = _OCTET_COUNT.match(body, pos)
        if match is None:
            if not body[pos:].strip():
                break
            raise LogParseError(
                f"{source} frame at byte {pos}: expected '<length> <syslog message>', got {body[pos : pos + 40]!r}"
            )
        start = match.end()
        end = start + int(match.group(1))
        if end > size:
            raise LogParseError(
                f"{source} frame at byte {match.start(1)} claims {int(match.group(1))} bytes "
                f"but only {size - start} remain in the body"
            )
        text = decode(body[start:end]).rstrip("\r\n")
        records.append(
            parse_syslog_line(text, start)
            if source == "syslog"
            else parse_5424(text, start, source) or _plain(text, start, source)
        )
        if records[-1] is None:
            records[-1] = _plain(text, start, source)
        pos = end
    return records


def frame_syslog(body: bytes) -> list[LogLine]:
    """Newline-separated syslog messages, or octet-counted ones (``123 <13>1 ...``);
    lines that are not syslog are kept as plain records."""
    if re.match(rb"\s*\d{1,9} <\d", body):
        return frame_octet_counted(body, source="syslog")
    records = BoundedRecords()
    for offset, raw in split_lines(body):
        if not raw.strip():
            continue
        text = decode(raw)
        records.append(parse_syslog_line(text, offset) or _plain(text, offset, "plain"))
    return records


def frame_logplex(body: bytes) -> list[LogLine]:
    """Heroku HTTPS drain body (``application/logplex-1``): octet-counted RFC 5424
    messages without structured data; stream = app/procid (``app/web.1``)."""
    return frame_octet_counted(body, source="logplex")
