"""The artifact upload endpoints sentry-cli uses: chunk upload, bundle assemble, legacy release files.

Happy paths with the real sentry-cli are in tests/live/test_sourcemaps_cli.py; here every bad
request is a 4xx that says what was wrong, and one organisation never reaches another's files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, encode_multipart
from rest_framework.test import APIClient

from errorhub.accounts.services import api_token_create
from errorhub.artifacts.models import ArtifactBundle, ArtifactFile, FileChunk
from errorhub.artifacts.selectors import sourcemap_find
from ingest.protocol.sourcemaps import normalize_debug_id
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

BUILT = Path(__file__).resolve().parents[1] / "fixtures" / "sourcemaps" / "built"
MINIFIED = (BUILT / "node.js").read_bytes()
SOURCE_MAP = (BUILT / "node.js.map").read_bytes()
DEBUG_ID = MINIFIED.decode().rsplit("//# debugId=", 1)[1].strip()
CHUNK_URL = "/api/0/organizations/acme/chunk-upload/"
ASSEMBLE_URL = "/api/0/organizations/acme/artifactbundle/assemble/"


def _bundle() -> bytes:
    manifest = {
        "files": {
            "files/_/_/node.js": {
                "url": "~/dist/node.js",
                "type": "minified_source",
                "headers": {"debug-id": DEBUG_ID, "sourcemap": "node.js.map"},
            },
            "files/_/_/node.js.map": {
                "url": "~/dist/node.js.map",
                "type": "source_map",
                "headers": {"debug-id": DEBUG_ID},
            },
        }
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("files/_/_/node.js", MINIFIED)
        archive.writestr("files/_/_/node.js.map", SOURCE_MAP)
    return buffer.getvalue()


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _upload(api: APIClient, chunks: list[bytes], field: str = "file"):
    files = [(field, (_sha1(c), gzip.compress(c) if field == "file_gzip" else c)) for c in chunks]
    body = encode_multipart(BOUNDARY, {field: [SimpleUploadedFile(name, data) for _, (name, data) in files]})
    return api.post(CHUNK_URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def test_chunk_upload_options_say_where_and_how(world):
    answer = world.api(world.member).get(CHUNK_URL)
    assert answer.status_code == 200
    options = answer.json()
    assert options["url"] == f"http://testserver{CHUNK_URL}" and options["hashAlgorithm"] == "sha1"
    assert options["chunkSize"] > 0 and options["chunksPerRequest"] > 0 and "gzip" in options["compression"]


def test_bundle_assembles_from_gzip_chunks_and_resolves_by_debug_id(world):
    api, data = world.api(world.member), _bundle()
    chunks = [data[:1000], data[1000:]]
    body = {"checksum": _sha1(data), "chunks": [_sha1(c) for c in chunks], "projects": ["shop"], "version": "1.0"}
    first = api.post(ASSEMBLE_URL, body, format="json").json()
    assert first["state"] == "not_found" and first["missingChunks"] == body["chunks"]
    assert _upload(api, chunks, "file_gzip").status_code == 200
    assert api.post(ASSEMBLE_URL, body, format="json").json() == {"state": "ok", "missingChunks": [], "detail": None}
    assert api.post(ASSEMBLE_URL, body, format="json").json()["state"] == "ok"  # polled again: still ok
    assert ArtifactBundle.objects.get().release == "1.0" and not FileChunk.objects.exists()

    found = sourcemap_find(
        project=world.project, release="", dist="", abs_path="https://x/node.js", debug_id=normalize_debug_id(DEBUG_ID)
    )
    assert found.sourcemap == SOURCE_MAP and found.minified_source == MINIFIED
    by_url = sourcemap_find(
        project=world.project, release="1.0", dist="", abs_path="https://shop/dist/node.js", debug_id=None
    )
    assert by_url.sourcemap == SOURCE_MAP
    other = sourcemap_find(
        project=world.other_project,
        release="1.0",
        dist="",
        abs_path="https://shop/dist/node.js",
        debug_id=normalize_debug_id(DEBUG_ID),
    )
    assert other.sourcemap is None and "no source map" in other.missing  # the bundle is the shop's only


def test_a_chunk_that_does_not_match_its_name_is_400(world):
    api = world.api(world.member)
    body = encode_multipart(BOUNDARY, {"file": [SimpleUploadedFile(_sha1(b"abc"), b"abd")]})
    answer = api.post(CHUNK_URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert answer.status_code == 400 and "SHA-1" in answer.json()["detail"]
    body = encode_multipart(BOUNDARY, {"file_gzip": [SimpleUploadedFile(_sha1(b"abc"), b"not gzip")]})
    answer = api.post(CHUNK_URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert answer.status_code == 400 and "not valid gzip" in answer.json()["detail"]
    answer = api.post(CHUNK_URL, {}, format="json")
    assert answer.status_code == 400 and "no chunks" in answer.json()["detail"]
    assert not FileChunk.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"chunks": []}, "'checksum'"),
        ({"checksum": "a" * 40, "chunks": "nope"}, "'chunks'"),
        ({"checksum": "a" * 40, "chunks": [], "projects": []}, "'projects'"),
        ({"checksum": "a" * 40, "chunks": [], "projects": ["nope"]}, "unknown projects"),
        ({"checksum": "a" * 40, "chunks": [], "projects": ["billing"]}, "unknown projects"),  # another team's
        ({"checksum": "a" * 40, "chunks": [], "projects": ["shop"], "version": 7}, "'version'"),
    ],
)
def test_bad_assemble_requests_are_400(world, body, message):
    answer = world.api(world.member).post(ASSEMBLE_URL, body, format="json")
    assert answer.status_code == 400 and message in answer.json()["detail"]
    assert world.api(world.member).post(ASSEMBLE_URL, [1], format="json").status_code == 400


def test_a_bundle_that_is_not_a_bundle_is_an_error_state(world):
    api, junk = world.api(world.member), b"this is not a zip file"
    assert _upload(api, [junk]).status_code == 200
    answer = api.post(
        ASSEMBLE_URL, {"checksum": _sha1(junk), "chunks": [_sha1(junk)], "projects": ["shop"]}, format="json"
    ).json()
    assert answer["state"] == "error" and "not an artifact bundle" in answer["detail"]
    wrong = api.post(
        ASSEMBLE_URL, {"checksum": "b" * 40, "chunks": [_sha1(junk)], "projects": ["shop"]}, format="json"
    ).json()
    assert wrong["state"] == "error" and "do not add up" in wrong["detail"]
    assert not ArtifactBundle.objects.exists()


def test_legacy_release_files_upload_list_and_conflict(world):
    api, url = world.api(world.member), "/api/0/projects/acme/shop/releases/1.0/files/"
    created = api.post(
        url,
        {"file": SimpleUploadedFile("node.js", MINIFIED), "name": "~/dist/node.js", "header": "Sourcemap: node.js.map"},
        format="multipart",
    )
    assert created.status_code == 201 and created.json()["name"] == "~/dist/node.js"
    assert created.json()["headers"] == {"Sourcemap": "node.js.map"} and created.json()["sha1"] == _sha1(MINIFIED)
    again = api.post(url, {"file": SimpleUploadedFile("node.js", b"x"), "name": "~/dist/node.js"}, format="multipart")
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    assert api.post(url, {"name": "~/a.js"}, format="multipart").status_code == 400
    bad_header = api.post(url, {"file": SimpleUploadedFile("a.js", b"x"), "header": "no colon"}, format="multipart")
    assert bad_header.status_code == 400 and "Key: value" in bad_header.json()["detail"]
    assert [f["name"] for f in api.get(url).json()] == ["~/dist/node.js"]
    org_url = "/api/0/organizations/acme/releases/1.0/files/"
    assert (
        api.post(
            org_url,
            {"file": SimpleUploadedFile("node.js.map", SOURCE_MAP), "name": "~/dist/node.js.map"},
            format="multipart",
        ).status_code
        == 201
    )
    found = sourcemap_find(
        project=world.project, release="1.0", dist="", abs_path="https://a/dist/node.js", debug_id=None
    )
    assert found.sourcemap == SOURCE_MAP and found.minified_source == MINIFIED


def test_read_only_tokens_outsiders_and_other_orgs_are_refused(world):
    read_only = APIClient()
    read_only.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.member, can_write=False)}")
    assert read_only.get(CHUNK_URL).status_code == 200
    refused = read_only.post(ASSEMBLE_URL, {"checksum": "a" * 40, "chunks": [], "projects": ["shop"]}, format="json")
    assert refused.status_code == 403 and "project:releases" in refused.json()["detail"]
    outsider = world.api(world.outsider)
    assert (
        outsider.post(
            "/api/0/projects/acme/shop/releases/1.0/files/",
            {"file": SimpleUploadedFile("a.js", b"x")},
            format="multipart",
        ).status_code
        == 404
    )
    OrganizationFactory(slug="rival")
    assert world.api(world.member).get("/api/0/organizations/rival/chunk-upload/").status_code == 404
    assert APIClient().get(CHUNK_URL).status_code in (401, 403)
    assert not ArtifactFile.objects.exists()


@pytest.mark.parametrize(
    ("version", "data", "message"),
    [
        ("v" * 201, {"name": "~/a.js"}, "'version'"),
        ("1.0", {"name": "~/a\x00.js"}, "'name'"),
        ("1.0", {"name": "~/a.js", "dist": "d" * 65}, "'dist'"),
        ("1.0", {"name": "~/a.js", "header": "X-Bad: \x00"}, "'header'"),
    ],
)
def test_release_file_fields_out_of_bounds_are_400(world, version, data, message):
    url = f"/api/0/projects/acme/shop/releases/{version}/files/"
    answer = world.api(world.member).post(url, {"file": SimpleUploadedFile("a.js", b"x"), **data}, format="multipart")
    assert answer.status_code == 400 and message in answer.json()["detail"]
    assert not ArtifactFile.objects.exists()
