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
- timestamps more than one hour in the future or older than ``past_age`` (30
  days by default; the worker passes the project's retention) are replaced by
  ``received_at`` (a device with a wrong clock must not land its event outside
  retention or in a far-future index); ``errors`` keeps the original.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from ingest.protocol.errors import ClientError
from ingest.protocol.event import Event, ExceptionValue, Frame, Request, Stacktrace, Thread, User, normalize_level
from ingest.protocol.platforms import frame_platform, normalize_platform
from ingest.protocol.scrub import FILTERED, scrub_params
from ingest.protocol.titles import event_culprit, event_title

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
    max_threads: int = 200
    max_images: int = 1000
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
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


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
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _timestamp(value: Any, received_at: datetime, limits: NormalizeLimits) -> str:
    """The event time, or ``received_at`` when missing, invalid or implausible."""
    return _checked_timestamp(value, received_at, limits)[0]


def _checked_timestamp(value: Any, received_at: datetime, limits: NormalizeLimits) -> tuple[str, dict[str, Any] | None]:
    """(the event time, the processing error that replaced it, if any).

    A time more than ``future_skew`` ahead or ``past_age`` behind ``received_at``
    (a device with a wrong clock) is replaced by ``received_at``; the error keeps
    the original, as Sentry's ``future_timestamp`` / ``past_timestamp`` errors do.
    """
    moment = _parse_time(value)
    if moment is None:
        return _iso(received_at), _time_error("invalid_data", value) if value is not None else None
    try:
        if moment - received_at > limits.future_skew:
            return _iso(received_at), _time_error("future_timestamp", value)
        if received_at - moment > limits.past_age:
            return _iso(received_at), _time_error("past_timestamp", value)
        return _iso(moment), None
    except (OverflowError, ValueError):
        return _iso(received_at), _time_error("invalid_data", value)


def _time_error(kind: str, value: Any) -> dict[str, Any]:
    original = value if isinstance(value, (int, float)) and not isinstance(value, bool) else _str(value, 64)
    return {"type": kind, "name": "timestamp", "value": original}


# --------------------------------------------------------------------------- message


# A %-format spec with a huge or '*' width/precision would let a payload make us
# allocate gigabytes ("%999999999d"); such templates are never formatted here.
_UNSAFE_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d{3,}|\d*\.(?:\*|\d{3,}))")


_BRACED = re.compile(r"\{([A-Za-z_][\w.-]{0,63}|\d{1,3})\}")


def _format_template(template: str, params: Any) -> str:
    """Fill a logentry template in the style it was written in.

    Python's %-style (positional or ``%(name)s``) first; then braces: ``{}`` in
    order (Java's SLF4J), ``{0}`` by index (.NET, Elixir) and ``{name}`` by key
    (structured loggers, ``params`` a dict). A placeholder with no matching
    param is left as written.
    """
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
        template = "".join(filled) + pieces[-1]
    if "{" in template:
        template = _BRACED.sub(lambda match: _braced_param(match, params), template)
    return template


def _braced_param(match: re.Match[str], params: list[Any] | dict[str, Any]) -> str:
    key = match.group(1)
    if isinstance(params, dict):
        found = params.get(key, match.group(0)) if key in params else match.group(0)
    elif key.isdigit() and int(key) < len(params):
        found = params[int(key)]
    else:
        found = match.group(0)
    return found if isinstance(found, str) else str(found) if not isinstance(found, (dict, list)) else match.group(0)


def _message(payload: dict[str, Any], limits: NormalizeLimits) -> tuple[str | None, str | None]:
    """(message, message_template) from ``logentry`` (preferred) or ``message``."""
    entry = payload.get("logentry")
    raw = payload.get("message")
    if not isinstance(entry, dict):
        entry = raw if isinstance(raw, dict) else {"formatted": raw}
        if isinstance(raw, str) and isinstance(payload.get("params"), (list, dict)) and payload["params"]:
            entry = {"message": raw, "params": payload["params"]}  # legacy clients: params beside the message
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
    frame.update(_native_frame_fields(raw, limits))
    return cast(Frame, frame)


# Native (and mixed) frames: addresses, the binary (``package``), the mangled symbol, the function before
# demangling/trimming (``raw_function``); kept only when sent, so a Python frame stays as small as before.
_NATIVE_FRAME_STRINGS = (
    "instruction_addr",
    "symbol_addr",
    "image_addr",
    "addr_mode",
    "package",
    "symbol",
    "raw_function",
    "function_id",
    "trust",
)


def _native_frame_fields(raw: dict[str, Any], limits: NormalizeLimits) -> dict[str, Any]:
    """The optional frame fields of native and mixed stacks, when present."""
    fields: dict[str, Any] = {}
    for key in _NATIVE_FRAME_STRINGS:
        text = _str(raw.get(key), limits.string_chars)
        if text is not None:
            fields[key] = text
    platform = frame_platform(raw.get("platform"))
    if platform is not None:
        fields["platform"] = platform
    if isinstance(raw.get("data"), dict) and raw["data"]:
        fields["data"] = _bounded(raw["data"], limits, depth=1)
    for flag in ("native", "stack_start"):
        if isinstance(raw.get(flag), bool):
            fields[flag] = raw[flag]
    return fields


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
    if isinstance(raw.get("registers"), dict) and raw["registers"]:
        result["registers"] = _bounded(raw["registers"], limits, depth=1)
    if isinstance(raw.get("snapshot"), bool):
        result["snapshot"] = raw["snapshot"]
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
    """type and handled always; the other fields Sentry defines when sent."""
    if not isinstance(raw, dict):
        return None
    handled = raw.get("handled")
    mechanism: dict[str, Any] = {
        "type": _str(raw.get("type"), limits.string_chars) or "generic",
        "handled": handled if isinstance(handled, bool) else None,
    }
    for key in ("description", "help_link", "source"):
        text = _str(raw.get(key), limits.string_chars)
        if text is not None:
            mechanism[key] = text
    for key in ("synthetic", "is_exception_group"):
        if isinstance(raw.get(key), bool):
            mechanism[key] = raw[key]
    for key in ("exception_id", "parent_id"):
        if _int(raw.get(key)) is not None:
            mechanism[key] = _int(raw.get(key))
    for key in ("meta", "data"):
        if isinstance(raw.get(key), dict) and raw[key]:
            mechanism[key] = _bounded(raw[key], limits, depth=1)
    return mechanism


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
    thread_id = _thread_id(raw.get("thread_id"))
    if thread_id is not None:
        exc["thread_id"] = thread_id
    raw_stacktrace = _stacktrace(raw.get("raw_stacktrace"), limits)
    if _has_content(raw_stacktrace):
        exc["raw_stacktrace"] = raw_stacktrace
    return cast(ExceptionValue, exc)


def _thread_id(value: Any) -> int | str | None:
    """A thread id as sent: an integer, or a string (some SDKs name threads)."""
    number = _int(value)
    if number is not None and not isinstance(value, str):
        return number
    return _str(value, 128)


def _has_content(stacktrace: Any) -> bool:
    """True when a stack trace has frames or raw text to parse later."""
    return isinstance(stacktrace, dict) and bool(stacktrace.get("frames") or stacktrace.get("raw"))


def _exceptions(payload: dict[str, Any], limits: NormalizeLimits) -> list[ExceptionValue]:
    """The chain, oldest first as sent; accepts ``{"values": [...]}``, a list or one object."""
    source = payload.get("exception")
    raws = [e for e in _values(source) if isinstance(e, dict)][-limits.max_exceptions :]
    container_mechanism = source.get("mechanism") if isinstance(source, dict) else None
    if raws and isinstance(container_mechanism, dict) and not raws[-1].get("mechanism"):
        # raven-js put the mechanism beside the values: it belongs to the outermost exception
        raws[-1] = {**raws[-1], "mechanism": container_mechanism}
    stacks = _link_thread_stacks(raws, payload)
    chain = (_exception(raw, stack, limits) for raw, stack in zip(raws, stacks))
    return [exc for exc in chain if exc is not None]


def _threads(payload: dict[str, Any], limits: NormalizeLimits, trims: dict[str, Any]) -> list[Thread]:
    """Every thread as sent (id, name, state, crashed/current/main, its stack), at most ``max_threads``.

    The crashed thread is always kept, even beyond the bound: it is the one a reader opens first.
    """
    raws = [t for t in _values(payload.get("threads")) if isinstance(t, dict)]
    if len(raws) > limits.max_threads:
        trims["threads"] = {"": {"len": len(raws)}}
        crashed = [t for t in raws[limits.max_threads :] if t.get("crashed") is True][:1]
        raws = raws[: limits.max_threads - len(crashed)] + crashed
    return [_thread(raw, limits) for raw in raws]


def _thread(raw: dict[str, Any], limits: NormalizeLimits) -> Thread:
    thread: dict[str, Any] = {"id": _thread_id(raw.get("id")), "name": _str(raw.get("name"), limits.string_chars)}
    for flag in ("crashed", "current", "main", "daemon"):
        if isinstance(raw.get(flag), bool):
            thread[flag] = raw[flag]
    state = _str(raw.get("state"), limits.string_chars)
    if state is not None:
        thread["state"] = state
    for key in ("stacktrace", "raw_stacktrace"):
        stacktrace = _stacktrace(raw.get(key), limits)
        if stacktrace is not None and (key == "stacktrace" or _has_content(stacktrace)):
            thread[key] = stacktrace
    if isinstance(raw.get("held_locks"), dict) and raw["held_locks"]:
        thread["held_locks"] = _bounded(raw["held_locks"], limits, depth=1)
    return cast(Thread, thread)


_DEBUG_IMAGE_KEYS = (
    "type",
    "code_file",
    "code_id",
    "debug_file",
    "debug_id",
    "debug_checksum",
    "image_addr",
    "image_vmaddr",
    "arch",
    "uuid",
    "name",
    "cpu_type",
    "cpu_subtype",
    "major_version",
    "minor_version",
    "revision_version",
    "image_size",
    "build_id",
    "code_checksum",
)


def _debug_meta(value: Any, limits: NormalizeLimits, trims: dict[str, Any]) -> dict[str, Any]:
    """``debug_meta``: the loaded images (the keys Sentry defines, any image type) and ``sdk_info``."""
    raw = _dict(value)
    images = [i for i in raw.get("images") or [] if isinstance(i, dict)] if isinstance(raw.get("images"), list) else []
    if len(images) > limits.max_images:
        trims["debug_meta"] = {"images": {"": {"len": len(images)}}}
        images = images[: limits.max_images]
    out: dict[str, Any] = {}
    if images:
        out["images"] = [_debug_image(image, limits) for image in images]
    if isinstance(raw.get("sdk_info"), dict) and raw["sdk_info"]:
        out["sdk_info"] = _bounded(raw["sdk_info"], limits, depth=1)
    return out


def _debug_image(raw: dict[str, Any], limits: NormalizeLimits) -> dict[str, Any]:
    image: dict[str, Any] = {}
    for key in _DEBUG_IMAGE_KEYS:
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and -_INT64 < value < _INT64:
            image[key] = value
        elif (text := _str(value, limits.string_chars)) is not None:
            image[key] = text
    return image


def _modules(value: Any, limits: NormalizeLimits) -> dict[str, str]:
    """Installed packages and their versions (``{"django": "5.1"}``), at most ``max_items``."""
    modules: dict[str, str] = {}
    for key, raw in _pairs(value)[: limits.max_items]:
        name, version = _str(key, limits.string_chars), _str(raw, limits.tag_value_chars)
        if name and version is not None:
            modules[name] = version
    return modules


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


def _request(payload: dict[str, Any], limits: NormalizeLimits, client_ip: str | None = None) -> Request:
    """Method, URL, status, headers, query string, body and the other fields of Sentry's request
    interface; cookies are not kept (session secrets, and never needed to triage)."""
    raw = _dict(payload.get("request"))
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
    for key in ("fragment", "api_target", "inferred_content_type"):
        text = _str(raw.get(key), limits.string_chars)
        if text:
            request[key] = text
    if _int(raw.get("body_size")) is not None:
        request["body_size"] = _int(raw.get("body_size"))
    env = _bounded(_dict(raw.get("env")), limits, depth=1)
    if env:
        if env.get("REMOTE_ADDR") == AUTO_IP:
            env["REMOTE_ADDR"] = client_ip
        request["env"] = {k: v for k, v in env.items() if v is not None}
    return cast(Request, request)


_USER_STRINGS = ("id", "email", "username", "ip_address", "name", "segment")
AUTO_IP = "{{auto}}"


def _user(value: Any, limits: NormalizeLimits, client_ip: str | None = None) -> User:
    """Every field Sentry defines (id, email, username, ip_address, name, segment, geo, data).

    ``ip_address: "{{auto}}"`` asks for the sender's address: ``client_ip`` fills
    it in (dropped when unknown). Fields Sentry does not define go to ``data``,
    as Sentry keeps them.
    """
    raw = _dict(value)
    if not raw:
        return cast(User, {})
    user: dict[str, Any] = {key: _str(raw.get(key), limits.string_chars) for key in _USER_STRINGS}
    if user["ip_address"] == AUTO_IP:
        user["ip_address"] = client_ip
    if isinstance(raw.get("geo"), dict):
        geo = {k: _str(v, limits.string_chars) for k, v in raw["geo"].items() if isinstance(k, str)}
        user["geo"] = {k: v for k, v in geo.items() if v is not None} or None
    data = dict(_dict(raw.get("data")))
    data.update({k: v for k, v in raw.items() if k not in (*_USER_STRINGS, "geo", "data", "sentry_user")})
    if data:
        user["data"] = _bounded(data, limits, depth=1)
    return cast(User, {key: item for key, item in user.items() if item is not None})


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
    sdk: dict[str, Any] = {"name": name, "version": version} if name else {}
    if name and isinstance(raw.get("integrations"), list):
        sdk["integrations"] = [text for item in raw["integrations"][:200] if (text := _str(item, 200))]
    if name and isinstance(raw.get("packages"), list):
        sdk["packages"] = [
            {"name": _str(p.get("name"), 200), "version": _str(p.get("version"), 100)}
            for p in raw["packages"][:200]
            if isinstance(p, dict)
        ]
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
        for key, limit in (("event_id", 64), ("origin", limits.string_chars)):
            text = _str(raw.get(key), limit)
            if text:
                crumb[key] = text
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
    client_ip: str | None = None,
) -> Event:
    """Build the normalised Event from a store/envelope event payload of any SDK.

    ``event_id`` and ``received_at`` come from the ingest step (the id it
    de-duplicated on, the time it accepted the request), not from the payload;
    ``sdk_client`` is the ``sentry_client`` of the auth header, used for
    ``source`` when the payload has no ``sdk``; ``size`` is the byte length of
    the payload as received; ``client_ip`` is the sender's address, filled in
    where the SDK asked for it with ``{{auto}}``.
    """
    if not isinstance(payload, dict):
        raise NormalizeError(f"an event must be a JSON object, not {type(payload).__name__}")
    payload = _unaliased(payload)
    received_at = _utc(received_at)
    message, template = _message(payload, limits)
    contexts = _bounded(_dict(payload.get("contexts")), limits)
    tags = _tags(payload.get("tags"), limits)
    request = _request(payload, limits, client_ip)
    sdk, source = _sdk(payload.get("sdk"), sdk_client)
    trace = _dict(contexts.get("trace"))
    timestamp, time_error = _checked_timestamp(payload.get("timestamp"), received_at, limits)
    trims: dict[str, Any] = {}
    event: Event = {
        "event_id": _event_id(event_id),
        "project_id": project_id,
        "received_at": _iso(received_at),
        "timestamp": timestamp,
        "platform": normalize_platform(payload.get("platform")),
        "level": _sdk_level(payload.get("level")),
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
        "user": _user(payload.get("user"), limits, client_ip),
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
    event.update(cast(Event, _optional_interfaces(payload, limits, trims)))
    event["type"] = (
        "error"
        if event["exception"]
        else next((name for name in ("csp", "expectct", "expectstaple", "hpkp") if name in event), "default")
    )
    _note_trims(payload, event, limits, trims)
    if time_error is not None:
        event["errors"] = [time_error]
    if trims:
        event["_meta"] = trims
    return event


# Older SDKs (raven-python) send Python's logging numbers; Sentry reads them so.
_SENTRY_NUMERIC_LEVELS = {10: "debug", 20: "info", 30: "warning", 40: "error", 50: "fatal"}


def _sdk_level(value: Any) -> str:
    """An SDK event's level; numbers as Python's logging numbers them (Sentry's reading)."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
        number = int(value.strip())
    if number in _SENTRY_NUMERIC_LEVELS:
        return _SENTRY_NUMERIC_LEVELS[number]
    return normalize_level(value, "error")


# Interfaces older SDKs (raven-*) send under their class path; the short name wins when both are sent.
_LEGACY_ALIASES = {
    "sentry.interfaces.Exception": "exception", "sentry.interfaces.Message": "logentry",
    "sentry.interfaces.Stacktrace": "stacktrace", "sentry.interfaces.Http": "request",
    "sentry.interfaces.User": "user", "sentry.interfaces.Breadcrumbs": "breadcrumbs",
    "sentry.interfaces.Contexts": "contexts", "sentry.interfaces.Threads": "threads",
    "sentry.interfaces.DebugMeta": "debug_meta", "sentry.interfaces.Template": "template",
    "sentry.interfaces.Csp": "csp", "sentry.interfaces.Expectct": "expectct",
    "sentry.interfaces.Expectstaple": "expectstaple", "sentry.interfaces.Hpkp": "hpkp",
    "sentry.interfaces.Sdk": "sdk",
}  # fmt: skip


def _unaliased(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with ``sentry.interfaces.*`` keys under their current names."""
    legacy = [key for key in payload if isinstance(key, str) and key.startswith("sentry.interfaces.")]
    if not legacy:
        return payload
    payload = dict(payload)
    for key in legacy:
        name = _LEGACY_ALIASES.get(key)
        value = payload.pop(key)
        if name is not None and payload.get(name) is None:
            payload[name] = value
    return payload


def _optional_interfaces(payload: dict[str, Any], limits: NormalizeLimits, trims: dict[str, Any]) -> dict[str, Any]:
    """Interfaces only some SDKs send, present in the event only when sent (older events stay as they were)."""
    found: dict[str, Any] = {}
    stacktrace = _stacktrace(payload.get("stacktrace"), limits) if isinstance(payload.get("stacktrace"), dict) else None
    if stacktrace is not None and stacktrace.get("frames"):
        found["stacktrace"] = stacktrace
    threads = _threads(payload, limits, trims)
    if threads:
        found["threads"] = threads
    debug_meta = _debug_meta(payload.get("debug_meta"), limits, trims)
    if debug_meta:
        found["debug_meta"] = debug_meta
    modules = _modules(payload.get("modules"), limits)
    if modules:
        found["modules"] = modules
    for name in ("csp", "expectct", "expectstaple", "hpkp"):  # security reports sent as events (legacy)
        if isinstance(payload.get(name), dict) and payload[name]:
            found[name] = _bounded(payload[name], limits, depth=1)
    for name, limit in (("culprit", 200), ("dist", 64)):
        text = _str(payload.get(name), limit)
        if text and text.strip():
            found[name] = text.strip()
    return found


def _note_trims(payload: dict[str, Any], event: Event, limits: NormalizeLimits, trims: dict[str, Any]) -> None:
    """Mark in ``_meta`` (Sentry's place for it) what the limits cut: original lengths by path."""
    crumbs = [c for c in _values(payload.get("breadcrumbs")) if isinstance(c, dict)]
    if len(crumbs) > len(event["breadcrumbs"]):
        trims["breadcrumbs"] = {"": {"len": len(crumbs)}}
    exceptions = [e for e in _values(payload.get("exception")) if isinstance(e, dict)]
    if len(exceptions) > limits.max_exceptions:
        trims["exception"] = {"": {"len": len(exceptions)}}
    message = event.get("message")
    if isinstance(message, str) and message.endswith(ELLIPSIS) and len(message) >= limits.message_chars:
        trims["message"] = {"": {"rem": [["!limit", "s"]]}}


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
