"""Structured log records -> Events (pure, no Django import).

``event_from_record(fields, defaults=...)`` reads one parsed JSON/logfmt/GELF
record in whichever dialect it is written — ECS, logstash-logback-encoder,
Bunyan/pino, structlog, Serilog compact JSON (CLEF), Winston, Google Cloud
LogEntry, GELF, logfmt — and returns an Event when the record is at error level or
above, or carries an exception/stack field; otherwise ``None``.

``event_from_text_line(line, defaults)`` does the same for an unstructured text
line, with a cheap level detector that only looks where loggers put the level
(after a timestamp, in brackets, before a colon): ``0 errors`` is not an error.

``parse_logfmt(line)`` parses ``key=value key="quoted value" flag`` lines.

The stack text of a record goes through ``ingest.protocol.logs.stacktraces.parse_trace``
(imported lazily, so these parsers work alone); when it yields nothing, the
exception is built from the ``type``/``message`` fields.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ingest.protocol.event import LEVEL_ALIASES, LEVEL_RANK, Event, ExceptionValue, Frame, normalize_level
from ingest.protocol.logs.formats.timestamps import normalise
from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.stacktraces.platforms import PLATFORMS

MAX_EXTRA_KEYS = 50
MAX_EXTRA_VALUE_CHARS = 1024
MAX_MESSAGE_CHARS = 8192
_MISSING = object()

# ---------------------------------------------------------------- field lookup


def lookup(fields: dict[str, Any], path: str) -> Any:
    """``fields[path]``, else the nested value (``error.type`` -> ``fields["error"]["type"]``);
    ``_MISSING`` when absent. ECS writers use both spellings."""
    value = fields.get(path, _MISSING)
    if value is not _MISSING or "." not in path:
        return value
    node: Any = fields
    for part in path.split("."):
        if not isinstance(node, dict):
            return _MISSING
        node = node.get(part, _MISSING)
        if node is _MISSING:
            return _MISSING
    return node


class _Reader:
    """Looks keys up in a record and remembers which top-level keys were used, so
    the rest can go to ``extra``."""

    def __init__(self, fields: dict[str, Any]) -> None:
        payload = fields.get("jsonPayload")
        if isinstance(payload, dict):  # Google LogEntry: payload fields beside the entry's
            fields = {**payload, **{k: v for k, v in fields.items() if k != "jsonPayload"}}
        self.fields = fields
        self.used: set[str] = set()

    def first(self, paths: tuple[str, ...], kind: type | tuple[type, ...] = str) -> Any:
        for path in paths:
            value = lookup(self.fields, path)
            if value is not _MISSING and isinstance(value, kind) and not isinstance(value, bool) and value != "":
                self.used.add(path if path in self.fields else path.split(".", 1)[0])
                return value
        return None

    def text(self, paths: tuple[str, ...]) -> str | None:
        value = self.first(paths, (str, int, float))
        return None if value is None else str(value)


# ---------------------------------------------------------------- levels

LEVEL_PATHS = (
    "log.level",
    "level",
    "severity",
    "@l",
    "lvl",
    "levelname",
    "loglevel",
    "log_level",
    "levelName",
    "Level",
    "LEVEL",
)


def _is_error(level: str | None) -> bool:
    return level is not None and LEVEL_RANK[level] >= LEVEL_RANK["error"]


# ---------------------------------------------------------------- dialects


def dialect_of(fields: dict[str, Any]) -> str:
    """A name for the writer of a record, used as the event's ``log:<name>`` source."""
    keys = fields.keys()
    if "@t" in keys or "@mt" in keys or "@m" in keys or "@l" in keys or "@x" in keys:
        return "serilog"
    if (
        "ecs.version" in keys
        or "ecs" in keys
        or "log.level" in keys
        or isinstance(fields.get("log"), dict)
        or ("@timestamp" in keys and isinstance(fields.get("error") or fields.get("service"), dict))
    ):
        return "ecs"
    if "logger_name" in keys or "@version" in keys:
        return "logstash"
    if "short_message" in keys:
        return "gelf"
    if (
        "jsonPayload" in keys
        or "textPayload" in keys
        or "logging.googleapis.com/trace" in keys
        or ("severity" in keys and ("insertId" in keys or "resource" in keys))
    ):
        return "gcp"
    if isinstance(fields.get("level"), int) and not isinstance(fields.get("level"), bool):
        return "bunyan" if fields.get("v") == 0 and "name" in keys else "pino"
    if isinstance(fields.get("event"), str):
        return "structlog"
    if "stack" in keys and "message" in keys:
        return "winston"
    return _go_dialect(fields)


def _go_dialect(fields: dict[str, Any]) -> str:
    """zap (``ts`` + ``caller``), logrus (``msg`` + ``time``), zerolog (``message`` + ``time``):
    the three JSON loggers of Go, told apart by their default keys; else plain ``json``."""
    keys = fields.keys()
    if "caller" in keys and ("ts" in keys or "stacktrace" in keys):
        return "zap"
    if isinstance(fields.get("level"), str) and "time" in keys:
        if "msg" in keys:
            return "logrus"
        if "message" in keys:
            return "zerolog"
    return "json"


_PLATFORMS = {
    "logstash": "java",
    "structlog": "python",
    "bunyan": "node",
    "pino": "node",
    "winston": "node",
    "serilog": "csharp",
    "zap": "go",
    "logrus": "go",
    "zerolog": "go",
}
_GO_DIALECTS = frozenset(("zap", "logrus", "zerolog"))
# zap's "stacktrace" is the goroutine's frames without the goroutine header Go's own dumps have
_GO_FRAMES_ONLY = re.compile(r"^[\w/.\-]+\.[^\s(]+(?:\(.*\))?\n\t\S+:\d+")

# ---------------------------------------------------------------- exceptions

_STACK_PATHS = (
    "error.stack_trace",
    "stack_trace",
    "err.stack",
    "error.stack",
    "@x",
    "stack",
    "stacktrace",
    "exc_info",
    "exception.stacktrace",
    "exception.stack_trace",
    "thrown.extendedStackTrace",
    "errorVerbose",
    "_stack_trace",
    "StackTrace",
    "_exception",
    "exception",
)
_TYPE_PATHS = (
    "error.type",
    "err.type",
    "err.name",
    "error.name",
    "error.kind",
    "exception.type",
    "exception.class",
    "exception.exception_class",
    "exc_type",
    "thrown.name",
    "error.class",
)
_VALUE_PATHS = (
    "error.message",
    "err.message",
    "exception.message",
    "exception.exception_message",
    "exc_value",
    "thrown.message",
    "error",
    "err",
)


def _python_summary(stack: str) -> tuple[str | None, str | None]:
    lines = [line for line in stack.strip().splitlines() if line.strip()]
    if not lines:
        return None, None
    head = lines[-1] if lines[0].startswith("Traceback") else lines[0]
    kind, sep, value = head.strip().partition(": ")
    if sep and re.fullmatch(r"[\w.$<>]+", kind):
        return kind, value
    return None, head.strip()


def _parse_trace(stack: str, notes: dict[str, Any]) -> list[ExceptionValue] | None:
    """The chain in ``stack``; the language that printed it goes to ``notes["_language"]``."""
    try:
        from ingest.protocol.logs.stacktraces import parse_trace_with_language
    except ImportError:
        return None
    try:
        parsed = parse_trace_with_language(stack)
    except Exception as error:  # a parser bug must not lose the event: keep it, say so
        notes["trace_parse_error"] = f"{type(error).__name__}: {error}"[:200]
        return None
    if parsed is None:
        return None
    notes["_language"] = parsed[0]
    return parsed[1]


def _go_frames(stack: str, kind: str | None, value: str | None, notes: dict[str, Any]) -> list[ExceptionValue] | None:
    """A Go logger's bare frames read as the goroutine they are; the error is the record's."""
    chain = _parse_trace("goroutine 1 [running]:\n" + stack, notes)
    if not chain:
        return None
    outer = chain[-1]
    outer["type"], outer["value"] = kind, value
    return [outer]


def _structlog_frames(frames: Any) -> list[Frame]:
    out: list[Frame] = []
    for frame in frames if isinstance(frames, list) else []:
        if isinstance(frame, dict):
            lineno = frame.get("lineno")
            out.append(
                {
                    "filename": str(frame.get("filename") or "") or None,
                    "abs_path": str(frame.get("filename") or "") or None,
                    "function": str(frame.get("name") or "") or None,
                    "lineno": lineno if isinstance(lineno, int) else None,
                    "context_line": frame.get("line") if isinstance(frame.get("line"), str) else None,
                }
            )
    return out


def _structlog_exceptions(stacks: list[Any]) -> list[ExceptionValue] | None:
    """structlog ``dict_tracebacks``: outermost first, causes after -> oldest first."""
    values: list[ExceptionValue] = []
    for stack in stacks:
        if isinstance(stack, dict) and ("exc_type" in stack or "frames" in stack):
            values.append(
                {
                    "type": str(stack.get("exc_type") or "") or None,
                    "value": str(stack.get("exc_value") or ""),
                    "stacktrace": {"frames": _structlog_frames(stack.get("frames"))},
                }
            )
    return list(reversed(values)) or None


_EXCEPTION_ROOTS = frozenset(path.split(".", 1)[0] for path in _STACK_PATHS + _TYPE_PATHS + _VALUE_PATHS)


def _may_hold_exception(fields: dict[str, Any]) -> bool:
    return any(key in _EXCEPTION_ROOTS or key.split(".", 1)[0] in _EXCEPTION_ROOTS for key in fields)


def _exceptions(
    reader: _Reader, message: str | None, level: str | None, notes: dict[str, Any]
) -> list[ExceptionValue] | None:
    structured = lookup(reader.fields, "exception")
    if isinstance(structured, list):
        reader.used.add("exception")
        return _structlog_exceptions(structured)
    stack = reader.first(_STACK_PATHS)
    kind = reader.text(_TYPE_PATHS)
    value = reader.text(_VALUE_PATHS)
    if stack is None and _is_error(level) and message and "\n" in message:
        stack = message  # GELF full_message, Google textPayload: the trace is the message
    if stack and _GO_FRAMES_ONLY.match(stack):
        chain = _go_frames(stack, kind, value or message, notes)
    else:
        chain = _parse_trace(stack, notes) if stack else None
    if chain:
        outer = chain[-1]
        if kind and not outer.get("type"):
            outer["type"] = kind
        if value and not outer.get("value"):
            outer["value"] = value
        return chain
    if stack and not (kind or value):
        kind, value = _python_summary(stack)
    if kind or value:
        return [{"type": kind, "value": value}]
    return None


# ---------------------------------------------------------------- other fields

_MESSAGE_PATHS = (
    "@m",
    "message",
    "msg",
    "event",
    "full_message",
    "short_message",
    "textPayload",
    "log",
    "MESSAGE",
    "Message",
)
_LOGGER_PATHS = ("log.logger", "logger_name", "logger", "logger.name", "SourceContext", "loggerName", "name")
_TIME_PATHS = ("@timestamp", "timestamp", "time", "ts", "@t", "date", "datetime", "asctime", "receiveTimestamp")
_SCALARS = {
    "service": (
        "service.name",
        "service",
        "serviceContext.service",
        "app",
        "application",
        "appname",
        "app_name",
        "dd.service",
    ),
    "environment": ("service.environment", "environment", "env", "deployment.environment", "dd.env"),
    "release": ("service.version", "release", "app_version", "serviceContext.version", "dd.version"),
    "trace_id": (
        "trace.id",
        "trace_id",
        "traceId",
        "traceID",
        "dd.trace_id",
        "logging.googleapis.com/trace",
        "@tr",
        "otelTraceID",
    ),
    "span_id": (
        "span.id",
        "span_id",
        "spanId",
        "spanID",
        "dd.span_id",
        "logging.googleapis.com/spanId",
        "@sp",
        "otelSpanID",
    ),
    "request_id": (
        "http.request.id",
        "request_id",
        "requestId",
        "req_id",
        "reqId",
        "RequestId",
        "x_request_id",
        "request.id",
        "correlation_id",
        "CorrelationId",
    ),
    "server_name": ("host.name", "host.hostname", "hostname", "host", "server_name", "_hostname", "HOSTNAME"),
}


def _render_template(template: str, fields: dict[str, Any]) -> str:
    """Serilog message template ``{Name}`` / ``{@Name}`` / ``{Name:fmt}`` -> text."""

    def value(match: re.Match[str]) -> str:
        found = fields.get(match.group(1))
        return match.group(0) if found is None else str(found)

    return re.sub(r"\{[@$]?([A-Za-z_][\w]*)(?:[,:][^}]*)?\}", value, template)


def _message(reader: _Reader, dialect: str) -> tuple[str | None, str | None]:
    template = reader.first(("@mt", "message_template", "messageTemplate"))
    message = reader.first(_MESSAGE_PATHS)
    if message is None and template is not None:
        message = _render_template(template, reader.fields)
    return (message[:MAX_MESSAGE_CHARS] if message else None), template


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_EXTRA_VALUE_CHARS]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    try:
        text = orjson.dumps(value, default=str).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = repr(value)
    return text if len(text) <= MAX_EXTRA_VALUE_CHARS else text[:MAX_EXTRA_VALUE_CHARS]


def _extra(fields: dict[str, Any], used: set[str]) -> dict[str, Any]:
    remaining = [key for key in fields if key not in used]
    extra = {str(key)[:200]: _bounded(fields[key]) for key in remaining[:MAX_EXTRA_KEYS]}
    if len(remaining) > MAX_EXTRA_KEYS:
        extra["_truncated_keys"] = len(remaining) - MAX_EXTRA_KEYS
    return extra


def _trace_id(raw: str) -> str:
    if raw and "/traces/" in raw:  # Google: projects/<p>/traces/<id>
        return raw.rsplit("/", 1)[-1]
    return raw


def _http_request(reader: _Reader) -> dict[str, Any] | None:
    method = reader.text(("http.request.method",))
    url = reader.text(("url.original", "url.full", "url.path"))
    status = reader.first(("http.response.status_code",), int)
    if not (method or url or status):
        return None
    return {"method": method, "url": url, "status_code": status}


def _apply_defaults(event: Event, defaults: dict[str, Any]) -> None:
    for key in ("service", "environment", "release", "server_name"):
        if not event.get(key) and defaults.get(key):
            event[key] = defaults[key]
    if defaults.get("project_id") is not None:
        event["project_id"] = defaults["project_id"]


# ---------------------------------------------------------------- public


def event_from_record(fields: dict[str, Any], *, defaults: dict[str, Any]) -> Event | None:
    """A structured log record -> Event when it is an error (level >= error, or an
    exception/stack field is present); else None. Never raises on odd input."""
    if not isinstance(fields, dict) or not fields:
        return None
    dialect = dialect_of(fields)
    if dialect == "gelf":  # GELF additional fields are "_name"; "_id" is reserved
        fields = {(k[1:] if k.startswith("_") and len(k) > 1 else k): v for k, v in fields.items()}
    reader = _Reader(fields)
    level = normalize_level(reader.first(LEVEL_PATHS, (str, int, float)))
    if level is None and dialect == "serilog":
        level = "info"  # CLEF omits @l for Information
    if not _is_error(level) and not _may_hold_exception(reader.fields):
        return None  # the common case (an info record) stops here, cheaply
    message, template = _message(reader, dialect)
    notes: dict[str, Any] = {}
    exceptions = _exceptions(reader, message, level, notes)
    if not _is_error(level) and not exceptions:
        return None
    return _build_event(reader, dialect, level or "error", message, template, exceptions, notes, defaults)


def _build_event(
    reader: _Reader,
    dialect: str,
    level: str,
    message: str | None,
    template: str | None,
    exceptions: list[ExceptionValue] | None,
    notes: dict[str, Any],
    defaults: dict[str, Any],
) -> Event:
    language = notes.pop("_language", None)
    platform = _PLATFORMS.get(dialect) or PLATFORMS.get(language or "", "other")
    event: Event = {"level": level, "source": f"log:{dialect}", "platform": platform}
    if message is None and exceptions:
        outer = exceptions[-1]
        message = ": ".join(part for part in (outer.get("type"), outer.get("value")) if part) or None
    event["message"] = message
    if template:
        event["message_template"] = template
    if exceptions:
        event["exception"] = exceptions
    logger = reader.text(_LOGGER_PATHS)
    if logger:
        event["logger"] = logger
    moment = reader.first(_TIME_PATHS, (str, int, float, dict))
    if moment is not None and (timestamp := normalise(moment)):
        event["timestamp"] = timestamp
    for key, paths in _SCALARS.items():
        value = reader.text(paths)
        if value:
            event[key] = (_trace_id(value) if key == "trace_id" else value)[:200]  # type: ignore[literal-required]
    request = _http_request(reader)
    if request:
        event["request"] = request  # type: ignore[typeddict-item]
    user_id = reader.text(("user.id", "user_id", "usr.id"))
    if user_id:
        event["user"] = {"id": user_id}
    labels = reader.first(("labels",), dict)
    if labels:
        event["tags"] = {str(k)[:64]: str(v)[:200] for k, v in list(labels.items())[:20]}
    reader.used.update(LEVEL_PATHS)
    extra = _extra(reader.fields, reader.used)
    if extra or notes:
        event["extra"] = {**extra, **notes}
    _apply_defaults(event, defaults)
    return event


# ---------------------------------------------------------------- logfmt

_LOGFMT_TOKEN = re.compile(r'([^\s=]+)(?:=(?:"((?:[^"\\]|\\.)*)"?|(\S*)))?')
_LOGFMT_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_LOGFMT_HEAD = re.compile(r'[A-Za-z_@][\w.@#/-]*=(?:"|\S)')


def parse_logfmt(line: str) -> dict[str, Any]:
    """``level=error msg="a b" flag`` -> ``{"level": "error", "msg": "a b", "flag": True}``.
    A key without ``=`` is ``True``; a quoted value keeps its escapes decoded."""
    result: dict[str, Any] = {}
    for match in _LOGFMT_TOKEN.finditer(line):
        key, quoted, bare = match.groups()
        if quoted is not None:
            result[key] = re.sub(r"\\(.)", lambda m: _LOGFMT_ESCAPES.get(m.group(1), m.group(0)), quoted)
        elif bare is not None:
            result[key] = bare
        else:
            result[key] = True
    return result


def looks_like_logfmt(line: str) -> bool:
    """Cheap check: starts with ``key=value`` and at least two pairs, mostly pairs."""
    if not _LOGFMT_HEAD.match(line) or line.count("=") < 2:
        return False
    fields = parse_logfmt(line[:4096])
    pairs = sum(1 for value in fields.values() if value is not True)
    return pairs >= 2 and pairs * 2 >= len(fields)


# ---------------------------------------------------------------- text lines

# Which error-or-worse spellings count where a text line prints its level (upper case
# anywhere in the prefix; lower or title case before a colon or in brackets). The words
# are chosen here, their level comes from the one alias table.
_UPPER_LEVELS = {
    word: LEVEL_ALIASES[word.lower()]
    for word in (
        "ERROR",
        "ERR",
        "SEVERE",
        "EROR",
        "FATAL",
        "CRITICAL",
        "CRIT",
        "PANIC",
        "EMERG",
        "EMERGENCY",
        "ALERT",
        "DPANIC",
    )
}
_COLON_LEVELS = {
    word: LEVEL_ALIASES[word]
    for word in ("error", "fatal", "critical", "panic", "severe", "err", "crit", "emerg", "alert")
}
_LETTER_FORMS = re.compile(
    r"(?:([EF])\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\s\]]+\] "  # klog / glog
    r"|([EF]), \[[^\]]*\]\s+\w+ -- "  # Ruby Logger
    r"|([EF])/[^(:]+\(\s*\d+\): "  # Android logcat brief
    r"|\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+ ([EF]) )"  # logcat threadtime
)
_INLINE_LEVEL = re.compile(
    r"""(?i)\b(?:level|lvl|severity|loglevel)"?\s*[=:]\s*"?(error|err|fatal|critical|crit|panic|emerg|alert)\b"""
)
_TOKEN = re.compile(r"\[[^\]]{0,80}\]|\S+")
_PREFIX_TOKEN = re.compile(
    r"[\[(<]?\d[\d\-:.,/+TZ_]*[\])>]?[:,]?|[-|:>~—]+|#?\d+|"
    r"(?:UTC|GMT|Z|CET|CEST|EST|EDT|PST|PDT|MST|MDT|BST|IST|JST)|"
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec),?|"
    r"[\w-]+\[\d+\]:?|[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)+:?"
)
_SCAN_TOKENS = 7


def _bracket_level(inner: str) -> str | None:
    words = [word for word in re.split(r"[\s:/,|]+", inner) if word]
    for word in words:
        if word in _UPPER_LEVELS:
            return _UPPER_LEVELS[word]
    if words and len(words) <= 2 and words[-1].lower() in _COLON_LEVELS:
        return _COLON_LEVELS[words[-1].lower()]  # [error], [core:error], [Error]
    return None


def _token_level(token: str, index: int) -> str | None:
    core = token.strip("<>()|,")
    head = re.split(r"[:/]", core, maxsplit=1)[0]
    if head in _UPPER_LEVELS:
        return _UPPER_LEVELS[head]
    if core.endswith(":") and (index == 0 or head.istitle() or head.islower()):
        return _COLON_LEVELS.get(head.lower()) if index == 0 or head.isupper() else None
    return None


# Every error-level spelling contains one of these (or is a lone E/F letter form):
# lines without any of them, the vast majority, cost one regex search.
# (Literal alternatives, no anchors: the regex engine scans these fastest.)
_MAYBE_ERROR = re.compile(
    "|".join(
        f"{word.upper()}|{word.title()}|{word}"
        for word in ("err", "fatal", "crit", "panic", "severe", "emerg", "alert")
    )
)


def detect_level(text: str) -> tuple[str, int] | None:
    """(``error``/``fatal``, index where the message starts) when ``text`` carries an
    error level where loggers print one; else None."""
    head = text[:240]
    if _MAYBE_ERROR.search(head) is None and head[:1] not in ("E", "F") and " E " not in head and " F " not in head:
        return None
    letter = _LETTER_FORMS.match(head)
    if letter:
        code = next(group for group in letter.groups() if group)
        return ("error" if code == "E" else "fatal"), letter.end()
    for index, match in enumerate(_TOKEN.finditer(head)):
        if index >= _SCAN_TOKENS:
            break
        token = match.group(0)
        level = _bracket_level(token[1:-1]) if token[0] == "[" and token[-1] == "]" else _token_level(token, index)
        if level:
            return level, match.end()
        if not _PREFIX_TOKEN.fullmatch(token) and not token.startswith("["):
            break
    inline = _INLINE_LEVEL.search(head)
    if inline:
        return normalize_level(inline.group(1)) or "error", 0
    return None


_TEMPLATE_MASKS = (
    (re.compile(r'"[^"]{0,200}"'), '"<*>"'),
    (re.compile(r"'[^']{0,200}'"), "'<*>'"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}\b"), "<hex>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
)


def message_template_of(message: str) -> str:
    """The message with its variable parts (quoted text, ids, addresses, numbers)
    replaced by placeholders, so repeats of one error group together."""
    for pattern, placeholder in _TEMPLATE_MASKS:
        message = pattern.sub(placeholder, message)
    return message[:1024]


def leading_timestamp(text: str) -> str | None:
    """The timestamp a text line starts with (``2024-05-01 10:00:00,123 ...``), or None."""
    parts = text[:40].replace("[", " ").replace("]", " ").split()
    for candidate in (" ".join(parts[:2]), parts[0] if parts else ""):
        if candidate and candidate[0].isdigit() and (moment := normalise(candidate)):
            return moment
    return None


_LOWER_LEVEL = re.compile(r"\b(?:INFO|DEBUG|TRACE|WARN|WARNING|NOTICE)\b")
_WORD = re.compile(r"[^\W\d_]{2}")


def _worth_an_event(text: str) -> bool:
    """A line the wrapper alone calls an error (a stderr line at syslog ``err``) is an
    event unless it is blank or punctuation (a caret line) or names a lower level itself."""
    return _WORD.search(text) is not None and _LOWER_LEVEL.search(text[:80]) is None


def event_from_text_line(line: LogLine, defaults: dict[str, Any]) -> Event | None:
    """A text line at error level or above (not a trace) -> Event; else None.

    The syslog severity the framing carried (``meta["level"]``) counts too."""
    text = line.text
    found = detect_level(text)
    if found is None:
        framed = line.meta.get("level")
        if framed not in ("error", "fatal") or not _worth_an_event(text):
            return None
        found = (framed, 0)
    level, start = found
    if not text[start:].strip() and text.split()[-1].strip("[]:<>") in _UPPER_LEVELS:
        return None  # a level and nothing after it: a blank line behind a logging prefix
    message = text[start:].lstrip(" \t:-|>]") or text
    message = message[:MAX_MESSAGE_CHARS]
    event: Event = {
        "level": level,
        "message": message,
        "platform": "other",
        "message_template": message_template_of(message),
    }
    timestamp = line.timestamp or leading_timestamp(text)
    if timestamp:
        event["timestamp"] = timestamp
    if line.meta.get("host"):
        event["server_name"] = str(line.meta["host"])
    if line.meta.get("service"):
        event["service"] = str(line.meta["service"])
    if start:
        event["extra"] = {"line": text[:MAX_EXTRA_VALUE_CHARS]}
    _apply_defaults(event, defaults)
    return event
