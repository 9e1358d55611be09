"""Issue lifecycle: every transition is a service and an activity entry.

``new -> acknowledged (has an owner) -> resolved (optionally in a release)
-> fixed (no recurrence for the quiet period)``; a recurrence makes a resolved
or fixed issue ``regressed`` (back in the inbox) unless the event comes from a
release older than the fix; ``snoozed`` needs a reason and an end. There is no
permanent ignore.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from errorhub.accounts.models import Project
from errorhub.bulk import insert_rows
from errorhub.events.stores import get_event_store
from errorhub.issues.actions import (
    Acknowledge,
    ActionResult,
    AddComment,
    Assign,
    IssueAction,
    Merge,
    Reopen,
    Resolve,
    Snooze,
    Unmerge,
)
from errorhub.issues.models import Activity, Comment, GroupHash, Issue, IssueHour, IssueUser, Lifecycle
from ingest.protocol.errors import ClientError

Actor = AbstractBaseUser | None

#: The longest snooze, by time and by further events, wherever it is asked for (API,
#: dashboard, Slack): a longer one is a permanent ignore in disguise, which ErrorHub does
#: not have; the count also keeps ``times_seen + count`` inside its integer column.
MAX_SNOOZE = timedelta(days=365)
MAX_SNOOZE_COUNT = 10_000_000
MAX_SNOOZE_HOURS = int(MAX_SNOOZE / timedelta(hours=1))  # the same limit, for doors that ask in hours


class LifecycleError(ClientError, ValueError):
    """A transition that is not allowed; the message says why (answered as 400)."""


def _log(issue: Issue, kind: str, *, user: Actor, actor: str = "", **data: Any) -> Activity:
    return Activity.objects.create(
        issue=issue, kind=kind, user=user if user and user.is_authenticated else None, actor=actor, data=data
    )


def _set_state(issue: Issue, lifecycle: str, *, in_inbox: bool, reason: str = "") -> None:
    issue.lifecycle = lifecycle
    if in_inbox and not issue.in_inbox:
        issue.inbox_since = timezone.now()
    issue.in_inbox = in_inbox
    if reason:
        issue.inbox_reason = reason


def _clear_resolution_and_snooze(issue: Issue) -> None:
    issue.resolved_in_release = ""
    issue.resolved_in_next_release = False
    issue.resolved_at = None
    issue.snooze_reason = ""
    issue.snooze_until = None
    issue.snooze_until_count = None
    issue.snooze_until_users = None


@transaction.atomic
def issue_acknowledge(
    *, issue: Issue, user: Actor, assignee: AbstractBaseUser | None = None, actor: str = "", reason: str = ""
) -> Issue:
    """Take an issue out of the inbox by giving it an owner (the acting user by default)."""
    owner = assignee or (user if user and user.is_authenticated else None)
    if owner is None:
        raise LifecycleError("acknowledging needs an owner: pass an assignee")
    _clear_resolution_and_snooze(issue)
    issue.assignee = owner
    _set_state(issue, Lifecycle.ACKNOWLEDGED, in_inbox=False)
    issue.save()
    _log(issue, "acknowledged", user=user, actor=actor, assignee=owner.get_username(), reason=reason)
    return issue


@transaction.atomic
def issue_assign(*, issue: Issue, user: Actor, assignee: AbstractBaseUser | None, actor: str = "") -> Issue:
    issue.assignee = assignee
    if assignee is not None and issue.lifecycle in (Lifecycle.NEW, Lifecycle.REGRESSED):
        _set_state(issue, Lifecycle.ACKNOWLEDGED, in_inbox=False)
    issue.save()
    _log(issue, "assigned", user=user, actor=actor, assignee=assignee.get_username() if assignee else None)
    return issue


@transaction.atomic
def issue_resolve(
    *,
    issue: Issue,
    user: Actor,
    release: str | None = None,
    next_release: bool = False,
    actor: str = "",
    reason: str = "",
) -> Issue:
    """Resolve now, in ``release``, or in the next release after the latest one seen."""
    _clear_resolution_and_snooze(issue)
    if next_release:
        issue.resolved_in_next_release = True
        issue.resolved_in_release = issue.last_release
    elif release:
        issue.resolved_in_release = release
    issue.resolved_at = timezone.now()
    _set_state(issue, Lifecycle.RESOLVED, in_inbox=False)
    issue.save()
    _log(issue, "resolved", user=user, actor=actor, release=release or "", next_release=next_release, reason=reason)
    return issue


@transaction.atomic
def issue_snooze(
    *,
    issue: Issue,
    user: Actor,
    reason: str,
    until: datetime | None = None,
    count: int | None = None,
    actor: str = "",
    users: int | None = None,
) -> Issue:
    """Snooze with a reason and an end: a time, a number of further events, a number of further
    users (Sentry's ``ignoreUserCount``), or several."""
    if not isinstance(reason, str) or not reason.strip():
        raise LifecycleError("a snooze needs a reason")
    if until is None and not count and not users:
        raise LifecycleError("a snooze needs an end: a time, a number of further events or users, or several")
    if until is not None and timezone.is_naive(until):
        raise LifecycleError("the snooze end needs a time zone")
    if until is not None and until <= timezone.now():
        raise LifecycleError("the snooze end must be in the future")
    if until is not None and until > timezone.now() + MAX_SNOOZE:
        raise LifecycleError(f"a snooze lasts at most {MAX_SNOOZE.days} days")
    if count is not None and not 0 < count <= MAX_SNOOZE_COUNT:
        raise LifecycleError(f"a snooze ends after 1 to {MAX_SNOOZE_COUNT} further events")
    if users is not None and not 0 < users <= MAX_SNOOZE_COUNT:
        raise LifecycleError(f"a snooze ends after 1 to {MAX_SNOOZE_COUNT} further users")
    _clear_resolution_and_snooze(issue)
    issue.snooze_reason = reason.strip()[:500]
    issue.snooze_until = until
    issue.snooze_until_count = issue.times_seen + count if count else None
    issue.snooze_until_users = issue.users_seen + users if users else None
    _set_state(issue, Lifecycle.SNOOZED, in_inbox=False)
    issue.save()
    _log(
        issue,
        "snoozed",
        user=user,
        actor=actor,
        reason=issue.snooze_reason,
        until=until.isoformat() if until else None,
        count=count,
        users=users,
    )
    return issue


#: what ending a snooze changes; saving only these keeps a caller's stale copy of the counts
#: (``times_seen``, ``last_seen``, ``users_seen``) from overwriting what ingest committed
_LIFECYCLE_FIELDS = [
    "lifecycle",
    "in_inbox",
    "inbox_since",
    "inbox_reason",
    "resolved_in_release",
    "resolved_in_next_release",
    "resolved_at",
    "snooze_reason",
    "snooze_until",
    "snooze_until_count",
    "snooze_until_users",
]


def issue_end_snooze(*, issue: Issue, why: str) -> Issue:
    """A snooze ran out (time or count): back to the inbox, with a note saying which.

    The caller holds the issue's row lock (ingest's batch, or the tick's reload)."""
    reason = issue.snooze_reason
    back_to = Lifecycle.ACKNOWLEDGED if issue.assignee_id else Lifecycle.NEW
    _clear_resolution_and_snooze(issue)
    _set_state(issue, back_to, in_inbox=True, reason="snooze_ended")
    issue.save(update_fields=_LIFECYCLE_FIELDS)  # never the counts: ingest owns those
    _log(issue, "snooze_ended", user=None, actor="system", why=why, snooze_reason=reason)
    return issue


@transaction.atomic
def issue_reopen(*, issue: Issue, user: Actor, actor: str = "") -> Issue:
    _clear_resolution_and_snooze(issue)
    _set_state(
        issue,
        Lifecycle.NEW if not issue.assignee_id else Lifecycle.ACKNOWLEDGED,
        in_inbox=not issue.assignee_id,
        reason="reopened",
    )
    issue.save()
    _log(issue, "reopened", user=user, actor=actor)
    return issue


def issue_regress(*, issue: Issue, release: str) -> None:
    """Called by processing when a resolved/fixed issue recurs."""
    previous = issue.lifecycle
    _clear_resolution_and_snooze(issue)
    _set_state(issue, Lifecycle.REGRESSED, in_inbox=True, reason="regressed")
    _log(issue, "regressed", user=None, actor="system", release=release, previous=previous)


@transaction.atomic
def issue_comment(*, issue: Issue, user: AbstractBaseUser, text: str) -> Comment:
    if not text.strip():
        raise LifecycleError("a comment needs text")
    comment = Comment.objects.create(issue=issue, user=user, text=text.strip()[:10_000])
    _log(issue, "comment", user=user, comment_id=comment.id)
    return comment


def issue_create_for_hash(*, project: Project, template: Issue | dict[str, Any], version: str) -> Issue:
    """A new issue with the next short id of its project."""
    Project.objects.filter(pk=project.pk).update(next_short_id=F("next_short_id") + 1)
    short_id = Project.objects.values_list("next_short_id", flat=True).get(pk=project.pk) - 1
    if isinstance(template, Issue):
        fields = {
            k: getattr(template, k)
            for k in ("title", "culprit", "level", "platform", "source", "metadata", "first_seen", "last_seen")
        }
    else:
        fields = template
    return Issue.objects.create(project=project, short_id=short_id, grouping_version=version, **fields)


def issue_hours_add(*, counts: dict[tuple[int, datetime], int]) -> None:
    """Add event counts to issues' hourly rows, ``{(issue_id, hour): n}``: one
    insert-or-increment statement for all of them."""
    table = connection.ops.quote_name(IssueHour._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    insert_rows(
        IssueHour,
        ["issue_id", "hour", "count"],
        [(issue_id, adapt(hour), n) for (issue_id, hour), n in sorted(counts.items())],
        on_conflict=f"(issue_id, hour) DO UPDATE SET count = {table}.count + excluded.count",
    )


@transaction.atomic
def issue_merge(*, survivor: Issue, others: list[Issue], user: Actor, actor: str = "") -> Issue:
    """Merge ``others`` into ``survivor``: their events move, their fingerprints now
    point at the survivor, so events arriving later follow the merge."""
    others = [o for o in others if o.pk != survivor.pk]
    if any(o.project_id != survivor.project_id for o in others):
        raise LifecycleError("only issues of the same project can be merged")
    for other in others:
        GroupHash.objects.filter(issue=other).update(issue=survivor)
        _move_hours(other, survivor)
        get_event_store().move_issue(from_issue_id=other.pk, to_issue_id=survivor.pk)
        survivor.times_seen += other.times_seen
        survivor.first_seen = min(survivor.first_seen, other.first_seen)
        survivor.last_seen = max(survivor.last_seen, other.last_seen)
        other.merged_into = survivor
        other.in_inbox = False
        other.lifecycle = Lifecycle.RESOLVED
        other.save()
        _log(other, "merged_into", user=user, actor=actor, survivor=survivor.pk)
    survivor.save()
    _recount_users(survivor, others)
    _log(survivor, "merged", user=user, actor=actor, merged=[o.pk for o in others])
    return survivor


def _move_hours(other: Issue, survivor: Issue) -> None:
    counts = dict(IssueHour.objects.filter(issue=other).values_list("hour", "count"))
    if counts:
        issue_hours_add(counts={(survivor.pk, hour): n for hour, n in counts.items()})
        IssueHour.objects.filter(issue=other).delete()


def _recount_users(survivor: Issue, others: list[Issue]) -> None:
    hashes = IssueUser.objects.filter(issue__in=others).values_list("user_hash", flat=True)
    IssueUser.objects.bulk_create([IssueUser(issue=survivor, user_hash=h) for h in hashes], ignore_conflicts=True)
    survivor.users_seen = IssueUser.objects.filter(issue=survivor).count()
    survivor.save(update_fields=["users_seen"])


@transaction.atomic
def issue_unmerge(*, issue: Issue, group_hash: str, user: Actor, actor: str = "") -> Issue:
    """Split one fingerprint back out into an issue of its own (for future events,
    and moving the events that fingerprint brought when the store knows them)."""
    gh = GroupHash.objects.select_for_update().filter(issue=issue, hash=group_hash).first()
    if gh is None:
        raise LifecycleError(f"hash {group_hash[:64]!r} is not one of this issue's fingerprints")
    if issue.hashes.count() < 2:
        raise LifecycleError("an issue with a single fingerprint cannot be unmerged")
    new_issue = issue_create_for_hash(project=issue.project, template=issue, version=gh.version)
    gh.issue = new_issue
    gh.save(update_fields=["issue"])
    _log(issue, "unmerged", user=user, actor=actor, hash=group_hash, new_issue=new_issue.pk)
    return new_issue


@transaction.atomic
def issue_apply_action(issue: Issue, action: IssueAction, *, user: Actor, actor: str = "") -> ActionResult:
    """Apply one action from any door (API, dashboard, Slack) as ``user`` (``actor`` names the
    door's own identity, e.g. ``slack:U123``). A refused action raises ``LifecycleError`` (a
    ``ClientError``) with the one message every door shows."""
    merged: tuple[Issue, ...] = ()
    new_issue = comment = None
    match action:
        case Acknowledge(assignee=assignee, reason=reason):
            issue_acknowledge(issue=issue, user=user, assignee=assignee, actor=actor, reason=reason)
        case Assign(assignee=assignee):
            issue_assign(issue=issue, user=user, assignee=assignee, actor=actor)
        case Resolve(release=release, next_release=next_release, reason=reason):
            issue_resolve(
                issue=issue, user=user, release=release or None, next_release=next_release, actor=actor, reason=reason
            )
        case Reopen():
            issue_reopen(issue=issue, user=user, actor=actor)
        case Snooze(reason=reason, until=until, count=count, users=users):
            issue_snooze(issue=issue, user=user, reason=reason, until=until, count=count, actor=actor, users=users)
        case Merge(others=others):
            merged = _merge_candidates(issue, others)
            issue_merge(survivor=issue, others=list(merged), user=user, actor=actor)
        case Unmerge(group_hash=group_hash):
            new_issue = issue_unmerge(issue=issue, group_hash=group_hash, user=user, actor=actor)
        case AddComment(text=text):
            comment = _comment_as(issue, user, text)
    issue.refresh_from_db()
    return ActionResult(issue=issue, new_issue=new_issue, comment=comment, merged=merged)


def _merge_candidates(survivor: Issue, others: tuple[Issue, ...]) -> tuple[Issue, ...]:
    """``others`` without the survivor; naming only the survivor is a mistake worth saying."""
    candidates = tuple(o for o in others if o.pk != survivor.pk)
    if others and not candidates:
        raise LifecycleError("an issue cannot be merged into itself")
    return candidates


def _comment_as(issue: Issue, user: Actor, text: str) -> Comment:
    if user is None or not user.is_authenticated:
        raise LifecycleError("a comment needs a signed-in author")
    return issue_comment(issue=issue, user=user, text=text)


def issues_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Periodic: end snoozes whose time passed; resolved issues quiet for the
    project's quiet period become fixed.

    The candidates are found in SQL without a lock; each is then reloaded under
    its row lock and checked again, because ingest may have regressed it (or a
    user resolved it) since: the tick must never write back a stale issue.
    """
    now = now or timezone.now()
    ended = sum(_end_snooze_if_due(pk, now) for pk in _expired_snooze_ids(now))
    fixed = sum(_fix_if_quiet(pk, now) for pk in _quiet_resolved_ids(now))
    return {"snoozes_ended": ended, "fixed": fixed}


def _expired_snooze_ids(now: datetime) -> list[int]:
    return list(
        Issue.objects.filter(lifecycle=Lifecycle.SNOOZED, snooze_until__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _quiet_since_before(cutoff: datetime) -> Q:
    """Resolved and last seen no later than ``cutoff`` (the quiet period's start)."""
    return Q(last_seen__lte=cutoff) & (Q(resolved_at__isnull=True) | Q(resolved_at__lte=cutoff))


def _quiet_resolved_ids(now: datetime) -> list[int]:
    """Resolved issues quiet for their quiet period, filtered by the database: one query
    per distinct ``quiet_period_days`` (a handful), not every resolved issue in Python."""
    resolved = Issue.objects.filter(lifecycle=Lifecycle.RESOLVED)
    if settings.QUIET_PERIOD_SECONDS:
        quiet = _quiet_since_before(now - timedelta(seconds=settings.QUIET_PERIOD_SECONDS))
    else:
        days = resolved.order_by().values_list("project__quiet_period_days", flat=True).distinct()
        quiet = Q(pk__in=[])
        for day_count in days:
            quiet |= Q(project__quiet_period_days=day_count) & _quiet_since_before(now - timedelta(days=day_count))
    return list(resolved.filter(quiet).order_by("pk").values_list("pk", flat=True))


def _locked(pk: int) -> Issue | None:
    """The issue as committed now, row-locked for the caller's transaction (None if deleted)."""
    return Issue.objects.select_for_update(of=("self",)).select_related("project").filter(pk=pk).first()


@transaction.atomic
def _end_snooze_if_due(pk: int, now: datetime) -> int:
    issue = _locked(pk)
    if issue is None or issue.lifecycle != Lifecycle.SNOOZED or not issue.snooze_until or issue.snooze_until > now:
        return 0
    issue_end_snooze(issue=issue, why="time")
    return 1


@transaction.atomic
def _fix_if_quiet(pk: int, now: datetime) -> int:
    issue = _locked(pk)
    if issue is None or issue.lifecycle != Lifecycle.RESOLVED:
        return 0
    period = quiet_period(issue)
    if max(issue.resolved_at or issue.last_seen, issue.last_seen) + period > now:
        return 0
    issue.lifecycle = Lifecycle.FIXED
    issue.save(update_fields=["lifecycle"])
    _log(
        issue,
        "fixed",
        user=None,
        actor="system",
        quiet_days=issue.project.quiet_period_days,
        quiet_seconds=int(period.total_seconds()),
    )
    return 1


def quiet_period(issue: Issue) -> timedelta:
    """How long a resolved issue must stay quiet to become fixed: its project's
    ``quiet_period_days``, unless ``ERRORHUB_QUIET_PERIOD_SECONDS`` sets one for all."""
    if settings.QUIET_PERIOD_SECONDS:
        return timedelta(seconds=settings.QUIET_PERIOD_SECONDS)
    return timedelta(days=issue.project.quiet_period_days)


@transaction.atomic
def issues_settle_next_release(*, project_id: int, release: str) -> int:
    """Issues of a project "resolved in the next release" now count as resolved in ``release``,
    the release that was really deployed next (not merely the next one an event mentioned), so
    an event of ``release`` or newer regresses them and one of an older build does not.
    Returns how many were settled."""
    waiting = Issue.objects.select_for_update().filter(
        project_id=project_id, resolved_in_next_release=True, lifecycle__in=(Lifecycle.RESOLVED, Lifecycle.FIXED)
    )
    settled = 0
    for issue in waiting.exclude(resolved_in_release=release):
        issue.resolved_in_release = release
        issue.resolved_in_next_release = False
        issue.save(update_fields=["resolved_in_release", "resolved_in_next_release"])
        _log(issue, "release_deployed", user=None, actor="system", release=release)
        settled += 1
    return settled
