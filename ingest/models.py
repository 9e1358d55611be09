"""Tables of the write path that belong to ingest: dead letters and the counters
ingest keeps (items, outcomes, sessions). Stored events live in ``errorhub.events``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from errorhub.accounts.models import Project


class DeadLetter(models.Model):
    """A payload that failed every retry: kept with its error until replayed or discarded."""

    task = models.CharField(max_length=200)
    project_id = models.BigIntegerField(null=True)
    payload = models.JSONField()
    error = models.TextField()
    traceback = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    replayed_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)
    discard_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-last_failed_at"]


class IngestCounter(models.Model):
    """Per project and minute: accepted / rate_limited / rejected / filtered counts."""

    project_id = models.BigIntegerField()
    minute = models.DateTimeField()
    outcome = models.CharField(max_length=32)
    reason = models.CharField(max_length=64, blank=True, default="")
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project_id", "minute", "outcome", "reason"], name="ingestcounter_unique")
        ]


class ClientOutcome(models.Model):
    """What an SDK reported it dropped (client_report items): lost errors to show."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=64)
    category = models.CharField(max_length=32)
    quantity = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "day", "reason", "category"], name="clientoutcome_unique")
        ]


class SessionAggregate(models.Model):
    """Release health: sessions per release, environment and hour."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    release = models.CharField(max_length=200)
    environment = models.CharField(max_length=200, blank=True, default="")
    hour = models.DateTimeField()
    healthy = models.PositiveBigIntegerField(default=0)
    errored = models.PositiveBigIntegerField(default=0)
    crashed = models.PositiveBigIntegerField(default=0)
    abnormal = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "release", "environment", "hour"], name="session_agg_unique")
        ]


class ItemCounter(models.Model):
    """Envelope items that are counted, not stored (transactions, check-ins, logs below error)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    item_type = models.CharField(max_length=32)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "day", "item_type"], name="itemcounter_unique")]


class ProcessHeartbeat(models.Model):
    """The last sign of life of one background process: a Celery worker or beat.

    One row per (kind, hostname), updated in place every ``interval_seconds`` by the
    process itself (``errorhub.heartbeats``), so the web process can say on every
    backend — SQLite without Redis included — whether anything is consuming the queues.
    """

    class Kind(models.TextChoices):
        WORKER = "worker"
        BEAT = "beat"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.JSONField(default=list, blank=True)
    interval_seconds = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "hostname"], name="processheartbeat_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.hostname} (pid {self.pid})"
