"""Release writes: create, finalise, set commits, record deploys, delete.

A Sentry release belongs to an organisation and lists projects; ErrorHub keeps one ``Release``
row per project (the row events create too), so each write here takes the rows of one version
across the projects it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from errorhub.accounts.models import Project
from errorhub.issues.models import Deploy, Issue, Release, ReleaseCommit
from errorhub.issues.services import issues_settle_next_release
from ingest.protocol.errors import ClientError


class ReleaseInUse(ClientError):
    """A release that events or issues still point at cannot be deleted."""


@dataclass(frozen=True)
class CommitData:
    """One commit as a client sends it (already validated)."""

    sha: str
    repository: str = ""
    message: str = ""
    author_name: str = ""
    author_email: str = ""
    timestamp: datetime | None = None


@transaction.atomic
def release_create(
    *, projects: Iterable[Project], version: str, url: str = "", date_released: datetime | None = None
) -> list[Release]:
    """The release ``version`` in each project, created where it is new; an existing one keeps
    its first-seen time and takes the url and release date when given (Sentry's POST is an upsert)."""
    rows = []
    for project in projects:
        release, _ = Release.objects.get_or_create(project=project, version=version)
        rows.append(_update_fields(release, url=url, date_released=date_released))
    return rows


def _update_fields(release: Release, *, url: str = "", date_released: datetime | None = None) -> Release:
    changed = []
    if url and release.url != url:
        release.url, changed = url, [*changed, "url"]
    if date_released and release.date_released != date_released:
        release.date_released, changed = date_released, [*changed, "date_released"]
    if changed:
        release.save(update_fields=changed)
    return release


@transaction.atomic
def release_update(
    *,
    releases: Sequence[Release],
    url: str = "",
    date_released: datetime | None = None,
    commits: Sequence[CommitData] | None = None,
) -> list[Release]:
    """Finalise (``date_released``), change the url, or replace the commits of a release's rows."""
    for release in releases:
        _update_fields(release, url=url, date_released=date_released)
        if commits is not None:
            _replace_commits(release, commits)
    return list(releases)


def _replace_commits(release: Release, commits: Sequence[CommitData]) -> None:
    release.commits.all().delete()
    seen: set[str] = set()
    rows = []
    for order, commit in enumerate(commits):
        if commit.sha in seen:
            continue
        seen.add(commit.sha)
        rows.append(
            ReleaseCommit(
                release=release,
                sha=commit.sha,
                repository=commit.repository,
                message=commit.message,
                author_name=commit.author_name,
                author_email=commit.author_email,
                timestamp=commit.timestamp,
                order=order,
            )
        )
    ReleaseCommit.objects.bulk_create(rows)


@transaction.atomic
def release_delete(*, releases: Sequence[Release]) -> None:
    """Delete a release that no issue names as its first, last or fixing release."""
    for release in releases:
        named = (
            Q(first_release=release.version) | Q(last_release=release.version) | Q(resolved_in_release=release.version)
        )
        if Issue.objects.filter(named, project_id=release.project_id).exists():
            raise ReleaseInUse(
                f"release {release.version!r} has issues in project {release.project.slug!r}; "
                "a release that events point at is kept"
            )
        release.delete()


@transaction.atomic
def deploy_create(
    *,
    releases: Sequence[Release],
    environment: str,
    name: str = "",
    url: str = "",
    date_started: datetime | None = None,
    date_finished: datetime | None = None,
) -> list[Deploy]:
    """Record that a release was deployed to ``environment``; its projects' issues waiting for
    "the next release" now wait for this one (``issues_settle_next_release``)."""
    finished = date_finished or timezone.now()
    deploys = []
    for release in releases:
        deploys.append(
            Deploy.objects.create(
                release=release,
                environment=environment,
                name=name,
                url=url,
                date_started=date_started,
                date_finished=finished,
            )
        )
        issues_settle_next_release(project_id=release.project_id, release=release.version)
    return deploys
