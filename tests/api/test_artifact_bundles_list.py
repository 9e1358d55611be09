"""A project's artifact bundles can be listed and taken away, as Sentry's API does.

The bundles are assembled through the same endpoints sentry-cli uses (chunk upload + assemble).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from errorhub.accounts.services import api_token_create
from errorhub.artifacts.models import ArtifactBundle, ArtifactFile
from tests.api.test_artifacts_api import ASSEMBLE_URL, _bundle, _sha1, _upload

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

LIST_URL = "/api/0/projects/acme/shop/files/artifact-bundles/"


def _assemble(api: APIClient, projects: list[str]) -> None:
    data = _bundle()
    assert _upload(api, [data]).status_code == 200
    body = {"checksum": _sha1(data), "chunks": [_sha1(data)], "projects": projects, "version": "2.0", "dist": "web"}
    assert api.post(ASSEMBLE_URL, body, format="json").json()["state"] == "ok"


def test_bundles_are_listed_in_sentrys_shape(world):
    api = world.api(world.member)
    assert api.get(LIST_URL).json() == []
    _assemble(api, ["shop"])
    (listed,) = api.get(LIST_URL).json()
    bundle = ArtifactBundle.objects.get()
    assert listed["bundleId"] == str(bundle.pk) and listed["checksum"] == bundle.checksum
    assert listed["associations"] == [{"release": "2.0", "dist": "web"}]
    assert listed["fileCount"] == 2 and listed["date"]


def test_delete_takes_the_bundle_away_and_its_files_when_no_project_uses_it(world):
    api = world.api(world.member)
    _assemble(api, ["shop"])
    bundle = ArtifactBundle.objects.get()
    assert api.delete(f"{LIST_URL}?bundleId={bundle.pk}").status_code == 204
    assert api.get(LIST_URL).json() == []
    assert not ArtifactBundle.objects.exists() and not ArtifactFile.objects.exists()


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [("", 400, "bundleId"), ("?bundleId=abc", 400, "bundleId"), ("?bundleId=999999", 404, "no artifact bundle")],
)
def test_a_bad_or_unknown_bundle_id_says_so(world, query, status, message):
    answer = world.api(world.member).delete(f"{LIST_URL}{query}")
    assert answer.status_code == status and message in answer.json()["detail"]


def test_read_only_tokens_may_list_but_not_delete_and_outsiders_see_nothing(world):
    api = world.api(world.member)
    _assemble(api, ["shop"])
    bundle = ArtifactBundle.objects.get()
    read_only = APIClient()
    read_only.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.member, can_write=False)}")
    assert read_only.get(LIST_URL).status_code == 200
    refused = read_only.delete(f"{LIST_URL}?bundleId={bundle.pk}")
    assert refused.status_code == 403 and "project:releases" in refused.json()["detail"]
    assert world.api(world.outsider).get(LIST_URL).status_code == 404
    assert world.api(world.outsider).delete(f"{LIST_URL}?bundleId={bundle.pk}").status_code == 404
    assert ArtifactBundle.objects.filter(pk=bundle.pk).exists()
