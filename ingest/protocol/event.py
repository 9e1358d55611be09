"""The one normalised Event shape every door (SDK, logs, OTLP) produces.

Events are plain dicts at run time (cheap to build, to serialise with orjson and
to store as JSON); these TypedDicts document and type-check their shape. Field
names follow the Sentry event protocol where one exists, so an SDK payload needs
little renaming.

Optional interfaces (``stacktrace``, ``threads``, ``debug_meta``, ``modules``,
``culprit``, ``errors``, ``_meta`` and the native frame fields) are present only
when the SDK sent them (or normalisation had something to note), so an event
that never had them keeps its old shape.

Order conventions (as Sentry sends them):
- ``exception`` is oldest first: a chained cause comes *before* the exception
  it caused; the last entry is the outermost error that was finally raised.
- ``stacktrace.frames`` run caller -> callee: the last frame is where the error
  was raised.
"""

from __future__ import annotations

from typing import Any, TypedDict, overload


class Frame(TypedDict, total=False):
    filename: str | None
    abs_path: str | None
    module: str | None
    function: str | None
    lineno: int | None
    colno: int | None
    in_app: bool | None
    context_line: str | None
    pre_context: list[str]
    post_context: list[str]
    vars: dict[str, Any]
    # native and mixed stacks (present only when sent)
    instruction_addr: str
    symbol_addr: str
    image_addr: str
    addr_mode: str
    package: str  # the binary the frame is in
    symbol: str  # the mangled symbol
    raw_function: str  # the function before the SDK trimmed/demangled it
    function_id: str
    trust: str
    platform: str  # the frame's own platform, from Sentry's list
    data: dict[str, Any]
    native: bool
    stack_start: bool


class Stacktrace(TypedDict, total=False):
    frames: list[Frame]
    frames_omitted: int
    raw: str  # a plain-text trace not parsed into frames yet (minimal JSON, log doors)
    registers: dict[str, Any]
    snapshot: bool


class Mechanism(TypedDict, total=False):
    type: str
    handled: bool | None
    synthetic: bool
    description: str
    help_link: str
    source: str
    is_exception_group: bool
    exception_id: int
    parent_id: int
    meta: dict[str, Any]
    data: dict[str, Any]


class ExceptionValue(TypedDict, total=False):
    type: str | None
    value: str | None
    module: str | None
    mechanism: Mechanism
    stacktrace: Stacktrace
    raw_stacktrace: Stacktrace  # before symbolication / source maps, when the SDK sent both
    thread_id: int | str


class Thread(TypedDict, total=False):
    id: int | str | None
    name: str | None
    state: str
    crashed: bool
    current: bool
    main: bool
    daemon: bool
    stacktrace: Stacktrace
    raw_stacktrace: Stacktrace
    held_locks: dict[str, Any]


class DebugMeta(TypedDict, total=False):
    images: list[dict[str, Any]]  # type, code_file, debug_id, image_addr, image_size ...
    sdk_info: dict[str, Any]


class Request(TypedDict, total=False):
    method: str | None
    url: str | None
    status_code: int | None
    headers: dict[str, str]
    query_string: str | None
    data: Any
    fragment: str
    env: dict[str, Any]
    api_target: str
    inferred_content_type: str
    body_size: int


class User(TypedDict, total=False):
    id: str | None
    email: str | None
    username: str | None
    ip_address: str | None
    name: str
    segment: str
    geo: dict[str, str]  # city, country_code, region, subdivision
    data: dict[str, Any]


class Event(TypedDict, total=False):
    event_id: str  # 32 lowercase hex chars
    project_id: int
    received_at: str  # ISO 8601 UTC
    timestamp: str  # ISO 8601 UTC
    platform: str
    level: str  # fatal | error | warning | info | debug
    logger: str | None
    message: str | None
    message_template: str | None  # logentry.message before parameters, for grouping
    exception: list[ExceptionValue]
    stacktrace: Stacktrace  # a top-level stack (message events of .NET, Elixir, legacy Python)
    threads: list[Thread]
    debug_meta: DebugMeta
    modules: dict[str, str]
    breadcrumbs: list[dict[str, Any]]
    type: str  # "error" (has an exception) | "default" | "csp" ... as Sentry names event types
    culprit: str  # as an older SDK sent it
    csp: dict[str, Any]  # a security report sent as an event (legacy); also expectct, expectstaple, hpkp
    expectct: dict[str, Any]
    expectstaple: dict[str, Any]
    hpkp: dict[str, Any]
    dist: str
    errors: list[dict[str, Any]]  # what normalisation changed, e.g. a clamped timestamp and its original
    _meta: dict[str, Any]  # what the limits trimmed, by path: {"breadcrumbs": {"": {"len": 250}}}
    release: str | None
    environment: str | None
    server_name: str | None
    service: str | None
    transaction: str | None
    request: Request
    user: User
    tags: dict[str, str]
    contexts: dict[str, Any]
    extra: dict[str, Any]
    trace_id: str | None
    span_id: str | None
    request_id: str | None
    fingerprint: list[str]
    source: str  # "sdk:sentry.python/2.75.0" or "log:python" / "log:nginx" ...
    sdk: dict[str, Any]
    size: int


def searchable_stacks(event: Event) -> list[Stacktrace]:
    """The stacks whose frames search matches: every exception's, the top-level one, and the
    crashed thread's (the other threads are the runtime's idle ones, noise to a search)."""
    stacks = [exc["stacktrace"] for exc in event.get("exception") or [] if exc.get("stacktrace")]
    if event.get("stacktrace"):
        stacks.append(event["stacktrace"])
    crashed = next((t for t in event.get("threads") or [] if t.get("crashed") is True), None)
    if crashed is not None and crashed.get("stacktrace"):
        stacks.append(crashed["stacktrace"])
    return stacks


LEVELS = ("debug", "info", "warning", "error", "fatal")
LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}

#: Every spelling of a level that SDKs, loggers and log formats write (lower case) -> one of
#: ``LEVELS``. The one alias table: SDK events, Sentry log items, structured and text logs,
#: alert rules and the search language all read levels through it.
LEVEL_ALIASES: dict[str, str] = {
    "trace": "debug", "debug": "debug", "verbose": "debug", "fine": "debug", "finer": "debug",
    "finest": "debug", "config": "debug", "d": "debug", "v": "debug", "dbg": "debug",
    "info": "info", "information": "info", "informational": "info", "notice": "info", "log": "info",
    "i": "info", "inf": "info", "default": "info",
    "warn": "warning", "warning": "warning", "w": "warning", "wrn": "warning",
    "error": "error", "err": "error", "e": "error", "eror": "error", "severe": "error", "exception": "error",
    "fatal": "fatal", "critical": "fatal", "crit": "fatal", "panic": "fatal", "dpanic": "fatal",
    "emerg": "fatal", "emergency": "fatal", "alert": "fatal", "f": "fatal", "ftl": "fatal",
}  # fmt: skip

#: Syslog severities 0 (emerg) to 7 (debug), as RFC 5424 and GELF number them.
SYSLOG_SEVERITY_LEVELS = ("fatal", "fatal", "fatal", "error", "warning", "info", "info", "debug")


@overload
def normalize_level(value: object, default: str) -> str: ...
@overload
def normalize_level(value: object, default: None = None) -> str | None: ...


def normalize_level(value: object, default: str | None = None) -> str | None:
    """Any level spelling or number -> one of ``LEVELS``; ``default`` when missing or unknown.

    Words go through ``LEVEL_ALIASES`` (case and surrounding space ignored). Numbers:
    0-7 syslog (GELF), 10-60 Bunyan/pino (50 error, 60 fatal), 100-800 Google Cloud
    severity (500 error, 600+ critical); a string of digits counts as its number.
    SDK events pass ``default="error"`` (an event whose level we cannot read is still an
    error); log records pass nothing, so an unreadable level stays visibly unknown.
    """
    if isinstance(value, str):
        word = value.strip().lower()
        if word.isdigit():
            return normalize_level(int(word), default)
        return LEVEL_ALIASES.get(word, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:  # NaN
        return default
    return _numeric_level(value)


def _numeric_level(value: float) -> str:
    if 0 <= value <= 7:
        return SYSLOG_SEVERITY_LEVELS[int(value)]
    if value < 100:
        return (
            "fatal"
            if value >= 60
            else "error"
            if value >= 50
            else "warning"
            if value >= 40
            else "info"
            if value >= 30
            else "debug"
        )
    return (
        "fatal"
        if value >= 600
        else "error"
        if value >= 500
        else "warning"
        if value >= 400
        else "info"
        if value >= 200
        else "debug"
    )


def level_at_least(level: str | None, minimum: str) -> bool:
    """True when ``level`` is as severe as ``minimum`` (both through ``LEVEL_ALIASES``;
    a missing or unknown ``level`` counts as error, an unknown ``minimum`` as debug)."""
    rank = LEVEL_RANK[normalize_level(level, "error")]
    return rank >= LEVEL_RANK[normalize_level(minimum, "debug")]
