"""Issues: one row per fingerprint group, its hashes, users, activity, comments, releases, hourly counts.

Tables keep their ``errorhub_*`` names (moved here by state-only migrations).
Writes go through ``errorhub.issues.services``; the digest step is ``errorhub.issues.digest``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from errorhub.accounts.models import Project


class Lifecycle(models.TextChoices):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FIXED = "fixed"
    REGRESSED = "regressed"
    SNOOZED = "snoozed"


INBOX_STATES = (Lifecycle.NEW, Lifecycle.REGRESSED)


class Issue(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    short_id = models.PositiveIntegerField()
    title = models.CharField(max_length=1024)
    culprit = models.CharField(max_length=512, blank=True, default="")
    level = models.CharField(max_length=16, default="error")
    platform = models.CharField(max_length=64, blank=True, default="")
    source = models.CharField(max_length=128, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    lifecycle = models.CharField(max_length=16, choices=Lifecycle.choices, default=Lifecycle.NEW)
    # snooze that ended (by time or count) puts the issue back in the inbox
    in_inbox = models.BooleanField(default=True)
    inbox_reason = models.CharField(max_length=32, default="new")
    inbox_since = models.DateTimeField(default=timezone.now)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_issues"
    )
    resolved_in_release = models.CharField(max_length=200, blank=True, default="")
    resolved_in_next_release = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=500, blank=True, default="")
    snooze_until = models.DateTimeField(null=True, blank=True)
    snooze_until_count = models.PositiveIntegerField(null=True, blank=True)
    snooze_until_users = models.PositiveIntegerField(null=True, blank=True)  # ends at this many users
    grouping_version = models.CharField(max_length=32)
    times_seen = models.PositiveBigIntegerField(default=0)
    users_seen = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    first_release = models.CharField(max_length=200, blank=True, default="")
    last_release = models.CharField(max_length=200, blank=True, default="")
    environment = models.CharField(max_length=200, blank=True, default="")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")

    class Meta:
        db_table = "errorhub_issue"
        constraints = [models.UniqueConstraint(fields=["project", "short_id"], name="issue_short_id_unique")]
        indexes = [
            models.Index(fields=["project", "in_inbox", "last_seen"]),
            models.Index(fields=["project", "lifecycle", "last_seen"]),
            models.Index(fields=["project", "last_seen"]),
            # the issues list's default order: the first page is an index walk, not a sort of every issue
            models.Index(fields=["-last_seen", "-id"], name="issue_last_seen_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.short_code}: {self.title[:80]}"

    @property
    def short_code(self) -> str:
        return f"{self.project.slug.upper()}-{self.short_id}"


class GroupHash(models.Model):
    """A fingerprint hash (per grouping version) pointing at its issue.

    Merge re-points hashes at the survivor, so later events follow the merge;
    unmerge points one hash at a new issue.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="group_hashes")
    hash = models.CharField(max_length=64)
    version = models.CharField(max_length=32)
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="hashes")
    components = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "errorhub_grouphash"
        constraints = [models.UniqueConstraint(fields=["project", "hash"], name="grouphash_unique")]


class IssueUser(models.Model):
    """One row per distinct user seen on an issue, so ``users_seen`` stays exact."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="users")
    user_hash = models.CharField(max_length=40)

    class Meta:
        db_table = "errorhub_issueuser"
        constraints = [models.UniqueConstraint(fields=["issue", "user_hash"], name="issueuser_unique")]


class Activity(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=200, blank=True, default="", help_text="system, slack:U123, …")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "errorhub_activity"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["issue", "created_at"])]


class Comment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "errorhub_comment"


class Release(models.Model):
    """A project's release: seen in events or created by the API/CLI, in the order the project
    first saw them (for "older release" checks); finalised when ``date_released`` is set."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=200)
    first_seen = models.DateTimeField(default=timezone.now)
    url = models.URLField(max_length=500, blank=True, default="")
    date_released = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "errorhub_release"
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="release_unique")]


class ReleaseCommit(models.Model):
    """A commit a release contains, as ``sentry-cli releases set-commits`` sends it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=64)
    repository = models.CharField(max_length=200, blank=True, default="")
    message = models.TextField(blank=True, default="")
    author_name = models.CharField(max_length=200, blank=True, default="")
    author_email = models.CharField(max_length=200, blank=True, default="")
    timestamp = models.DateTimeField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0)  # newest first, as sent

    class Meta:
        db_table = "errorhub_releasecommit"
        constraints = [models.UniqueConstraint(fields=["release", "sha"], name="releasecommit_unique")]


class Deploy(models.Model):
    """A release deployed to an environment: what settles "resolved in the next release"."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="deploys")
    environment = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True, default="")
    url = models.URLField(max_length=500, blank=True, default="")
    date_started = models.DateTimeField(null=True, blank=True)
    date_finished = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "errorhub_deploy"
        indexes = [models.Index(fields=["release", "date_finished"])]


class IssueHour(models.Model):
    """Events per issue and hour, kept by processing.

    The inbox's impact order (events in the last 24 h), sparklines and charts
    read these few rows instead of scanning events, whatever the event store.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="hours")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "errorhub_issuehour"
        constraints = [models.UniqueConstraint(fields=["issue", "hour"], name="issuehour_unique")]
        indexes = [models.Index(fields=["hour", "issue"])]


class SavedSearch(models.Model):
    """A search query a user named to reuse; private to that user (no one else lists it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2048)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedsearch_user_name_unique")]

    def __str__(self) -> str:
        return self.name
