"""Cron monitors: a job's schedule (``Monitor``), its state per environment
(``MonitorEnvironment``: when the next run is due, the issue its failures open) and each
run's check-ins (``CheckIn``). Rows are written by ``errorhub.monitors.services`` only."""

from __future__ import annotations

from django.db import models

from errorhub.accounts.models import Project
from errorhub.issues.models import Issue


class ScheduleKind(models.TextChoices):
    NONE = "", "no schedule"
    CRONTAB = "crontab"
    INTERVAL = "interval"


class CheckInStatus(models.TextChoices):
    IN_PROGRESS = "in_progress"
    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    MISSED = "missed"
    UNKNOWN = "unknown"


class Monitor(models.Model):
    """One scheduled job of a project, created (and updated) by check-ins that carry a config.

    A monitor whose check-ins never carried a schedule (``sentry-cli monitors run`` without
    ``--schedule``) reports failures and timeouts but cannot miss a run.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="monitors")
    slug = models.CharField(max_length=100)
    schedule_kind = models.CharField(max_length=16, choices=ScheduleKind.choices, blank=True, default="")
    crontab = models.CharField(max_length=100, blank=True, default="")
    interval_seconds = models.FloatField(default=0)
    timezone = models.CharField(max_length=64, default="UTC")
    checkin_margin = models.FloatField(default=1.0, help_text="minutes a run may start late")
    max_runtime = models.FloatField(default=30.0, help_text="minutes a run may stay in progress")
    failure_issue_threshold = models.PositiveIntegerField(
        default=1, help_text="consecutive failed, missed or timed-out runs before an issue opens"
    )
    recovery_threshold = models.PositiveIntegerField(default=1, help_text="consecutive ok runs before it resolves")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "slug"], name="monitor_unique_slug")]
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class MonitorEnvironment(models.Model):
    """A monitor in one environment: its last outcome, the next run due, the issue it opened."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="environments")
    environment = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=CheckInStatus.choices, default=CheckInStatus.UNKNOWN)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    next_expected_at = models.DateTimeField(null=True, blank=True, db_index=True)
    issue = models.ForeignKey(Issue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["monitor", "environment"], name="monitor_env_unique")]
        ordering = ["environment"]


class CheckIn(models.Model):
    """One run (or one missed run) of a monitor in an environment."""

    monitor_environment = models.ForeignKey(MonitorEnvironment, on_delete=models.CASCADE, related_name="checkins")
    check_in_id = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=CheckInStatus.choices)
    duration = models.FloatField(null=True, blank=True, help_text="seconds")
    release = models.CharField(max_length=200, blank=True, default="", help_text="the build that ran")
    expected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["monitor_environment", "check_in_id"], name="checkin_unique_id")]
        indexes = [models.Index(fields=["status", "created_at"], name="checkin_status_created")]
        ordering = ["-created_at"]
