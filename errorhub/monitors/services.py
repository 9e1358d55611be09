"""Writes for cron monitors: recording check-ins, finding missed and timed-out runs.

A failed, missed or timed-out run becomes an *event* recorded through ``events_record``,
the same step every SDK event takes: it is fingerprinted per monitor and environment, so
it opens one issue (or counts into it, or regresses it once resolved) and the alert rules
see it like any other issue change. An ``ok`` check-in resolves that issue: the job
recovered. The monitor's thresholds delay both: a flaky job opens its issue only after
``failure_issue_threshold`` consecutive failed runs and resolves it only after
``recovery_threshold`` consecutive ok ones (Sentry's defaults, 1, act on the first).
Event ids are derived from the check-in, so a retried payload or a second beat tick
records nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from errorhub.accounts.models import Project
from errorhub.issues.digest import events_record
from errorhub.issues.models import Issue, Lifecycle
from errorhub.issues.services import issue_resolve
from errorhub.monitors.models import CheckIn, CheckInStatus, Monitor, MonitorEnvironment, ScheduleKind
from ingest.protocol.checkins import CheckIn as ParsedCheckIn
from ingest.protocol.checkins import MonitorConfig, Schedule, next_run
from ingest.protocol.normalize import normalize_sentry_event

_EVENT_NAMESPACE = uuid.UUID("6f0c5d0e-3a57-4c1e-9d7b-2f3c0e5a8b11")
#: Check-ins are kept as long as Sentry keeps them; the monitor's state does not depend on old ones.
CHECKIN_RETENTION = timedelta(days=90)
_FAILURES = {
    CheckInStatus.ERROR: "failed",
    CheckInStatus.TIMEOUT: "timed out",
    CheckInStatus.MISSED: "missed a check-in",
}

#: Plain strings: a ``TextChoices`` member hashes by its name, so it is not found in a set by value.
_FAILED_STATUSES = {status.value for status in _FAILURES}


@dataclass
class TickResult:
    """What one scan found: runs recorded as missed, runs recorded as timed out, old check-ins deleted."""

    missed: int = 0
    timed_out: int = 0
    pruned: int = 0


def schedule_of(monitor: Monitor) -> Schedule | None:
    """The monitor's schedule as the protocol module evaluates it (``None``: unscheduled)."""
    if monitor.schedule_kind == ScheduleKind.CRONTAB:
        return Schedule(kind="crontab", crontab=monitor.crontab)
    if monitor.schedule_kind == ScheduleKind.INTERVAL:
        return Schedule(kind="interval", seconds=monitor.interval_seconds)
    return None


def next_expected(monitor: Monitor, after: datetime) -> datetime | None:
    schedule = schedule_of(monitor)
    return None if schedule is None else next_run(schedule, monitor.timezone, after)


@transaction.atomic
def monitor_upsert(*, project: Project, slug: str, config: MonitorConfig | None) -> Monitor:
    """The project's monitor ``slug``, created on its first check-in; a config updates it."""
    monitor, _ = Monitor.objects.get_or_create(project=project, slug=slug)
    if config is None:
        return monitor
    monitor.schedule_kind = config.schedule.kind
    monitor.crontab = config.schedule.crontab
    monitor.interval_seconds = config.schedule.seconds
    monitor.timezone = config.timezone
    monitor.checkin_margin = config.checkin_margin
    monitor.max_runtime = config.max_runtime
    monitor.failure_issue_threshold = config.failure_issue_threshold
    monitor.recovery_threshold = config.recovery_threshold
    monitor.save()
    return monitor


@transaction.atomic
def checkin_record(*, project: Project, checkin: ParsedCheckIn, when: datetime | None = None) -> CheckIn:
    """Record one check-in: a run starts (``in_progress``) or ends (``ok``/``error``).

    The end of a run finds its start by ``check_in_id``; a check-in without one is a run
    of its own. Any check-in moves the next expected run on; an error opens (or regresses)
    the monitor's issue, an ok resolves it.
    """
    when = when or timezone.now()
    monitor = monitor_upsert(project=project, slug=checkin.monitor_slug, config=checkin.config)
    env, _ = MonitorEnvironment.objects.select_for_update().get_or_create(
        monitor=monitor, environment=checkin.environment
    )
    row = _checkin_row(env, checkin, when)
    env.last_checkin_at = when
    env.next_expected_at = next_expected(monitor, when)
    env.status = row.status
    env.save()
    if row.status in (CheckInStatus.ERROR, CheckInStatus.TIMEOUT):
        _record_failure(env, row, when)
    elif row.status == CheckInStatus.OK:
        _recover(env)
    return row


def _checkin_row(env: MonitorEnvironment, checkin: ParsedCheckIn, when: datetime) -> CheckIn:
    check_in_id = checkin.check_in_id or uuid.uuid4().hex
    row = CheckIn.objects.filter(monitor_environment=env, check_in_id=check_in_id).first()
    if row is None:
        row = CheckIn(monitor_environment=env, check_in_id=check_in_id, created_at=when)
    row.duration = checkin.duration if checkin.duration is not None else _elapsed(row, when)
    row.status = checkin.status
    row.release = checkin.release or row.release
    row.updated_at = when
    row.save()
    return row


def _elapsed(row: CheckIn, when: datetime) -> float | None:
    if row.pk is None or row.status != CheckInStatus.IN_PROGRESS:
        return None
    return max((when - row.created_at).total_seconds(), 0.0)


def _issue_open(env: MonitorEnvironment) -> bool:
    issue = env.issue
    return issue is not None and issue.lifecycle not in (Lifecycle.RESOLVED, Lifecycle.FIXED)


def _last_runs_all(env: MonitorEnvironment, count: int, statuses: set[str]) -> bool:
    """Whether the ``count`` most recently finished runs (in-progress ones are not finished)
    all ended in one of ``statuses``: the consecutive-run test of the thresholds."""
    finished = (
        CheckIn.objects.filter(monitor_environment=env)
        .exclude(status__in=(CheckInStatus.IN_PROGRESS, CheckInStatus.UNKNOWN))
        .order_by("-updated_at", "-pk")
        .values_list("status", flat=True)[:count]
    )
    outcomes = list(finished)
    return len(outcomes) == count and all(status in statuses for status in outcomes)


def _recover(env: MonitorEnvironment) -> None:
    """Enough consecutive ok runs resolve the issue the monitor's failures opened."""
    issue = env.issue
    if issue is None or not _issue_open(env):
        return
    if not _last_runs_all(env, env.monitor.recovery_threshold, {CheckInStatus.OK.value}):
        return
    issue_resolve(
        issue=Issue.objects.select_for_update().get(pk=issue.pk),
        user=None,
        actor="system",
        reason=f"cron monitor {env.monitor.slug} checked in ok",
    )


def _record_failure(env: MonitorEnvironment, row: CheckIn, when: datetime) -> None:
    """The failed run as an event of the monitor's issue (one issue per monitor and environment).

    While the issue is open every failure counts into it; otherwise only the run that completes
    ``failure_issue_threshold`` consecutive failures opens (or regresses) it.
    """
    monitor = env.monitor
    if not _issue_open(env) and not _last_runs_all(env, monitor.failure_issue_threshold, _FAILED_STATUSES):
        return
    what = _FAILURES[CheckInStatus(row.status)]
    event_id = uuid.uuid5(_EVENT_NAMESPACE, f"{env.pk}:{row.check_in_id}:{row.status}").hex
    body = {
        "event_id": event_id,
        "level": "error",
        "platform": "other",
        "logger": "errorhub.monitors",
        "timestamp": when.timestamp(),
        "environment": env.environment,
        "release": row.release or None,
        "message": f"Cron monitor {monitor.slug} {what}",
        "fingerprint": ["cron-monitor", monitor.slug, env.environment],
        "tags": {"monitor.slug": monitor.slug, "monitor.status": row.status},
        "contexts": {
            "monitor": {
                "slug": monitor.slug,
                "check_in_id": row.check_in_id,
                "status": row.status,
                "expected_at": row.expected_at.isoformat() if row.expected_at else None,
                "schedule": monitor.crontab or f"every {monitor.interval_seconds:g} s",
            }
        },
    }
    event = normalize_sentry_event(body, project_id=monitor.project_id, event_id=event_id, received_at=when)
    result = events_record(project=monitor.project, events=[event])
    if result.changes:
        env.issue_id = next(iter(result.changes))
        env.save(update_fields=["issue"])


def monitors_tick(*, now: datetime | None = None) -> TickResult:
    """Record every run that is now missed (due + margin passed with no check-in) or timed
    out (in progress longer than the max runtime). Called by the beat task."""
    now = now or timezone.now()
    result = TickResult()
    for env_id in MonitorEnvironment.objects.filter(next_expected_at__lt=now).values_list("pk", flat=True):
        result.missed += _miss_if_due(env_id, now)
    for row_id in CheckIn.objects.filter(status=CheckInStatus.IN_PROGRESS).values_list("pk", flat=True):
        result.timed_out += _time_out_if_due(row_id, now)
    result.pruned, _ = CheckIn.objects.filter(created_at__lt=now - CHECKIN_RETENTION).delete()
    return result


@transaction.atomic
def _miss_if_due(env_id: int, now: datetime) -> int:
    env = MonitorEnvironment.objects.select_for_update().select_related("monitor__project").get(pk=env_id)
    due, monitor = env.next_expected_at, env.monitor
    if due is None or due + timedelta(minutes=monitor.checkin_margin) >= now:
        return 0
    missed_id = uuid.uuid5(_EVENT_NAMESPACE, due.isoformat()).hex
    row = CheckIn.objects.create(
        monitor_environment=env,
        check_in_id=missed_id,
        status=CheckInStatus.MISSED,
        release=_last_release(env),
        expected_at=due,
        created_at=now,
        updated_at=now,
    )
    following = next_expected(monitor, due)
    while following is not None and following <= now:  # a long outage is one missed run, not one per tick
        following = next_expected(monitor, following)
    env.next_expected_at = following
    env.status = CheckInStatus.MISSED
    env.save()
    _record_failure(env, row, now)
    return 1


def _last_release(env: MonitorEnvironment) -> str:
    """The release the monitor last ran, for a missed run (which has no check-in of its own)."""
    latest = env.checkins.exclude(release="").order_by("-updated_at", "-pk").values_list("release", flat=True)
    return latest.first() or ""


@transaction.atomic
def _time_out_if_due(row_id: int, now: datetime) -> int:
    row = CheckIn.objects.select_for_update().select_related("monitor_environment__monitor__project").get(pk=row_id)
    env = row.monitor_environment
    if row.status != CheckInStatus.IN_PROGRESS or row.created_at + timedelta(minutes=env.monitor.max_runtime) >= now:
        return 0
    row.status = CheckInStatus.TIMEOUT
    row.updated_at = now
    row.save()
    env.status = CheckInStatus.TIMEOUT
    env.save(update_fields=["status"])
    _record_failure(env, row, now)
    return 1
