"""Dashboard reads that go beyond ``errorhub.accounts.selectors``: impact ordering,
per-page sparklines in one query, keyset cursors, tag and release summaries.

Everything starts from a queryset the selectors already scoped to the user.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime

from errorhub.accounts import selectors
from errorhub.accounts.models import ApiToken, Organization, Project, Team, UserProfile
from errorhub.events.models import Attachment
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import HistogramBucket
from errorhub.events.stores.cursors import decode_keyset, fits_bigint
from errorhub.issues.models import Activity, Deploy, Issue, IssueHour, Release
from ingest.models import DeadLetter, IngestCounter, SessionAggregate
from ingest.protocol.errors import ClientError

SPARK_HOURS = 24


def with_recent_counts(qs: QuerySet[Issue], *, now: datetime) -> QuerySet[Issue]:
    """Annotate ``recent``: events in the last 24 h, from the hourly counters."""
    recent = (
        IssueHour.objects.filter(issue=OuterRef("pk"), hour__gte=_hour(now) - timedelta(hours=23))
        .order_by()
        .values("issue")
        .annotate(n=Sum("count"))
        .values("n")
    )
    return qs.annotate(recent=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)))


def by_impact(qs: QuerySet[Issue], *, now: datetime) -> QuerySet[Issue]:
    """Impact first: events in the last 24 h, then distinct users, then recency."""
    return with_recent_counts(qs, now=now).order_by("-recent", "-users_seen", "-last_seen", "-pk")


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def sparklines(issue_ids: Sequence[int], *, now: datetime, hours: int = SPARK_HOURS) -> dict[int, list[int]]:
    """Hourly counts for the last ``hours`` per issue, in one query over the
    hourly counters (the same for every event store)."""
    end = _hour(now) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    out = {iid: [0] * hours for iid in issue_ids}
    rows = IssueHour.objects.filter(issue_id__in=list(issue_ids), hour__gte=start, hour__lt=end).values_list(
        "issue_id", "hour", "count"
    )
    for issue_id, hour, count in rows:
        slot = int((hour - start).total_seconds() // 3600)
        if 0 <= slot < hours:
            out[issue_id][slot] = count
    return out


def inbox_summary(qs: QuerySet[Issue]) -> tuple[list[dict[str, Any]], datetime | None]:
    """Inbox count per project and when the oldest untriaged issue entered the inbox."""
    per_project = list(
        qs.order_by()
        .values("project__organization__slug", "project__slug", "project__name")
        .annotate(n=Count("id"))
        .order_by("-n", "project__slug")
    )
    oldest = qs.aggregate(oldest=Min("inbox_since"))["oldest"]
    return per_project, oldest


# --- keyset cursors for the issues list --------------------------------------------

SORTS = {"last_seen": "Last seen", "first_seen": "First seen", "times_seen": "Events", "users_seen": "Users"}


def encode_cursor(issue: Issue, sort: str) -> str:
    value = getattr(issue, sort)
    raw = f"{value.isoformat() if isinstance(value, datetime) else value}|{issue.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


class InvalidPageLink(ClientError):
    """A page cursor the dashboard did not make (edited, cut short, out of range): answer 400."""

    def __init__(self) -> None:
        super().__init__("this page link is not valid any more; start from the first page")


def after_cursor(qs: QuerySet[Issue], sort: str, cursor: str) -> QuerySet[Issue]:
    """Rows after ``cursor`` in ``-sort, -pk`` order; ``InvalidPageLink`` on a cursor we did not make."""
    try:
        raw, pk = decode_keyset(cursor)
        value: Any = parse_datetime(raw) if sort in ("last_seen", "first_seen") else int(raw)
    except ValueError:  # bad base64, UTF-8, shape, date or number
        raise InvalidPageLink() from None
    if value is None or isinstance(value, int) and not fits_bigint(value):
        raise InvalidPageLink()
    return qs.filter(Q(**{f"{sort}__lt": value}) | Q(**{sort: value, "pk__lt": pk}))


def issue_histogram(issue_id: int, *, interval: str, start: datetime, end: datetime) -> list[HistogramBucket]:
    """Events over time for one issue from the hourly counters ("1h" or "1d" buckets)."""
    step = timedelta(hours=1) if interval == "1h" else timedelta(days=1)
    counts: dict[datetime, int] = defaultdict(int)
    for hour, count in IssueHour.objects.filter(issue_id=issue_id, hour__gte=start, hour__lt=end).values_list(
        "hour", "count"
    ):
        bucket = hour if interval == "1h" else hour.replace(hour=0)
        counts[bucket] += count
    buckets, cursor = [], start
    while cursor < end:
        buckets.append(HistogramBucket(start=cursor, count=counts.get(cursor, 0)))
        cursor += step
    return buckets


# --- issue page ----------------------------------------------------------------------

DEFAULT_TAGS = ("environment", "release", "server_name", "browser", "os", "runtime", "url", "level")


def tag_distributions(issue: Issue, event: dict[str, Any] | None, *, n: int = 5) -> list[dict[str, Any]]:
    """Top values of the latest event's tag keys (plus common ones), with shares."""
    keys = list((event or {}).get("tags") or {})[:8]
    keys += [k for k in DEFAULT_TAGS if k not in keys]
    store = get_event_store()
    out = []
    for key in keys[:10]:
        values = store.top_tag_values(issue.pk, key, n=n)
        if values:
            total = sum(c for _, c in values) or 1
            out.append(
                {"key": key, "values": [{"value": v, "count": c, "pct": round(100 * c / total)} for v, c in values]}
            )
    return out


# --- releases ------------------------------------------------------------------------


@dataclass
class ReleaseRow:
    version: str
    first_seen: datetime
    new_issues: list[Issue]
    regressions: int
    sessions: int
    crashed: int
    date_released: datetime | None = None
    commits: int = 0
    last_deploy: Deploy | None = None

    @property
    def crash_free(self) -> float | None:
        return None if not self.sessions else round(100 * (1 - self.crashed / self.sessions), 2)


def release_rows(project: Project, *, limit: int = 50) -> list[ReleaseRow]:
    releases = list(
        Release.objects.filter(project=project)
        .annotate(n_commits=Count("commits", distinct=True))
        .order_by("-first_seen")[:limit]
    )
    versions = [r.version for r in releases]
    last_deploys: dict[int, Deploy] = {}
    for deploy in Deploy.objects.filter(release__in=releases).order_by("date_finished", "pk"):
        last_deploys[deploy.release_id] = deploy  # the newest wins
    new_by_release: dict[str, list[Issue]] = defaultdict(list)
    for issue in (
        Issue.objects.filter(project=project, first_release__in=versions, merged_into__isnull=True)
        .select_related("project")
        .order_by("-times_seen")
    ):
        new_by_release[issue.first_release].append(issue)
    regressions: dict[str, int] = defaultdict(int)
    for data in Activity.objects.filter(issue__project=project, kind="regressed").values_list("data", flat=True):
        regressions[(data or {}).get("release") or ""] += 1
    sessions = {
        row["release"]: row
        for row in SessionAggregate.objects.filter(project=project, release__in=versions)
        .values("release")
        .annotate(
            total=Coalesce(Sum("healthy"), 0)
            + Coalesce(Sum("errored"), 0)
            + Coalesce(Sum("crashed"), 0)
            + Coalesce(Sum("abnormal"), 0),
            crashed_n=Coalesce(Sum("crashed"), 0),
        )
    }
    return [
        ReleaseRow(
            version=r.version,
            first_seen=r.first_seen,
            new_issues=new_by_release[r.version],
            regressions=regressions[r.version],
            sessions=sessions.get(r.version, {}).get("total", 0),
            crashed=sessions.get(r.version, {}).get("crashed_n", 0),
            date_released=r.date_released,
            commits=r.n_commits,
            last_deploy=last_deploys.get(r.pk),
        )
        for r in releases
    ]


#: How far back the project page sums ingest outcomes.
OUTCOME_DAYS = 7


def project_outcomes(project: Project, *, now: datetime, days: int = OUTCOME_DAYS) -> list[dict[str, Any]]:
    """What became of the project's items lately: one row per (outcome, reason) with its count,
    the items that were not stored first (what a user must see to trust nothing vanished)."""
    rows = (
        IngestCounter.objects.filter(project_id=project.pk, minute__gte=now - timedelta(days=days))
        .values("outcome", "reason")
        .annotate(n=Sum("count"))
        .order_by("outcome", "reason")
    )
    return sorted(
        ({"outcome": r["outcome"], "reason": r["reason"], "count": r["n"]} for r in rows),
        key=lambda r: (r["outcome"] == "accepted", r["outcome"], r["reason"]),
    )


def event_attachments(project_id: int, event_id: str) -> list[Attachment]:
    """The attachments kept for one event (their bytes are not loaded). An attachment sent
    before its event is stored under the event's id and appears here once the event exists."""
    return list(
        Attachment.objects.filter(project_id=project_id, event_id=event_id).defer("data").order_by("created_at", "id")
    )


def dead_letters_for_user(user: Any) -> QuerySet[DeadLetter]:
    """Dead letters still waiting for a decision, of the user's projects (all of them for a superuser)."""
    qs = DeadLetter.objects.filter(replayed_at__isnull=True, discarded_at__isnull=True)
    if user.is_superuser:
        return qs
    return qs.filter(project_id__in=list(selectors.projects_for_user(user).values_list("pk", flat=True)))


def teams_for_user(user: Any) -> QuerySet[Team]:
    """The teams a user may create projects for: their own (every team for a superuser)."""
    qs = Team.objects.select_related("organization").order_by("organization__slug", "slug")
    return qs if user.is_superuser else qs.filter(members=user)


def organizations_with_teams(user: Any) -> QuerySet[Organization]:
    """The organisations whose teams the user sees (a member of one of their teams, an owner, or a
    member in no team yet),
    with teams, members and owners prefetched for the teams page."""
    if user.is_superuser:
        orgs = Organization.objects.all()
    else:
        orgs = Organization.objects.filter(
            pk__in=list(Team.objects.filter(members=user).values_list("organization_id", flat=True))
            + list(user.owned_organizations.values_list("pk", flat=True))
            + list(user.member_organizations.values_list("pk", flat=True))
        )
    return orgs.prefetch_related("teams__members", "owners").order_by("slug")


def is_owner(user: Any, organization: Organization) -> bool:
    """Whether the user may change the organisation's teams (an owner, or a superuser)."""
    return selectors.is_owner(user, organization)


def profile_initial(user: Any) -> dict[str, Any]:
    """The profile form's current values; the defaults for a user who never saved one."""
    profile = UserProfile.objects.filter(user=user).first() or UserProfile(user=user)
    opt_outs = profile.digest_opt_out_projects.all() if profile.pk else Project.objects.none()
    return {
        "timezone": profile.timezone,
        "digest_enabled": profile.digest_enabled,
        "digest_hour": profile.digest_hour,
        "digest_opt_out_projects": opt_outs,
    }


def api_tokens_for_user(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
