"""Reads of issues, always scoped to what a user may see (the projects of their teams); of
releases across the projects a caller may see; and of issue stats.

A Sentry release is one version in an organisation with several projects; ErrorHub has a
``Release`` row per project, so the release reads gather the rows of one version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, QuerySet
from django.http import Http404

from errorhub.accounts.models import Project
from errorhub.accounts.selectors import projects_for_user
from errorhub.issues.models import Deploy, Issue, IssueHour, Release, ReleaseCommit


def issues_for_user(user: AbstractBaseUser) -> QuerySet[Issue]:
    return Issue.objects.filter(project__in=projects_for_user(user), merged_into__isnull=True).select_related(
        "project", "project__organization", "assignee"
    )


def issue_get_for_user(user: AbstractBaseUser, issue_id: int | str) -> Issue:
    """The issue by id or by short id (``DEMO-3``), or 404 — also for another team's issue
    (no existence leak). A short id two visible projects share (same slug in two
    organisations) is ambiguous: 404 too, and the numeric id always works."""
    issues = issues_for_user(user)
    text = str(issue_id)
    slug, _, number = text.rpartition("-")
    if text.isdigit():
        issue = issues.filter(pk=int(text)).first()
    elif slug and number.isdigit():
        found = list(issues.filter(project__slug__iexact=slug, short_id=int(number))[:2])
        issue = found[0] if len(found) == 1 else None
    else:
        issue = None
    if issue is None:
        raise Http404("no such issue")
    return issue


def inbox_for_user(user: AbstractBaseUser) -> QuerySet[Issue]:
    return issues_for_user(user).filter(in_inbox=True)


@dataclass
class ReleaseView:
    """One version across its projects, with what the API and the release page show of it."""

    version: str
    rows: list[Release]
    new_issues: dict[int, int] = field(default_factory=dict)  # project id -> issues first seen in it
    last_event: datetime | None = None
    commit_count: int = 0
    last_commit: ReleaseCommit | None = None
    deploy_count: int = 0
    last_deploy: Deploy | None = None

    @property
    def date_created(self) -> datetime:
        return min(row.first_seen for row in self.rows)

    @property
    def date_released(self) -> datetime | None:
        dates = [row.date_released for row in self.rows if row.date_released]
        return min(dates) if dates else None

    @property
    def url(self) -> str:
        return next((row.url for row in self.rows if row.url), "")


def release_rows(projects: QuerySet[Project], version: str) -> list[Release]:
    """The rows of ``version`` in the given projects (empty: no such release for the caller)."""
    return list(
        Release.objects.filter(project__in=projects, version=version).select_related("project").order_by("project_id")
    )


def release_versions(projects: QuerySet[Project], *, limit: int = 100) -> list[ReleaseView]:
    """The newest ``limit`` versions of these projects, newest first, each with its details."""
    rows = Release.objects.filter(project__in=projects).select_related("project").order_by("-first_seen", "-pk")
    versions: dict[str, list[Release]] = {}
    for row in rows.iterator():
        if row.version not in versions and len(versions) >= limit:
            continue
        versions.setdefault(row.version, []).append(row)
    return [release_view(version, found) for version, found in versions.items()]


def release_view(version: str, rows: Sequence[Release]) -> ReleaseView:
    """A version's details from its rows: new issues per project, last event, commits, deploys."""
    view = ReleaseView(version=version, rows=list(rows))
    project_ids = [row.project_id for row in rows]
    issues = Issue.objects.filter(project_id__in=project_ids, merged_into__isnull=True)
    view.new_issues = dict(
        issues.filter(first_release=version).values("project_id").annotate(n=Count("id")).values_list("project_id", "n")
    )
    view.last_event = issues.filter(last_release=version).aggregate(last=Max("last_seen"))["last"]
    commits = ReleaseCommit.objects.filter(release__in=rows)
    view.commit_count = commits.values("sha").distinct().count()
    view.last_commit = commits.order_by("order", "pk").first()
    deploys = Deploy.objects.filter(release__in=rows)
    view.deploy_count = len(deploys_of(rows))
    view.last_deploy = deploys.order_by("-date_finished", "-pk").first()
    return view


def release_commits(rows: Sequence[Release]) -> list[ReleaseCommit]:
    """The commits of a version, newest first as sent, once each (rows repeat them per project)."""
    seen: set[str] = set()
    commits = []
    for commit in ReleaseCommit.objects.filter(release__in=rows).order_by("order", "pk"):
        if commit.sha not in seen:
            seen.add(commit.sha)
            commits.append(commit)
    return commits


def deploys_of(rows: Sequence[Release]) -> list[Deploy]:
    """The deploys of a version, newest first; one deploy of several projects is listed once."""
    seen: set[tuple[object, ...]] = set()
    deploys = []
    for deploy in Deploy.objects.filter(release__in=rows).order_by("-date_finished", "-pk"):
        key = (deploy.environment, deploy.name, deploy.url, deploy.date_started, deploy.date_finished)
        if key not in seen:
            seen.add(key)
            deploys.append(deploy)
    return deploys


def previous_release_with_commits(projects: QuerySet[Project], version: str) -> ReleaseView | None:
    """The newest version before ``version`` (by first seen) that has commits, for
    ``set-commits --local`` to know where the new release's history starts."""
    current = release_rows(projects, version)
    if not current:
        return None
    before = min(row.first_seen for row in current)
    older = (
        Release.objects.filter(project__in=projects, first_seen__lt=before, commits__isnull=False)
        .exclude(version=version)
        .order_by("-first_seen")
        .values_list("version", flat=True)
        .first()
    )
    if older is None:
        return None
    return release_view(older, release_rows(projects, older))


def issue_stats(issue_ids: Sequence[int], period: timedelta, *, now: datetime) -> dict[int, list[list[int]]]:
    """Events per issue over ``period`` ending now, Sentry's ``stats`` shape: ``[unix time, count]``
    per hour for a day or less, per day beyond; read from the hourly rows processing keeps."""
    step = timedelta(hours=1) if period <= timedelta(days=1) else timedelta(days=1)
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if step == timedelta(days=1):
        end = end.replace(hour=0) + timedelta(days=1)
    buckets = int(period / step)
    start = end - buckets * step
    counts: dict[tuple[int, int], int] = {}
    for issue_id, hour, n in IssueHour.objects.filter(
        issue_id__in=list(issue_ids), hour__gte=start, hour__lt=end
    ).values_list("issue_id", "hour", "count"):
        slot = int((hour - start) / step)
        counts[(issue_id, slot)] = counts.get((issue_id, slot), 0) + n
    return {
        issue_id: [[int((start + i * step).timestamp()), counts.get((issue_id, i), 0)] for i in range(buckets)]
        for issue_id in issue_ids
    }
