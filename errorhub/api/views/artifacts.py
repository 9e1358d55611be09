"""Uploads of build artifacts the way ``sentry-cli`` sends them.

- ``GET/POST organizations/{org}/chunk-upload/``: the chunking options, then the chunks
  (multipart, each part named by its SHA-1, ``file`` or gzip-compressed ``file_gzip``);
- ``POST organizations/{org}/artifactbundle/assemble/``: a debug-ID artifact bundle from its chunks;
- ``GET/POST projects/{org}/{project}/releases/{version}/files/`` and the organisation variant:
  the legacy release files (one multipart file per request, named by its URL);
- ``GET/DELETE projects/{org}/{project}/files/artifact-bundles/``: the project's bundles, and
  taking one away (``?bundleId=``).
"""

from __future__ import annotations

import zlib
from typing import Any

from django.conf import settings
from django.http import Http404
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.accounts import selectors as accounts
from errorhub.accounts.models import Organization, Project
from errorhub.api.views.base import Base, body_object
from errorhub.artifacts import selectors, services
from errorhub.artifacts.models import ArtifactBundle, ArtifactFile
from ingest.protocol.errors import ClientError

CHUNK_SIZE = 8 * 1024 * 1024
CHUNKS_PER_REQUEST = 64
MAX_REQUEST_SIZE = 32 * 1024 * 1024
#: The scope sentry-cli's tokens need for uploads.
RELEASES_SCOPE = "project:releases"


class ArtifactBase(Base):
    """Uploads need ``project:releases`` (reads ``project:read``), checked by the API's one
    token-scope permission like every other endpoint; an organisation token reaches only its own."""

    read_scope = "project:read"
    write_scope = RELEASES_SCOPE


def _organization(request: Request, slug: str) -> Organization:
    org = accounts.organizations_for_user(request.user).filter(slug=slug).first()
    if org is None:
        raise Http404("no such organization")
    return org


class ChunkUpload(ArtifactBase):
    def get(self, request: Request, org: str) -> Response:
        _organization(request, org)
        return Response(
            {
                "url": request.build_absolute_uri(request.path),
                "chunkSize": CHUNK_SIZE,
                "chunksPerRequest": CHUNKS_PER_REQUEST,
                "maxFileSize": settings.ARTIFACT_MAX_FILE_BYTES,
                "maxRequestSize": MAX_REQUEST_SIZE,
                "concurrency": 1,
                "hashAlgorithm": "sha1",
                "compression": ["gzip"],
                "accept": ["artifact_bundles", "release_files", "sources"],
            }
        )

    def post(self, request: Request, org: str) -> Response:
        organization = _organization(request, org)
        chunks = [(f.name, f.read()) for f in request.FILES.getlist("file")]
        chunks += [(f.name, _gunzip(f.name, f.read())) for f in request.FILES.getlist("file_gzip")]
        if not chunks:
            raise ClientError("no chunks: send multipart parts named 'file' (or 'file_gzip'), each named by its SHA-1")
        services.chunks_store(organization=organization, chunks=chunks)
        return Response(status=http.HTTP_200_OK)


def _gunzip(name: str, data: bytes) -> bytes:
    """A gzip chunk inflated, at most one chunk's size (a bomb is the client's error)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, CHUNK_SIZE + 1)
    except zlib.error as exc:
        raise ClientError(f"chunk {name!r} is not valid gzip: {exc}") from None
    if len(out) > CHUNK_SIZE or inflater.unconsumed_tail:
        raise ClientError(f"chunk {name!r} inflates past the chunk size ({CHUNK_SIZE} bytes)", status=413)
    return out


class ArtifactBundleAssemble(ArtifactBase):
    def post(self, request: Request, org: str) -> Response:
        organization = _organization(request, org)
        body = body_object(request)
        checksum, chunks = body.get("checksum"), body.get("chunks")
        if not isinstance(checksum, str) or not isinstance(chunks, list) or not all(isinstance(c, str) for c in chunks):
            raise ClientError("'checksum' (a SHA-1) and 'chunks' (a list of SHA-1s) are required")
        projects = _projects(request, organization, body.get("projects"))
        result = services.artifact_bundle_assemble(
            organization=organization,
            projects=projects,
            checksum=checksum,
            chunks=chunks,
            release=_text(body.get("version"), "version", 200),
            dist=_text(body.get("dist"), "dist", 64),
        )
        return Response({"state": result.state, "missingChunks": result.missing_chunks, "detail": result.detail})


def _projects(request: Request, organization: Organization, slugs: Any) -> list[Project]:
    if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
        raise ClientError("'projects' must list the slugs (or ids) of the bundle's projects")
    visible = accounts.projects_for_user(request.user).filter(organization=organization)
    found = {p.slug: p for p in visible} | {str(p.pk): p for p in visible}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise ClientError(f"unknown projects in organization {organization.slug!r}: {', '.join(unknown)}")
    return list({found[s].pk: found[s] for s in slugs}.values())


def _text(value: Any, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise ClientError(f"'{name}' must be a string of at most {limit} characters (no NUL)")
    return value


def _file_json(row: ArtifactFile) -> dict[str, Any]:
    return {
        "id": str(row.pk),
        "name": row.url,
        "dist": row.dist or None,
        "size": row.size,
        "sha1": row.sha1,
        "dateCreated": row.created_at.isoformat(),
        "headers": row.headers,
    }


class _ReleaseFiles(ArtifactBase):
    """Legacy release files: list, and upload one (``file``, ``name``, optional ``dist``, ``header``)."""

    def _scope(self, request: Request, org: str, project: str | None) -> tuple[Organization, Project | None]:
        if project is None:
            return _organization(request, org), None
        proj = accounts.project_get_for_user(request.user, org, project)
        return proj.organization, proj

    def _get(self, request: Request, org: str, version: str, project: str | None = None) -> Response:
        organization, proj = self._scope(request, org, project)
        rows = selectors.release_files(organization=organization, project=proj, release=version)
        return Response([_file_json(row) for row in rows])

    def _post(self, request: Request, org: str, version: str, project: str | None = None) -> Response:
        organization, proj = self._scope(request, org, project)
        version = _text(version, "version", 200)
        upload = request.FILES.get("file")
        if upload is None:
            raise ClientError("send the file as the multipart part 'file'")
        if upload.size is not None and upload.size > settings.ARTIFACT_MAX_FILE_BYTES:
            raise ClientError(f"the file is larger than {settings.ARTIFACT_MAX_FILE_BYTES} bytes", status=413)
        name = request.data.get("name") or upload.name
        row = services.release_file_create(
            organization=organization,
            project=proj,
            release=version,
            name=_text(name, "name", 500),
            content=upload.read(),
            dist=_text(request.data.get("dist"), "dist", 64),
            headers=_headers(request.data.getlist("header") if hasattr(request.data, "getlist") else []),
        )
        return Response(_file_json(row), status=http.HTTP_201_CREATED)


def _headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        key, sep, rest = _text(value, "header", 1000).partition(":")
        if not sep or not key.strip():
            raise ClientError(f"header {value!r} is not 'Key: value'")
        headers[key.strip()] = rest.strip()
    return headers


class ProjectReleaseFiles(_ReleaseFiles):
    def get(self, request: Request, org: str, project: str, version: str) -> Response:
        return self._get(request, org, version, project)

    def post(self, request: Request, org: str, project: str, version: str) -> Response:
        return self._post(request, org, version, project)


class OrganizationReleaseFiles(_ReleaseFiles):
    def get(self, request: Request, org: str, version: str) -> Response:
        return self._get(request, org, version)

    def post(self, request: Request, org: str, version: str) -> Response:
        return self._post(request, org, version)


def _bundle_json(bundle: ArtifactBundle) -> dict[str, Any]:
    """Sentry's shape of a listed artifact bundle."""
    associations = [{"release": bundle.release, "dist": bundle.dist or None}] if bundle.release else []
    return {
        "bundleId": str(bundle.pk),
        "checksum": bundle.checksum,
        "associations": associations,
        "fileCount": bundle.file_count,
        "date": bundle.created_at.isoformat(),
        "dateModified": bundle.created_at.isoformat(),
    }


class ProjectArtifactBundles(ArtifactBase):
    """A project's artifact bundles: list them, or take one away (``DELETE ?bundleId=``)."""

    def get(self, request: Request, org: str, project: str) -> Response:
        proj = accounts.project_get_for_user(request.user, org, project)
        return Response([_bundle_json(b) for b in selectors.artifact_bundles_for_project(proj)])

    def delete(self, request: Request, org: str, project: str) -> Response:
        proj = accounts.project_get_for_user(request.user, org, project)
        bundle_id = request.query_params.get("bundleId", "")
        if not bundle_id.isdigit():
            raise ClientError("name the bundle to delete: ?bundleId=<the bundleId the list gives>")
        if not services.artifact_bundle_remove(project=proj, bundle_id=int(bundle_id)):
            raise Http404(f"project {proj.slug!r} has no artifact bundle {bundle_id}")
        return Response(status=http.HTTP_204_NO_CONTENT)
