"""Turn any Sentry event JSON into the one normalised :class:`~ingest.protocol.event.Event`.

Pure (no Django import) so it can be fuzzed and benchmarked alone. Input comes
from every official SDK (and from apps posting a minimal hand-made JSON), so the
functions here are *total*: wrong types are dropped or coerced, oversized data
is trimmed, and nothing raises on JSON-valid input except :class:`NormalizeError`
when the payload is not a JSON object at all.

Limits (see :class:`NormalizeLimits`):

- frames: a stack trace longer than ``max_frames`` (250) keeps its first
  ``frames_head`` (100) frames (the entry point: which request/job/thread) and
  its last ``max_frames - frames_head`` (150) frames (where the error was
  raised, the part people read and group by); the middle, typically deep
  recursion, is dropped and counted in ``stacktrace.frames_omitted``.
- strings are trimmed to a number of characters (not bytes) with a trailing
  "…": message 8192, exception value 4096, context_line 1024, others 1024,
  tag keys and values 200.
- breadcrumbs: the last 100 (the ones just before the error).
- ``extra``, ``contexts``, request data, frame vars and breadcrumb data are
  cut at 8 levels of nesting (deeper containers become "[depth limit]") and at
  200 items per container.
- exception chains: the last 32 entries (the outermost error and its nearest
  causes).
- timestamps more than one hour in the future or more than 30 days in the past
  are replaced by ``received_at`` (a device with a wrong clock must not land
  its event outside retention or in a far-future index).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast
from urllib.parse import urlencode

from ingest.protocol.event import Event, ExceptionValue, Frame, Request, Stacktrace, User, normalize_level
from ingest.protocol.errors import ClientError
from ingest.protocol.scrub import FILTERED, scrub_params

__all__ = [
    "DEFAULT",
    "NormalizeError",
    "NormalizeLimits",
    "event_culprit",
    "event_title",
    "normalize_minimal",
    "normalize_sentry_event",
]

DEPTH_LIMIT = "[depth limit]"
ELLIPSIS = "…"
_INT64 = 2**63


class NormalizeError(ClientError, ValueError):
    """The payload cannot be read as an event at all (answer the sender 4xx)."""


@dataclass(frozen=True, slots=True)
class NormalizeLimits:
    """Bounds applied while normalising; see the module docstring for why."""

    max_frames: int = 250
    frames_head: int = 100
    max_exceptions: int = 32
    message_chars: int = 8192
    exception_value_chars: int = 4096
    string_chars: int = 1024
    context_line_chars: int = 1024
    raw_trace_chars: int = 65536
    context_lines: int = 5
    tag_key_chars: int = 200
    tag_value_chars: int = 200
    max_tags: int = 200
    breadcrumbs: int = 100
    max_depth: int = 8
    max_items: int = 200
    max_fingerprint: int = 32
    future_skew: timedelta = timedelta(hours=1)
    past_age: timedelta = timedelta(days=30)


DEFAULT = NormalizeLimits()

# --------------------------------------------------------------------------- scalars


def _clean(text: str) -> str:
    """Make a string storable: PostgreSQL rejects NUL and orjson lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _trim(text: str, limit: int) -> str:
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + ELLIPSIS
    return _clean(text)


def _str(value: Any, limit: int) -> str | None:
    """A trimmed string for scalars; None for missing values and containers."""
    if isinstance(value, str):
        return _trim(value, limit)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _trim(str(value), limit) if abs(value) < 10**40 else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return None


def _int(value: Any) -> int | None:
    """Line numbers and status codes: ints, integral floats and digit strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -_INT64 < value < _INT64 else None
    if isinstance(value, float) and value.is_integer():
        return int(value) if abs(value) < _INT64 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 19:
        return int(value.strip())
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _values(value: Any) -> list[Any]:
    """Sentry's "interface list": ``{"values": [...]}``, a bare list, or one object."""
    if isinstance(value, dict):
        inner = value.get("values")
        if isinstance(inner, list):
            return inner
        return [value] if value and "values" not in value else []
    return value if isinstance(value, list) else []


def _bounded(value: Any, limits: NormalizeLimits, depth: int = 0) -> Any:
    """Copy JSON-like data with nesting, container size and strings bounded."""
    if isinstance(value, dict):
        if depth >= limits.max_depth:
            return DEPTH_LIMIT
        out: dict[str, Any] = {}
        for key, item in value.items():
            if len(out) >= limits.max_items:
                break
            name = _str(key, limits.string_chars)
            if name is not None:
                out[name] = _bounded(item, limits, depth + 1)
        return out
    if isinstance(value, list):
        if depth >= limits.max_depth:
            return DEPTH_LIMIT
        return [_bounded(item, limits, depth + 1) for item in value[: limits.max_items]]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and -_INT64 < value < _INT64:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return _str(value, limits.string_chars)


# --------------------------------------------------------------------------- time and level


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _parse_time(value: Any) -> datetime | None:
    """Epoch seconds (float, int or numeric string; >1e11 is taken as ms) or ISO 8601."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return _utc(datetime.fromisoformat(text))
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    seconds = float(value)
    if seconds > 1e11:  # JS Date.now() style milliseconds
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _timestamp(value: Any, received_at: datetime, limits: NormalizeLimits) -> str:
    """The event time, or ``received_at`` when missing, invalid or implausible."""
    moment = _parse_time(value)
    if moment is None:
        return _iso(received_at)
    try:
        if moment - received_at > limits.future_skew or received_at - moment > limits.past_age:
            return _iso(received_at)
        return _iso(moment)
    except (OverflowError, ValueError):
        return _iso(received_at)


# --------------------------------------------------------------------------- message


# A %-format spec with a huge or '*' width/precision would let a payload make us
# allocate gigabytes ("%999999999d"); such templates are never formatted here.
_UNSAFE_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d{3,}|\d*\.(?:\*|\d{3,}))")


def _format_template(template: str, params: Any) -> str:
    """Fill a logentry template: Python %-style first, then ``{}`` placeholders (Java, .NET)."""
    if isinstance(params, list):
        params = [p if isinstance(p, (str, int, float, bool)) or p is None else str(p) for p in params]
    elif not isinstance(params, dict):
        return template
    if not params:
        return template
    if "%" in template and not _UNSAFE_SPEC.search(template):
        try:
            return template % (params if isinstance(params, dict) else tuple(params))
        except (TypeError, ValueError, KeyError, OverflowError, IndexError):
            pass
    if "{}" in template and isinstance(params, list):
        pieces = template.split("{}")
        filled = [piece + (str(params[i]) if i < len(params) else "{}") for i, piece in enumerate(pieces[:-1])]
        return "".join(filled) + pieces[-1]
    return template


def _message(payload: dict[str, Any], limits: NormalizeLimits) -> tuple[str | None, str | None]:
    """(message, message_template) from ``logentry`` (preferred) or ``message``."""
    entry = payload.get("logentry", payload.get("sentry.interfaces.Message"))
    raw = payload.get("message")
    if not isinstance(entry, dict):
        entry = raw if isinstance(raw, dict) else {"formatted": raw}
    template = _str(entry.get("message"), limits.message_chars)
    formatted = _str(entry.get("formatted"), limits.message_chars)
    # a secret passed as a named param (``%(password)s``) never reaches the text
    params, secrets = scrub_params(entry.get("params"))
    if formatted is None and template is not None:
        formatted = _trim(_format_template(template, params), limits.message_chars)
    elif formatted is not None:
        for secret in secrets:
            formatted = formatted.replace(secret, FILTERED)
    if formatted is None and isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        formatted = _str(raw, limits.message_chars)
    return formatted, template


# --------------------------------------------------------------------------- stack traces


def _context_lines(value: Any, limits: NormalizeLimits, tail: bool) -> list[str]:
    if not isinstance(value, list):
        return []
    lines = value[-limits.context_lines :] if tail else value[: limits.context_lines]
    return [_str(line, limits.context_line_chars) or "" for line in lines]


def _frame(raw: dict[str, Any], limits: NormalizeLimits) -> Frame:
    """One frame: location, in_app as given (None when not a bool), source context, vars."""
    in_app = raw.get("in_app")
    frame: dict[str, Any] = {
        "filename": _str(raw.get("filename"), limits.string_chars),
        "abs_path": _str(raw.get("abs_path"), limits.string_chars),
        "module": _str(raw.get("module"), limits.string_chars),
        "function": _str(raw.get("function"), limits.string_chars),
        "lineno": _int(raw.get("lineno")),
        "colno": _int(raw.get("colno")),
        "in_app": in_app if isinstance(in_app, bool) else None,
        "context_line": _str(raw.get("context_line"), limits.context_line_chars),
    }
    if raw.get("pre_context"):
        frame["pre_context"] = _context_lines(raw["pre_context"], limits, tail=True)
    if raw.get("post_context"):
        frame["post_context"] = _context_lines(raw["post_context"], limits, tail=False)
    if isinstance(raw.get("vars"), dict) and raw["vars"]:
        frame["vars"] = _bounded(raw["vars"], limits)
    return cast(Frame, frame)


def _sdk_omitted(value: Any) -> int:
    """Sentry sends ``frames_omitted`` as a [start, end] pair; we keep a count."""
    if isinstance(value, list) and len(value) == 2:
        start, end = _int(value[0]), _int(value[1])
        if start is not None and end is not None and 0 <= start < end:
            return end - start
    count = _int(value)
    return count if count is not None and count > 0 else 0


def _stacktrace(raw: Any, limits: NormalizeLimits) -> Stacktrace | None:
    """Frames caller -> callee, trimmed head+tail; a plain-text trace kept as ``raw``."""
    if isinstance(raw, str):
        return {"frames": [], "raw": _trim(raw, limits.raw_trace_chars)}
    if not isinstance(raw, dict):
        return None
    frames = [f for f in raw["frames"] if isinstance(f, dict)] if isinstance(raw.get("frames"), list) else []
    omitted = _sdk_omitted(raw.get("frames_omitted"))
    if len(frames) > limits.max_frames:
        tail = limits.max_frames - limits.frames_head
        omitted += len(frames) - limits.max_frames
        frames = frames[: limits.frames_head] + (frames[-tail:] if tail > 0 else [])
    result: dict[str, Any] = {"frames": [_frame(f, limits) for f in frames]}
    if omitted:
        result["frames_omitted"] = omitted
    return cast(Stacktrace, result)


def _thread_stacks(payload: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Stack traces of ``threads`` by id, and the crashed thread's stack trace."""
    by_id: dict[str, Any] = {}
    crashed = None
    for thread in _values(payload.get("threads"))[:1000]:
        if not isinstance(thread, dict) or not isinstance(thread.get("stacktrace"), dict):
            continue
        key = _str(thread.get("id"), 64)
        if key is not None:
            by_id.setdefault(key, thread["stacktrace"])
        if thread.get("crashed") is True and crashed is None:
            crashed = thread["stacktrace"]
    return by_id, crashed


def _has_frames(stack: Any) -> bool:
    return isinstance(stack, dict) and isinstance(stack.get("frames"), list) and bool(stack["frames"])


def _link_thread_stacks(raws: list[dict[str, Any]], payload: dict[str, Any]) -> list[Any]:
    """Each exception's raw stack trace, borrowing its thread's when it has none.

    Java/Go/.NET SDKs may put the crashing stack on the thread and set
    ``exception.thread_id``; failing an id, the outermost exception takes the
    thread marked ``crashed``.
    """
    stacks: list[Any] = [raw.get("stacktrace") for raw in raws]
    if all(_has_frames(s) or isinstance(s, str) for s in stacks) or "threads" not in payload:
        return stacks
    by_id, crashed = _thread_stacks(payload)
    for index, raw in enumerate(raws):
        if _has_frames(stacks[index]) or isinstance(stacks[index], str):
            continue
        linked = by_id.get(_str(raw.get("thread_id"), 64) or "")
        if linked is None and index == len(raws) - 1:
            linked = crashed
        if linked is not None:
            stacks[index] = linked
    return stacks


def _mechanism(raw: Any, limits: NormalizeLimits) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    handled = raw.get("handled")
    return {"type": _str(raw.get("type"), limits.string_chars) or "generic",
            "handled": handled if isinstance(handled, bool) else None}  # fmt: skip


def _exception(raw: dict[str, Any], stack: Any, limits: NormalizeLimits) -> ExceptionValue | None:
    """One chain entry; None when it carries nothing a user could see."""
    exc: dict[str, Any] = {
        "type": _str(raw.get("type"), limits.string_chars),
        "value": _str(raw.get("value"), limits.exception_value_chars),
        "module": _str(raw.get("module"), limits.string_chars),
    }
    mechanism = _mechanism(raw.get("mechanism"), limits)
    if mechanism is not None:
        exc["mechanism"] = mechanism
    stacktrace = _stacktrace(stack, limits)
    if stacktrace is not None:
        exc["stacktrace"] = stacktrace
    if exc["type"] is None and exc["value"] is None and not _has_content(stacktrace):
        return None
    return cast(ExceptionValue, exc)


def _has_content(stacktrace: Any) -> bool:
    """True when a stack trace has frames or raw text to parse later."""
    return isinstance(stacktrace, dict) and bool(stacktrace.get("frames") or stacktrace.get("raw"))


def _exceptions(payload: dict[str, Any], limits: NormalizeLimits) -> list[ExceptionValue]:
    """The chain, oldest first as sent; accepts ``{"values": [...]}``, a list or one object."""
    source = payload.get("exception", payload.get("sentry.interfaces.Exception"))
    raws = [e for e in _values(source) if isinstance(e, dict)][-limits.max_exceptions :]
    stacks = _link_thread_stacks(raws, payload)
    chain = (_exception(raw, stack, limits) for raw, stack in zip(raws, stacks))
    return [exc for exc in chain if exc is not None]


# --------------------------------------------------------------------------- tags, request, user


def _pairs(value: Any) -> list[tuple[Any, Any]]:
    """Key/value pairs from a dict or a list of two-item lists."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return [(p[0], p[1]) for p in value if isinstance(p, (list, tuple)) and len(p) == 2]
    return []


def _tags(value: Any, limits: NormalizeLimits) -> dict[str, str]:
    tags: dict[str, str] = {}
    for key, raw in _pairs(value):
        name = _str(key, limits.tag_key_chars)
        text = _str(raw, limits.tag_value_chars)
        if name and name.strip() and text is not None:
            tags[name.strip()] = text.strip()
            if len(tags) >= limits.max_tags:
                break
    return tags


def _headers(value: Any, limits: NormalizeLimits) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, raw in _pairs(value)[: limits.max_items]:
        name = _str(key, limits.string_chars)
        text = _str(raw, limits.string_chars)
        if name and text is not None:
            headers[name] = text
    return headers


def _query_string(value: Any, limits: NormalizeLimits) -> str | None:
    if isinstance(value, (dict, list)):
        pairs = [(k, v) for k, v in _pairs(value) if isinstance(k, str) and isinstance(v, (str, int, float))]
        return _trim(urlencode(pairs), limits.string_chars) if pairs else None
    text = _str(value, limits.string_chars)
    return text.lstrip("?") if text else None


def _request(payload: dict[str, Any], limits: NormalizeLimits) -> Request:
    """Method, URL, status, headers, query string, body; cookies and env are not kept."""
    raw = _dict(payload.get("request", payload.get("sentry.interfaces.Http")))
    if not raw:
        return cast(Request, {})
    method = _str(raw.get("method"), 32)
    status = _int(raw.get("status_code"))
    if status is None:
        status = _int(_dict(_dict(payload.get("contexts")).get("response")).get("status_code"))
    request: dict[str, Any] = {
        "method": method.upper() if method else None,
        "url": _str(raw.get("url"), limits.string_chars),
        "status_code": status,
        "headers": _headers(raw.get("headers"), limits),
        "query_string": _query_string(raw.get("query_string"), limits),
    }
    if raw.get("data") is not None:
        request["data"] = _bounded(raw["data"], limits)
    return cast(Request, request)


def _user(value: Any, limits: NormalizeLimits) -> User:
    """id, email, username, ip_address; "{{auto}}" (fill in client IP) is not an address."""
    raw = _dict(value)
    if not raw:
        return cast(User, {})
    user = {key: _str(raw.get(key), limits.string_chars) for key in ("id", "email", "username", "ip_address")}
    if user["ip_address"] == "{{auto}}":
        user["ip_address"] = None
    return cast(User, {key: text for key, text in user.items() if text is not None})


# --------------------------------------------------------------------------- ids and source


def _hex_id(value: Any) -> str | None:
    """A trace/span id: lower-cased, UUID dashes removed; other strings kept trimmed."""
    text = _str(value, 128)
    if not text or not text.strip():
        return None
    text = text.strip()
    compact = text.replace("-", "").lower()
    return compact if compact and all(c in "0123456789abcdef" for c in compact) else text


_REQUEST_ID_KEYS = ("request_id", "x-request-id", "x_request_id", "request-id", "requestid")


def _request_id(tags: dict[str, str], request: Request) -> str | None:
    """From a tag, else the ``X-Request-ID`` request header (case-insensitively)."""
    for source in (tags, request.get("headers") or {}):
        for key, value in source.items():
            if key.lower() in _REQUEST_ID_KEYS and value:
                return value[:200]
    return None


def _sdk(value: Any, sdk_client: str | None) -> tuple[dict[str, Any], str]:
    """(sdk, source): ``source`` is "sdk:<name>/<version>" from the payload, else the auth header."""
    raw = _dict(value)
    name, version = _str(raw.get("name"), 200), _str(raw.get("version"), 100)
    sdk = {"name": name, "version": version} if name else {}
    if name:
        return sdk, f"sdk:{name}/{version}" if version else f"sdk:{name}"
    client = _str(sdk_client, 300)
    return sdk, f"sdk:{client}" if client else "sdk:unknown"


def _service(tags: dict[str, str], contexts: dict[str, Any]) -> str | None:
    """Which service emitted it: a ``service`` tag or an OpenTelemetry resource name."""
    for key in ("service", "service.name", "service_name"):
        if tags.get(key):
            return tags[key]
    resource = _dict(_dict(contexts.get("otel")).get("resource"))
    name = resource.get("service.name")
    return name if isinstance(name, str) and name else None


def _fingerprint(value: Any, limits: NormalizeLimits) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    parts = (_str(item, limits.string_chars) for item in items[: limits.max_fingerprint])
    return [part for part in parts if part]


def _breadcrumbs(value: Any, limits: NormalizeLimits) -> list[dict[str, Any]]:
    """The last N crumbs (oldest first), known keys only."""
    crumbs = [c for c in _values(value) if isinstance(c, dict)][-limits.breadcrumbs :] if limits.breadcrumbs else []
    out = []
    for raw in crumbs:
        moment = _parse_time(raw.get("timestamp"))
        crumb = {
            "timestamp": _iso(moment) if moment is not None else None,
            "type": _str(raw.get("type"), 64) or "default",
            "category": _str(raw.get("category"), limits.string_chars),
            "level": normalize_level(raw.get("level"), "info"),
            "message": _str(raw.get("message"), limits.string_chars),
        }
        if isinstance(raw.get("data"), dict) and raw["data"]:
            crumb["data"] = _bounded(raw["data"], limits, depth=1)
        out.append(crumb)
    return out


# --------------------------------------------------------------------------- entry points


def normalize_sentry_event(
    payload: dict[str, Any],
    *,
    project_id: int,
    event_id: str,
    received_at: datetime,
    sdk_client: str | None = None,
    limits: NormalizeLimits = DEFAULT,
    size: int | None = None,
) -> Event:
    """Build the normalised Event from a store/envelope event payload of any SDK.

    ``event_id`` and ``received_at`` come from the ingest step (the id it
    de-duplicated on, the time it accepted the request), not from the payload;
    ``sdk_client`` is the ``sentry_client`` of the auth header, used for
    ``source`` when the payload has no ``sdk``; ``size`` is the byte length of
    the payload as received.
    """
    if not isinstance(payload, dict):
        raise NormalizeError(f"an event must be a JSON object, not {type(payload).__name__}")
    received_at = _utc(received_at)
    message, template = _message(payload, limits)
    contexts = _bounded(_dict(payload.get("contexts")), limits)
    tags = _tags(payload.get("tags"), limits)
    request = _request(payload, limits)
    sdk, source = _sdk(payload.get("sdk"), sdk_client)
    trace = _dict(contexts.get("trace"))
    event: Event = {
        "event_id": _event_id(event_id),
        "project_id": project_id,
        "received_at": _iso(received_at),
        "timestamp": _timestamp(payload.get("timestamp"), received_at, limits),
        "platform": (_str(payload.get("platform"), 64) or "other").lower(),
        "level": normalize_level(payload.get("level"), "error"),
        "logger": _str(payload.get("logger"), limits.string_chars),
        "message": message,
        "message_template": template,
        "exception": _exceptions(payload, limits),
        "breadcrumbs": _breadcrumbs(payload.get("breadcrumbs"), limits),
        "release": _str(payload.get("release"), limits.string_chars),
        "environment": _str(payload.get("environment"), limits.string_chars),
        "server_name": _str(payload.get("server_name"), limits.string_chars),
        "transaction": _str(payload.get("transaction"), limits.string_chars),
        "service": _service(tags, contexts),
        "request": request,
        "user": _user(payload.get("user"), limits),
        "tags": tags,
        "contexts": contexts,
        "extra": _bounded(_dict(payload.get("extra")), limits),
        "trace_id": _hex_id(trace.get("trace_id")),
        "span_id": _hex_id(trace.get("span_id")),
        "request_id": _request_id(tags, request),
        "fingerprint": _fingerprint(payload.get("fingerprint"), limits),
        "source": source,
        "sdk": sdk,
        "size": size if isinstance(size, int) and size >= 0 else 0,
    }
    return event


def _event_id(value: Any) -> str:
    """32 lowercase hex chars; a missing or malformed id gets a fresh one (never raise)."""
    text = value.replace("-", "").strip().lower() if isinstance(value, str) else ""
    if len(text) == 32 and all(c in "0123456789abcdef" for c in text):
        return text
    return uuid.uuid4().hex


def normalize_minimal(
    payload: dict[str, Any],
    *,
    project_id: int,
    event_id: str,
    received_at: datetime,
    limits: NormalizeLimits = DEFAULT,
    size: int | None = None,
) -> Event:
    """Normalise the small JSON an app without an SDK may POST.

    ``{"message": "...", "level": "error"}`` or
    ``{"exception": {"type": "X", "value": "y", "stacktrace": "<plain text trace>"}}``;
    a top-level ``"stacktrace": "<text>"`` with only a message is accepted too.
    Text traces stay in ``exception[i]["stacktrace"] = {"frames": [], "raw": text}``
    for the log trace parsers to turn into frames later.
    """
    if not isinstance(payload, dict):
        raise NormalizeError(f"an event must be a JSON object, not {type(payload).__name__}")
    if isinstance(payload.get("stacktrace"), str) and not payload.get("exception"):
        message = payload.get("message")
        text = message if isinstance(message, str) else None
        payload = {**payload, "exception": {"value": text, "stacktrace": payload["stacktrace"]}}
    event = normalize_sentry_event(
        payload, project_id=project_id, event_id=event_id, received_at=received_at, limits=limits, size=size
    )
    if not event["sdk"]:
        event["source"] = "api:minimal"
    return event


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


def event_title(event: Event, limit: int = 256) -> str:
    """What a list of issues shows: "TypeError: x is undefined", else the message.

    Uses the outermost (last) exception; an exception without a type (JS
    message events) shows its value. Only the first line, at most ``limit``.
    """
    for exc in reversed(event.get("exception") or []):
        kind, value = exc.get("type"), _first_line(exc.get("value") or "")
        if kind or value:
            title = f"{kind}: {value}" if kind and value else (kind or value)
            return _trim(title, limit)
    message = _first_line(event.get("message") or "")
    return _trim(message, limit) if message else "<unlabeled event>"


def _culprit_frame(event: Event) -> Frame | None:
    """The last in-app frame of the outermost exception that has frames (else its last frame)."""
    for exc in reversed(event.get("exception") or []):
        frames = (exc.get("stacktrace") or {}).get("frames") or []
        if frames:
            return next((f for f in reversed(frames) if f.get("in_app")), frames[-1])
    return None


def event_culprit(event: Event) -> str:
    """Where it happened: the transaction, else "module in function" of the culprit frame."""
    if event.get("transaction"):
        return event["transaction"] or ""
    frame = _culprit_frame(event)
    if frame is None:
        return ""
    where = frame.get("module") or frame.get("filename") or frame.get("abs_path") or ""
    function = frame.get("function") or ""
    return f"{where} in {function}" if where and function else where or function
