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

from typing import Any, TypedDict


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
    raw: str  # a plain-text trace for the log parsers
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


LEVELS = ("debug", "info", "warning", "error", "fatal")
LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}


def level_at_least(level: str | None, minimum: str) -> bool:
    """True when ``level`` is as severe as ``minimum`` (unknown levels count as error)."""
    return LEVEL_RANK.get(level or "error", LEVEL_RANK["error"]) >= LEVEL_RANK[minimum]
