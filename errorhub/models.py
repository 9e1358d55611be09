"""The core domain: organisations, teams, projects and their DSN keys, issues.

Writes go through ``errorhub.services``; reads through ``errorhub.selectors``.
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

from ingest.scrub import DEFAULT_RULES, ScrubConfig, settings_problems


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="owned_organizations")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.slug


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="errorhub_teams")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="team_slug_unique")]

    def __str__(self) -> str:
        return f"{self.organization.slug}/{self.slug}"


def default_scrub_rules() -> list[str]:
    """Sentry's default data-scrubbing set: every built-in rule but e-mail addresses."""
    return list(DEFAULT_RULES)


class Project(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    teams = models.ManyToManyField(Team, blank=True, related_name="projects")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    platform = models.CharField(max_length=64, blank=True, default="")
    allowed_origins = models.TextField(blank=True, default="*", help_text="One origin per line; * allows any.")
    rate_limit_per_minute = models.PositiveIntegerField(default=0, help_text="0 = no project quota")
    retention_days = models.PositiveIntegerField(default=90)
    quiet_period_days = models.PositiveIntegerField(default=14)
    max_events_per_issue = models.PositiveIntegerField(default=0, help_text="0 = keep every event")
    scrub_fields = models.TextField(blank=True, default="", help_text="Extra field names to scrub, one per line.")
    scrub_patterns = models.TextField(blank=True, default="", help_text="Extra regexes to scrub, one per line.")
    scrub_ip_addresses = models.BooleanField(default=False)
    scrub_rules = models.JSONField(default=default_scrub_rules, blank=True,
                                   help_text="Built-in scrubbing rules that apply (names from ingest.scrub.RULES).")
    in_app_include = models.TextField(blank=True, default="", help_text="Module/path prefixes that are in-app.")
    next_short_id = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="project_slug_unique")]

    def __str__(self) -> str:
        return f"{self.organization.slug}/{self.slug}"

    def scrub_config(self) -> ScrubConfig:
        """What ingest scrubs for this project: its rules, extra fields and patterns, IP choice.

        Never raises: a saved pattern or rule the scrubber refuses (saved before a check
        existed) is left out, see ``scrub_problems``. Built once per instance and settings
        (a worker asks for every payload, transaction and attachment of a batch).
        """
        key = (self.scrub_fields, self.scrub_patterns, self.scrub_ip_addresses, repr(self.scrub_rules))
        cached = getattr(self, "_scrub_config_cache", None)
        if cached is None or cached[0] != key:
            config = ScrubConfig.from_saved_settings(fields=self.scrub_fields, patterns=self.scrub_patterns,
                                                     scrub_ip=self.scrub_ip_addresses, rules=self.scrub_rules)
            cached = self._scrub_config_cache = (key, config)
        return cached[1]

    def scrub_problems(self) -> list[str]:
        """The saved scrub patterns and rules ingest leaves out, with why (shown on the settings page)."""
        return settings_problems(patterns=self.scrub_patterns, rules=self.scrub_rules)

    def origin_allowed(self, origin: str) -> bool:
        allowed = [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]
        return "*" in allowed or origin in allowed


def _new_public_key() -> str:
    return secrets.token_hex(16)


class ProjectKey(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="keys")
    label = models.CharField(max_length=100, default="Default")
    public_key = models.CharField(max_length=32, unique=True, default=_new_public_key)
    is_active = models.BooleanField(default=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=0, help_text="0 = no key quota")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.project} key {self.public_key[:8]}…"

    def dsn(self, base_url: str | None = None) -> str:
        """The DSN an SDK is configured with: ``http://<public_key>@<host>/<project_id>``."""
        parts = urlsplit(base_url or settings.BASE_URL)
        path = parts.path.rstrip("/")
        return f"{parts.scheme}://{self.public_key}@{parts.netloc}{path}/{self.project_id}"


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
        constraints = [models.UniqueConstraint(fields=["project", "short_id"], name="issue_short_id_unique")]
        indexes = [
            models.Index(fields=["project", "in_inbox", "last_seen"]),
            models.Index(fields=["project", "lifecycle", "last_seen"]),
            models.Index(fields=["project", "last_seen"]),
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
        constraints = [models.UniqueConstraint(fields=["project", "hash"], name="grouphash_unique")]


class IssueUser(models.Model):
    """One row per distinct user seen on an issue, so ``users_seen`` stays exact."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="users")
    user_hash = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user_hash"], name="issueuser_unique")]


class Activity(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=200, blank=True, default="", help_text="system, slack:U123, …")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["issue", "created_at"])]


class Comment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)


class ApiToken(models.Model):
    """A per-user API token; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(max_length=100, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    can_write = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class UserProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="errorhub_profile")
    timezone = models.CharField(max_length=64, default="UTC")
    digest_enabled = models.BooleanField(default=True)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    digest_opt_out_projects = models.ManyToManyField(Project, blank=True, related_name="+")


class Release(models.Model):
    """Releases in the order a project first saw them (for "older release" checks)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=200)
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="release_unique")]


class IssueHour(models.Model):
    """Events per issue and hour, kept by processing.

    The inbox's impact order (events in the last 24 h), sparklines and charts
    read these few rows instead of scanning events, whatever the event store.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="hours")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "hour"], name="issuehour_unique")]
        indexes = [models.Index(fields=["hour", "issue"])]


class LoginFailure(models.Model):
    """One failed password check, counted per username and per client address.

    Kept in the database (not a per-process cache) so that every gunicorn worker
    sees the same count, on PostgreSQL and on the embedded SQLite default alike.
    Only a SHA-256 of the username or address is stored.
    """

    scope = models.CharField(max_length=8)  # "user" or "ip"
    key_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key_hash", "at"], name="loginfailure_lookup"),
                   models.Index(fields=["at"], name="loginfailure_expiry")]
