"""Cron check-ins (``check_in`` envelope items) parsed into dataclasses, and their schedules.

A check-in is what ``sentry_sdk.crons.capture_checkin``, the ``@monitor`` decorator and
``sentry-cli monitors run`` send: ``monitor_slug``, ``status`` (``in_progress`` when a run
starts, ``ok`` or ``error`` when it ends), the ``check_in_id`` tying the two together, the
run's ``duration`` in seconds, the ``environment`` and, optionally, a ``monitor_config``
that creates or updates the monitor (upsert): ``schedule`` as a crontab or an interval,
``checkin_margin`` and ``max_runtime`` in minutes, a ``timezone``, and how many consecutive
failed runs open an issue (``failure_issue_threshold``) and ok runs resolve it
(``recovery_threshold``). A ``release`` names the build that ran, for the failure event.

Pure Python, no Django: the item check of the ingest view and worker calls ``parse_check_in``
so a bad check-in is refused with a reason before it is queued. Minutes may be fractional
(Sentry sends integers): a test or a fast job can watch for a run a few seconds late.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from ingest.protocol.errors import ClientError

__all__ = ["CheckIn", "CheckInError", "MonitorConfig", "Schedule", "next_run", "parse_check_in"]

STATUSES = frozenset({"in_progress", "ok", "error", "timeout", "unknown"})
INTERVAL_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
#: Sentry's defaults when a config leaves them out (minutes).
DEFAULT_MARGIN, DEFAULT_MAX_RUNTIME = 1.0, 30.0
#: Sentry's bounds for the consecutive-run thresholds (a month of hourly runs at most).
MAX_THRESHOLD = 720
_MAX_RELEASE = 200
_MAX_MINUTES = 366 * 24 * 60
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_MAX_DURATION = 366 * 86400.0
_MAX_ENVIRONMENT = 64
#: Crontab nicknames croniter understands and Sentry accepts.
_NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class CheckInError(ClientError):
    """A check-in the client must fix: the message says which field and why."""


@dataclass(frozen=True)
class Schedule:
    """``kind`` is ``crontab`` (``crontab`` set) or ``interval`` (``seconds`` set)."""

    kind: str
    crontab: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class MonitorConfig:
    schedule: Schedule
    timezone: str = "UTC"
    checkin_margin: float = DEFAULT_MARGIN  # minutes
    max_runtime: float = DEFAULT_MAX_RUNTIME  # minutes
    failure_issue_threshold: int = 1  # consecutive failed runs before an issue opens
    recovery_threshold: int = 1  # consecutive ok runs before it resolves


@dataclass(frozen=True)
class CheckIn:
    monitor_slug: str
    status: str
    check_in_id: str | None = None
    duration: float | None = None
    environment: str = "production"
    release: str = ""
    config: MonitorConfig | None = None


def parse_check_in(body: dict[str, Any]) -> CheckIn:
    """The check-in item's JSON object as a ``CheckIn``; ``CheckInError`` names what is wrong."""
    slug = body.get("monitor_slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise CheckInError(f"monitor_slug must be 1-100 letters, digits, '-', '_' or '.', got {slug!r:.60}")
    status = body.get("status")
    if not isinstance(status, str) or status not in STATUSES:
        raise CheckInError(f"status must be one of {', '.join(sorted(STATUSES))}, got {status!r:.40}")
    environment = body.get("environment") or "production"
    if not isinstance(environment, str) or len(environment) > _MAX_ENVIRONMENT or "\x00" in environment:
        raise CheckInError(f"environment must be a string of at most {_MAX_ENVIRONMENT} characters")
    config = body.get("monitor_config")
    return CheckIn(
        monitor_slug=slug,
        status=status,
        check_in_id=_check_in_id(body.get("check_in_id")),
        duration=_duration(body.get("duration")),
        environment=environment,
        release=_release(body.get("release")),
        config=None if config is None else parse_monitor_config(config),
    )


def _check_in_id(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        raise CheckInError(f"check_in_id must be a UUID, got {value!r:.40}") from None


def _release(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > _MAX_RELEASE or not value.isprintable():
        raise CheckInError(f"release must be a printable string of at most {_MAX_RELEASE} characters")
    return value


def _duration(value: Any) -> float | None:
    if value is None:
        return None
    if not _is_number(value) or not 0 <= value <= _MAX_DURATION:
        raise CheckInError(f"duration must be a number of seconds from 0 to {_MAX_DURATION:.0f}, got {value!r:.40}")
    return float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_monitor_config(config: Any) -> MonitorConfig:
    """``monitor_config`` as the SDKs and sentry-cli send it."""
    if not isinstance(config, dict):
        raise CheckInError(f"monitor_config must be an object, got {type(config).__name__}")
    return MonitorConfig(
        schedule=_schedule(config.get("schedule")),
        timezone=_timezone(config.get("timezone")),
        checkin_margin=_minutes(config, "checkin_margin", DEFAULT_MARGIN),
        max_runtime=_minutes(config, "max_runtime", DEFAULT_MAX_RUNTIME),
        failure_issue_threshold=_threshold(config, "failure_issue_threshold"),
        recovery_threshold=_threshold(config, "recovery_threshold"),
    )


def _threshold(config: dict[str, Any], name: str) -> int:
    """A count of consecutive runs, 1 (Sentry's default: the first run decides) to ``MAX_THRESHOLD``."""
    value = config.get(name)
    if value is None:
        return 1
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_THRESHOLD:
        raise CheckInError(f"{name} must be a whole number of runs from 1 to {MAX_THRESHOLD}, got {value!r:.40}")
    return value


def _schedule(value: Any) -> Schedule:
    if not isinstance(value, dict):
        raise CheckInError("monitor_config.schedule must be an object with a type and a value")
    kind = value.get("type")
    if kind == "crontab":
        return Schedule(kind="crontab", crontab=_crontab(value.get("value")))
    if kind == "interval":
        unit: Any = value.get("unit")
        amount: Any = value.get("value")
        if unit not in INTERVAL_UNITS:
            raise CheckInError(f"schedule.unit must be one of {', '.join(INTERVAL_UNITS)}, got {unit!r:.40}")
        if not _is_number(amount) or not 0 < amount * INTERVAL_UNITS[unit] <= 366 * 86400:
            raise CheckInError(f"schedule.value must be a positive number of {unit}s up to a year, got {amount!r:.40}")
        return Schedule(kind="interval", seconds=float(amount * INTERVAL_UNITS[unit]))
    raise CheckInError(f"schedule.type must be crontab or interval, got {kind!r:.40}")


def _crontab(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 100:
        raise CheckInError(f"a crontab schedule must be a string, got {value!r:.40}")
    expression = _NICKNAMES.get(value.strip().lower(), value.strip())
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise CheckInError(f"schedule.value is not a five-field crontab: {value!r:.60}")
    return expression


def _timezone(value: Any) -> str:
    if value is None or value == "":
        return "UTC"
    if not isinstance(value, str) or len(value) > 64:
        raise CheckInError(f"timezone must be an IANA time zone name, got {value!r:.40}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise CheckInError(f"timezone {value!r:.40} is not a known IANA time zone") from None
    return value


def _minutes(config: dict[str, Any], name: str, default: float) -> float:
    value = config.get(name)
    if value is None:
        return default
    if not _is_number(value) or not 0 <= value <= _MAX_MINUTES:
        raise CheckInError(f"{name} must be a number of minutes from 0 to {_MAX_MINUTES}, got {value!r:.40}")
    return float(value)


def next_run(schedule: Schedule, timezone: str, after: datetime) -> datetime:
    """The first time the schedule is due strictly after ``after`` (an aware datetime).

    A crontab is read in the monitor's time zone (``0 9 * * *`` in Europe/Vienna is nine
    o'clock there, summer and winter); an interval simply counts from ``after``.
    """
    if schedule.kind == "interval":
        return after + timedelta(seconds=schedule.seconds)
    local = after.astimezone(ZoneInfo(timezone))
    due: datetime = croniter(schedule.crontab, local).get_next(datetime)
    return due.astimezone(after.tzinfo)
