"""The one normalised Event shape every door (SDK, logs, OTLP) produces.

Events are plain dicts at run time (cheap to build, to serialise with orjson and
to store as JSON); these TypedDicts document and type-check their shape. Field
names follow the Sentry event protocol where one exists, so an SDK payload needs
little renaming.

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


class Stacktrace(TypedDict, total=False):
    frames: list[Frame]
    frames_omitted: int
    raw: str  # a plain-text trace not parsed into frames yet (minimal JSON, log doors)


class Mechanism(TypedDict, total=False):
    type: str
    handled: bool | None


class ExceptionValue(TypedDict, total=False):
    type: str | None
    value: str | None
    module: str | None
    mechanism: Mechanism
    stacktrace: Stacktrace


class Request(TypedDict, total=False):
    method: str | None
    url: str | None
    status_code: int | None
    headers: dict[str, str]
    query_string: str | None
    data: Any


class User(TypedDict, total=False):
    id: str | None
    email: str | None
    username: str | None
    ip_address: str | None


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
    breadcrumbs: list[dict[str, Any]]
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
