"""Accounts: organisations, teams, projects and their DSN keys, API tokens, user profiles.

Tables keep their ``errorhub_*`` names (moved here by state-only migrations).
Writes go through ``errorhub.accounts.services``; reads through ``errorhub.accounts.selectors``.
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

from ingest.protocol.scrub import DEFAULT_RULES, ScrubConfig, settings_problems


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="owned_organizations")
    # Members who joined without being an owner: an invited member may belong to no team yet.
    # Membership is owners + these + the members of the organisation's teams (see selectors).
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="member_organizations")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "errorhub_organization"

    def __str__(self) -> str:
        return self.slug


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="errorhub_teams")

    class Meta:
        db_table = "errorhub_team"
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
    scrub_rules = models.JSONField(
        default=default_scrub_rules,
        blank=True,
        help_text="Built-in scrubbing rules that apply (names from ingest.protocol.scrub.RULES).",
    )
    in_app_include = models.TextField(blank=True, default="", help_text="Module/path prefixes that are in-app.")
    next_short_id = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "errorhub_project"
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
            config = ScrubConfig.from_saved_settings(
                fields=self.scrub_fields,
                patterns=self.scrub_patterns,
                scrub_ip=self.scrub_ip_addresses,
                rules=self.scrub_rules,
            )
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

    class Meta:
        db_table = "errorhub_projectkey"

    def __str__(self) -> str:
        return f"{self.project} key {self.public_key[:8]}…"

    def dsn(self, base_url: str | None = None) -> str:
        """The DSN an SDK is configured with: ``http://<public_key>@<host>/<project_id>``."""
        parts = urlsplit(base_url or settings.BASE_URL)
        path = parts.path.rstrip("/")
        return f"{parts.scheme}://{self.public_key}@{parts.netloc}{path}/{self.project_id}"


# Sentry's token scopes that ErrorHub's endpoints check (``errorhub.api.auth``).
TOKEN_SCOPES = (
    "org:read",
    "org:write",
    "project:read",
    "project:write",
    "project:releases",
    "team:read",
    "event:read",
    "event:write",
    "event:admin",
    "member:read",
    "alerts:read",
    "alerts:write",
)
READ_SCOPES = ("org:read", "project:read", "team:read", "event:read", "member:read", "alerts:read")


class ApiToken(models.Model):
    """A user token, or an organisation token (``organization`` set: it reaches that organisation
    only); only its SHA-256 is stored.

    ``scopes`` lists Sentry's scope names; a token made before scopes existed has none stored and
    keeps what ``can_write`` gave it: every scope, or the read scopes.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    label = models.CharField(max_length=100, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    can_write = models.BooleanField(default=True)
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "errorhub_apitoken"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def effective_scopes(self) -> frozenset[str]:
        """The scopes this token grants (see the class docstring for tokens without any stored)."""
        if self.scopes:
            return frozenset(self.scopes)
        return frozenset(TOKEN_SCOPES if self.can_write else READ_SCOPES)


class UserProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="errorhub_profile")
    timezone = models.CharField(max_length=64, default="UTC")
    digest_enabled = models.BooleanField(default=True)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    digest_opt_out_projects = models.ManyToManyField(Project, blank=True, related_name="+")

    class Meta:
        db_table = "errorhub_userprofile"


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
        db_table = "errorhub_loginfailure"
        indexes = [
            models.Index(fields=["scope", "key_hash", "at"], name="loginfailure_lookup"),
            models.Index(fields=["at"], name="loginfailure_expiry"),
        ]


class Role(models.TextChoices):
    """What a member of an organisation may do: owners manage its members, teams and channels."""

    OWNER = "owner", "Owner"
    MEMBER = "member", "Member"


class Invitation(models.Model):
    """An e-mailed, expiring, single-use invitation to join an organisation.

    Only the SHA-256 of the token is stored: the link is shown once (to the owner who sent
    it) and mailed; resending issues a new token. Used, revoked and expired invitations are
    kept, so the owners' page and the person following an old link can both be told why.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "errorhub_invitation"
        indexes = [models.Index(fields=["organization", "accepted_at", "revoked_at"], name="invitation_pending")]

    def __str__(self) -> str:
        return f"{self.organization.slug}: {self.email}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def status(self) -> str:
        """``accepted``, ``revoked``, ``expired`` or ``pending``: only a pending one can be used."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
