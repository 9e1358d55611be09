"""Log-body framing: bytes -> (format name, ``LogLine`` records). Pure, no Django.

``frame(body, fmt, content_type=...)`` uses ``fmt`` when given, else the content
type (``application/logplex-1``, ``application/x-ndjson``/``application/json``,
``text/plain``), else sniffs the first non-empty line. Formats:

=============  ==============================================================
plain          text lines (LF/CRLF; invalid UTF-8 replaced; long lines cut)
ndjson         one JSON object a line, a JSON array, or one pretty object
syslog         RFC 5424 / RFC 3164 lines, or octet-counted frames
logplex        Heroku HTTPS drain (octet-counted RFC 5424)
cloudwatch     CloudWatch Logs subscription payload (raw, base64, Firehose)
cri            containerd/CRI-O ``<ts> <stream> <P|F> <msg>`` (pieces joined)
docker         Docker json-file ``{"log","stream","time"}`` (pieces joined)
gelf           GELF objects, one a line or NUL-separated
journald       ``journalctl -o json`` entries (``MESSAGE``, ``_PID``, ``__REALTIME_TIMESTAMP``)
=============  ==============================================================

Without a hint (no ``fmt``, no content type naming a format) a body that is not one
whole document (CloudWatch, GELF, a JSON array, a logplex drain) is framed line by
line, each line in the wrapper it is written in (``formats.auto``): Docker, CRI,
journald, syslog and application JSON lines may share one body.

A body that cannot be read in the requested format raises ``LogParseError`` with a
message for the user; ``plain`` fails only past ``MAX_RECORDS`` lines. A gzip body (magic bytes) is inflated
first, whatever the format, and all the gzip in one body shares one output allowance (``InflateBudget``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.protocol.logs.formats._text import MAX_RECORDS, InflateBudget, bound, decode, loads_object, split_lines
from ingest.protocol.logs.formats.auto import dominant_source, frame_auto, frame_journald
from ingest.protocol.logs.formats.cloudwatch import frame_cloudwatch
from ingest.protocol.logs.formats.containers import CRI_LINE, frame_containers
from ingest.protocol.logs.formats.jsonlike import frame_gelf, frame_ndjson, whole_document
from ingest.protocol.logs.formats.syslog import frame_logplex, frame_syslog
from ingest.protocol.logs.model import LogLine, LogParseError

__all__ = ["FORMATS", "InflateBudget", "frame", "inflate_body", "sniff", "format_for_content_type"]


def frame_plain(body: bytes) -> list[LogLine]:
    """Every line is a record. A run of empty lines is kept as one (a blank
    line still ends or splits a trace, but a body of newlines cannot become a
    million records); more than ``MAX_RECORDS`` lines is the one error."""
    records: list[LogLine] = []
    previous_blank = False
    for offset, raw in split_lines(body):
        blank = not raw.strip()
        if blank and previous_blank:
            continue
        previous_blank = blank
        if len(records) >= MAX_RECORDS:
            raise LogParseError(f"more than {MAX_RECORDS} lines in one request: send smaller batches")
        meta = {"offset": offset}
        records.append(LogLine(text=bound(decode(raw), meta), meta=meta))
    return records


FORMATS: dict[str, Callable[[bytes], list[LogLine]]] = {
    "plain": frame_plain,
    "ndjson": frame_ndjson,
    "syslog": frame_syslog,
    "logplex": frame_logplex,
    "cloudwatch": frame_cloudwatch,
    "cri": frame_containers,
    "docker": frame_containers,
    "gelf": frame_gelf,
    "journald": frame_journald,
}
ALIASES = {
    "text": "plain",
    "json": "ndjson",
    "jsonl": "ndjson",
    "jsonlines": "ndjson",
    "heroku": "logplex",
    "firehose": "cloudwatch",
    "containerd": "cri",
    "journal": "journald",
    "journalctl": "journald",
}
_JSON_TYPES = frozenset(
    (
        "application/json",
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
    )
)
_LOGPLEX = re.compile(rb"\d{1,9} <\d{1,3}>\d ")
_BSD_SYSLOG = re.compile(rb"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^\s:\[]+(?:\[\d+\])?: ")
_GZIP_BASE64 = b"H4sI"
# sniffed formats whose lines are each read alone when no hint was given (see frame_auto)
_LINE_BY_LINE = frozenset(("plain", "ndjson", "docker", "cri", "syslog"))  # base64 of the gzip magic + deflate method


def format_for_content_type(content_type: str | None) -> str | None:
    """``plain``/``logplex`` for the content types that name one; ``json`` for the
    JSON family (still sniffed among ndjson/gelf/docker/cloudwatch); else None."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/logplex-1":
        return "logplex"
    if media in _JSON_TYPES:
        return "json"
    if media == "text/plain":
        return "plain"
    return None


def _first_line(body: bytes) -> bytes:
    for _, raw in split_lines(body[: 64 * 1024]):
        if raw.strip(b" \t\0"):
            return raw.strip(b" \t\0").split(b"\0", 1)[0]  # GELF TCP: NUL ends a message
    return b""


def _sniff_json(body: bytes, first: bytes) -> str:
    obj = loads_object(first) if first[:1] == b"{" else None
    if obj is None:
        document = whole_document(body)
        if isinstance(document, list):
            document = next((item for item in document if isinstance(item, dict)), None)
        obj = document if isinstance(document, dict) else {}
    if "messageType" in obj or "logEvents" in obj or isinstance(obj.get("awslogs"), dict):
        return "cloudwatch"
    records = obj.get("records")
    if isinstance(records, list) and records and isinstance(records[0], dict) and "data" in records[0]:
        return "cloudwatch"
    if "short_message" in obj:
        return "gelf"
    if isinstance(obj.get("log"), str) and "stream" in obj and set(obj) <= {"log", "stream", "time", "attrs"}:
        return "docker"
    return "ndjson"


def sniff(body: bytes, *, json_only: bool = False) -> str:
    """Guess the format from the first non-empty line."""
    first = _first_line(body)
    if first[:1] in (b"{", b"["):
        return _sniff_json(body, first)
    if first.startswith(_GZIP_BASE64):
        return "cloudwatch"
    if json_only:
        return "ndjson"
    if _LOGPLEX.match(first):
        return "logplex"
    if first[:1] == b"<" and re.match(rb"<\d{1,3}>", first):
        return "syslog"
    if CRI_LINE.match(decode(first[:200]) + " "):
        return "cri"
    if _BSD_SYSLOG.match(first):
        return "syslog"
    return "plain"


def _canonical(fmt: str) -> str:
    name = ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
    if name not in FORMATS:
        raise LogParseError(f"unknown log format {fmt!r}; expected one of {', '.join(sorted(FORMATS))}")
    return name


def inflate_body(body: bytes, fmt: str | None, budget: InflateBudget | None = None) -> bytes:
    """The body with gzip (sniffed by its magic bytes, layers included) undone within
    ``budget``; the log view and the worker's ``frame`` share this one bound.

    A body that is not valid gzip is kept as it is in ``plain`` mode (plain never
    fails), and refused otherwise; too much output is always refused.
    """
    budget = budget or InflateBudget()
    hinted = _canonical(fmt) if fmt else None
    try:
        return budget.inflate_layers(body)
    except LogParseError as error:
        if hinted == "plain" and error.status != 413:
            return body
        raise


def _check_recognised(name: str, body: bytes, records: list[LogLine]) -> None:
    """An explicitly requested format that matches no line at all is a user error
    (lines that do not match are otherwise kept as ``plain`` records)."""
    if name == "plain" or not records or any(record.source != "plain" for record in records):
        return
    first = _first_line(body)[:80]
    raise LogParseError(f"body is not {name}: no line matches the format; first line {first!r}")


def frame(
    body: bytes, fmt: str | None, *, content_type: str | None, budget: InflateBudget | None = None
) -> tuple[str, list[LogLine]]:
    """Split a log body into records; returns the format used and the records.

    ``budget`` bounds all the gzip inside the body (default ``MAX_INFLATED_BYTES``);
    the view passes the one it already spent on the body itself.
    """
    hinted = _canonical(fmt) if fmt else format_for_content_type(content_type)
    budget = budget or InflateBudget()
    body = inflate_body(body, hinted, budget)
    name = sniff(body, json_only=hinted == "json") if hinted in (None, "json") else hinted
    if hinted is None and name in _LINE_BY_LINE and whole_document(body) is None:
        records = frame_auto(body)
        return dominant_source(records), records
    records = frame_cloudwatch(body, budget) if name == "cloudwatch" else FORMATS[name](body)
    if hinted in (None, "json"):
        return name, records
    if fmt:
        _check_recognised(hinted, body, records)
    return hinted, records
