"""Writes of uploaded artifacts: chunks, assembled artifact bundles, legacy release files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from errorhub.accounts.models import Organization, Project
from errorhub.artifacts.models import ArtifactBundle, ArtifactFile, FileChunk
from ingest.protocol.errors import ClientError
from ingest.protocol.sourcemaps import (
    ArtifactBundleError,
    normalize_debug_id,
    read_artifact_bundle,
    sourcemap_reference,
)

#: An upload assembles within minutes of its chunks; a chunk older than this was abandoned
#: (a CI job killed mid-upload). If its upload does come back, assemble reports it missing and
#: sentry-cli uploads it again.
STALE_CHUNK_AGE = timedelta(days=1)

#: Sentry's ``type`` header values for a legacy file are inferred from the name, as sentry-cli did.
_MAP_SUFFIXES = (".map",)


class ChunkChecksumMismatch(ClientError):
    """A chunk whose content does not hash to the name it was uploaded under."""


@dataclass(frozen=True)
class AssembleResult:
    """Sentry's assemble answer: ``state`` (ok/not_found/error), the chunks still missing, a detail."""

    state: str
    missing_chunks: list[str] = field(default_factory=list)
    detail: str | None = None


def chunks_store(*, organization: Organization, chunks: Iterable[tuple[str, bytes]]) -> int:
    """Keep uploaded chunks (each named by its SHA-1, which is checked); returns how many were new."""
    stored = 0
    for name, data in chunks:
        checksum = name.strip().lower()
        if hashlib.sha1(data).hexdigest() != checksum:
            raise ChunkChecksumMismatch(f"chunk {name!r}: its content's SHA-1 is {hashlib.sha1(data).hexdigest()}")
        try:
            with transaction.atomic():
                FileChunk.objects.create(organization=organization, checksum=checksum, data=data)
            stored += 1
        except IntegrityError:  # uploaded before (a retry, or another bundle shares it)
            pass
    return stored


def artifact_bundle_assemble(
    *,
    organization: Organization,
    projects: list[Project],
    checksum: str,
    chunks: list[str],
    release: str = "",
    dist: str = "",
) -> AssembleResult:
    """Assemble a bundle from its chunks (synchronously: bundles are small) and index its files.

    Asked again for a bundle already assembled, it answers ``ok`` (sentry-cli polls).
    """
    checksum, chunks = checksum.lower(), [c.lower() for c in chunks]
    existing = ArtifactBundle.objects.filter(organization=organization, checksum=checksum).first()
    if existing is not None:
        existing.projects.add(*projects)  # the same bundle uploaded for another project
        return AssembleResult("ok")
    have = dict(
        FileChunk.objects.filter(organization=organization, checksum__in=chunks).values_list("checksum", "data")
    )
    missing = [c for c in dict.fromkeys(chunks) if c not in have]
    if missing:
        return AssembleResult("not_found", missing)
    if sum(len(have[c]) for c in chunks) > settings.ARTIFACT_MAX_FILE_BYTES:
        return AssembleResult("error", detail=f"the bundle is larger than {settings.ARTIFACT_MAX_FILE_BYTES} bytes")
    data = b"".join(bytes(have[c]) for c in chunks)
    if hashlib.sha1(data).hexdigest() != checksum:
        return AssembleResult("error", detail=f"the chunks do not add up to the bundle checksum {checksum}")
    try:
        files = read_artifact_bundle(data)
    except ArtifactBundleError as exc:
        return AssembleResult("error", detail=str(exc))
    _bundle_create(organization, projects, checksum, release, dist, files)
    FileChunk.objects.filter(organization=organization, checksum__in=chunks).delete()
    return AssembleResult("ok")


@transaction.atomic
def _bundle_create(
    organization: Organization, projects: list[Project], checksum: str, release: str, dist: str, files: list
) -> ArtifactBundle:
    bundle = ArtifactBundle.objects.create(
        organization=organization, checksum=checksum, release=release, dist=dist, file_count=len(files)
    )
    bundle.projects.set(projects)
    ArtifactFile.objects.bulk_create(
        [
            ArtifactFile(
                organization=organization,
                bundle=bundle,
                release=release,
                dist=dist,
                url=f.url[:500],
                kind=f.kind,
                debug_id=f.debug_id,
                sourcemap_ref=f.sourcemap_ref[:500],
                sha1=hashlib.sha1(f.content).hexdigest(),
                size=len(f.content),
                content=f.content,
            )
            for f in files
        ]
    )
    return bundle


@transaction.atomic
def release_file_create(
    *,
    organization: Organization,
    project: Project | None,
    release: str,
    name: str,
    content: bytes,
    dist: str = "",
    headers: dict[str, str] | None = None,
) -> ArtifactFile:
    """A legacy release file (``POST …/releases/{version}/files/``); the same name again is a 409."""
    if not name:
        raise ClientError("the file needs a 'name' (its URL, e.g. ~/static/app.min.js)")
    if ArtifactFile.objects.filter(
        organization=organization, project=project, bundle=None, release=release, dist=dist, url=name
    ).exists():
        raise ClientError(f"a file named {name!r} already exists for release {release!r}", status=409)
    headers = {str(k): str(v) for k, v in (headers or {}).items()}
    lowered = {k.lower(): v for k, v in headers.items()}
    is_map = name.endswith(_MAP_SUFFIXES) or content.lstrip()[:1] == b"{"
    ref = lowered.get("sourcemap") or lowered.get("x-sourcemap") or ("" if is_map else sourcemap_reference(content))
    return ArtifactFile.objects.create(
        organization=organization,
        project=project,
        release=release,
        dist=dist,
        url=name[:500],
        kind="source_map" if is_map else "minified_source",
        debug_id=normalize_debug_id(lowered.get("debug-id")) or "",
        sourcemap_ref=(ref or "")[:500],
        headers=headers,
        sha1=hashlib.sha1(content).hexdigest(),
        size=len(content),
        content=content,
    )


def artifact_bundle_remove(*, project: Project, bundle_id: int) -> bool:
    """Take a bundle away from a project (Sentry's delete); a bundle no project uses any more
    goes with its files. Returns whether the project had that bundle."""
    with transaction.atomic():
        bundle = ArtifactBundle.objects.select_for_update().filter(pk=bundle_id, projects=project).first()
        if bundle is None:
            return False
        bundle.projects.remove(project)
        if not bundle.projects.exists():
            bundle.delete()
    return True


def stale_chunks_delete(*, now: datetime | None = None) -> int:
    """Delete chunks uploaded more than ``STALE_CHUNK_AGE`` ago and never assembled (assembling
    deletes its chunks), so abandoned uploads do not stay forever; returns how many went."""
    cutoff = (now or timezone.now()) - STALE_CHUNK_AGE
    deleted, _ = FileChunk.objects.filter(created_at__lt=cutoff).delete()
    return deleted
