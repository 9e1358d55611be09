"""Alert rules, notification channels and the delivery log.

Writes go through ``alerts.services``; reads through ``alerts.selectors``.
A rule is never silently deleted: it is muted (with an end and a reason, like a
snooze) or archived (with who and why).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from errorhub.accounts.models import Organization, Project
from errorhub.issues.models import Issue


class ChannelKind(models.TextChoices):
    SLACK = "slack"
    SLACK_WEBHOOK = "slack_webhook"
    EMAIL = "email"
    WEBHOOK = "webhook"


class Channel(models.Model):
    """Where notifications go. ``config`` per kind: slack ``{"channel": "C123", "name": "#ops"}``;
    slack_webhook ``{"url": ...}``; email ``{"addresses": [...], "team": <team id>}``;
    webhook ``{"url": ..., "secret": ...}``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alert_channels")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    config = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True, default="")
    # circuit breaker and pacing (one message per second per Slack channel)
    consecutive_failures = models.PositiveIntegerField(default=0)
    open_until = models.DateTimeField(null=True, blank=True)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


class Rule(models.Model):
    """Filters + triggers + actions. Scope: one project, or (project=None) every
    project of the organisation; system triggers are organisation-wide."""

    TRIGGERS = (
        "new_issue",
        "regression",
        "snooze_ended",
        "frequency",
        "spike",
        "inbox_sla",
        "queue_backlog",
        "dead_letters",
        "ingest_stalled",
        "event_store_down",
    )
    SYSTEM_TRIGGERS = ("queue_backlog", "dead_letters", "ingest_stalled", "event_store_down")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alert_rules")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=200)
    # filters (empty = any)
    environments = models.JSONField(default=list, blank=True)
    min_level = models.CharField(max_length=16, blank=True, default="")
    release = models.CharField(max_length=200, blank=True, default="")
    tags = models.JSONField(default=dict, blank=True)
    exception_type = models.CharField(max_length=200, blank=True, default="")
    message_regex = models.CharField(max_length=500, blank=True, default="")
    culprit_regex = models.CharField(max_length=500, blank=True, default="")
    source = models.CharField(max_length=128, blank=True, default="", help_text="prefix of the issue source")
    lifecycle_states = models.JSONField(default=list, blank=True)
    # triggers: list of names from TRIGGERS; parameters below
    triggers = models.JSONField(default=list)
    frequency_count = models.PositiveIntegerField(default=0)
    frequency_seconds = models.PositiveIntegerField(default=0)
    spike_factor = models.FloatField(default=0)
    inbox_sla_seconds = models.PositiveIntegerField(default=0)
    system_threshold = models.PositiveIntegerField(default=0, help_text="backlog depth / dead letters / stall minutes")
    # actions
    channels = models.ManyToManyField(Channel, blank=True, related_name="rules")
    mention = models.CharField(max_length=64, blank=True, default="", help_text="Slack user id U… or group id S…")
    min_interval_seconds = models.PositiveIntegerField(default=300)
    # mute like a snooze; never deleted silently
    muted_until = models.DateTimeField(null=True, blank=True)
    mute_reason = models.CharField(max_length=500, blank=True, default="")
    archived = models.BooleanField(default=False)
    archived_by = models.CharField(max_length=200, blank=True, default="")
    archived_reason = models.CharField(max_length=500, blank=True, default="")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    def is_muted(self, now=None) -> bool:
        return bool(self.muted_until and self.muted_until > (now or timezone.now()))


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"


class Delivery(models.Model):
    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    issue = models.ForeignKey(Issue, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_deliveries")
    reason = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict, blank=True)
    slack_channel = models.CharField(max_length=64, blank=True, default="")
    slack_ts = models.CharField(max_length=64, blank=True, default="")
    slack_thread_ts = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["issue", "channel", "status"]),
        ]


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16)
    error = models.TextField(blank=True, default="")
    response = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]


class IssueAlertState(models.Model):
    """When a rule last alerted about an issue: enforces ``min_interval_seconds``."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    last_sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "rule"], name="issuealertstate_unique")]


class DigestSent(models.Model):
    """Claimed before a digest is mailed: one per user per (local) day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digestsent_unique")]


class SlackRequestSeen(models.Model):
    """A signed Slack request already acted on, kept while Slack's 5-minute signature window
    could still accept it: a replay finds its digest here and changes nothing. In the database,
    not a cache, because every web process (2 gunicorn workers by default) must see it."""

    digest = models.CharField(max_length=64, unique=True)  # sha256 of "v0:<timestamp>:<body>"
    expires_at = models.DateTimeField(db_index=True)
