"""Reads of uploaded artifacts: the source map of a minified file, by debug ID or by release + URL."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from errorhub.accounts.models import Organization, Project
from errorhub.artifacts.models import ArtifactBundle, ArtifactFile
from ingest.protocol.sourcemaps import MapArtifacts, resolve_reference, sourcemap_reference, url_candidates


def artifact_files_for_project(project: Project) -> QuerySet[ArtifactFile]:
    """The files a project may resolve with: its bundles', its release files, its org's release files."""
    return ArtifactFile.objects.filter(organization_id=project.organization_id).filter(
        Q(bundle__projects=project) | Q(bundle=None, project=project) | Q(bundle=None, project=None)
    )


def artifact_bundles_for_project(project: Project) -> QuerySet[ArtifactBundle]:
    """The artifact bundles uploaded for a project, newest first."""
    return ArtifactBundle.objects.filter(projects=project).order_by("-created_at", "-pk")


def sourcemap_find(*, project: Project, release: str, dist: str, abs_path: str, debug_id: str | None) -> MapArtifacts:
    """The map (and minified source) of one minified file: by debug ID first, else release + dist + URL."""
    files = artifact_files_for_project(project)
    if debug_id:
        found = _by_debug_id(files, debug_id)
        if found.sourcemap is not None:
            return found
    if not release:
        why = f"no source map with debug ID {debug_id}" if debug_id else "the event has no debug ID and no release"
        return MapArtifacts(None, missing=why)
    return _by_release_url(files.filter(release=release, dist=dist or ""), abs_path, release, dist)


def _by_debug_id(files: QuerySet[ArtifactFile], debug_id: str) -> MapArtifacts:
    rows = {row.kind: row for row in files.filter(debug_id=debug_id).order_by("created_at")}
    source_map, minified = rows.get("source_map"), rows.get("minified_source")
    return MapArtifacts(
        bytes(source_map.content) if source_map else None, bytes(minified.content) if minified else None
    )


def _by_release_url(files: QuerySet[ArtifactFile], abs_path: str, release: str, dist: str) -> MapArtifacts:
    minified = files.filter(url__in=url_candidates(abs_path)).exclude(kind="source_map").order_by("-id").first()
    reference = None
    if minified is not None:
        reference = minified.sourcemap_ref or sourcemap_reference(bytes(minified.content))
    map_url = resolve_reference(
        minified.url if minified else abs_path, reference or f"{abs_path.rsplit('/', 1)[-1]}.map"
    )
    names = url_candidates(map_url) + (url_candidates(resolve_reference(abs_path, reference)) if reference else [])
    source_map = files.filter(url__in=names, kind="source_map").order_by("-id").first()
    if source_map is None:
        where = f"release {release!r}" + (f" dist {dist!r}" if dist else "")
        return MapArtifacts(None, missing=f"no source map {map_url!r} uploaded for {where}")
    return MapArtifacts(bytes(source_map.content), bytes(minified.content) if minified else None)


def release_files(*, organization: Organization, project: Project | None, release: str) -> QuerySet[ArtifactFile]:
    """The legacy release files of a project (or the organisation's own), newest last."""
    return ArtifactFile.objects.filter(
        organization=organization, project=project, bundle=None, release=release
    ).order_by("id")
