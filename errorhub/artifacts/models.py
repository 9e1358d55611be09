"""Uploaded build artifacts: the chunks of a ``sentry-cli`` upload, the artifact bundles they
assemble into, and the files (minified sources, source maps) that processing resolves frames with.

A domain app of its own, beside ``events``: artifacts are build outputs of an organisation,
uploaded by CI before any event exists and read by processing; they share no table or
lifecycle with events or issues. Writes go through ``errorhub.artifacts.services``, reads
through ``errorhub.artifacts.selectors``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from errorhub.accounts.models import Organization, Project


class FileChunk(models.Model):
    """One chunk of a chunked upload, named by its SHA-1; deleted once assembled."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    checksum = models.CharField(max_length=40)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "checksum"], name="filechunk_unique")]


class ArtifactBundle(models.Model):
    """An assembled artifact bundle (a zip with ``manifest.json``), for some projects of one org."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    projects = models.ManyToManyField(Project, related_name="+")
    checksum = models.CharField(max_length=40)
    release = models.CharField(max_length=200, blank=True, default="")
    dist = models.CharField(max_length=64, blank=True, default="")
    file_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "checksum"], name="artifactbundle_unique")]


class ArtifactFile(models.Model):
    """One uploaded file: from a bundle (``bundle`` set) or a legacy release file (``bundle`` None).

    A legacy release file belongs to ``project``, or to every project of the organisation
    when ``project`` is None (the organisation-level endpoint).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    bundle = models.ForeignKey(ArtifactBundle, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    release = models.CharField(max_length=200, blank=True, default="")
    dist = models.CharField(max_length=64, blank=True, default="")
    url = models.CharField(max_length=500)
    kind = models.CharField(max_length=32, blank=True, default="")
    debug_id = models.CharField(max_length=32, blank=True, default="")
    sourcemap_ref = models.CharField(max_length=500, blank=True, default="")
    headers = models.JSONField(default=dict)
    sha1 = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "debug_id"], name="artifactfile_debug_id"),
            models.Index(fields=["organization", "release", "dist", "url"], name="artifactfile_release_url"),
        ]
