"""Releases and deploys through Sentry's organisation endpoints: one version across projects,
created (an upsert), given commits, finalised, listed, read, deleted; bad bodies are 400s."""

from __future__ import annotations

import pytest

from errorhub.issues.models import Deploy, Release
from tests.issues.events import record

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
RELEASES = "/api/0/organizations/acme/releases/"
COMMITS = [
    {
        "id": "b" * 40,
        "repository": "acme/shop",
        "message": "Fix checkout",
        "author_name": "Ada",
        "author_email": "ada@example.com",
        "timestamp": "2026-01-02T03:04:05+00:00",
        "patch_set": [],
    },
    {"id": "a" * 40, "message": "Start", "author_email": "ada@example.com"},
]


def test_create_is_an_upsert_per_project(world):
    world.other_project.teams.first().members.add(world.owner)
    api = world.api(world.owner)
    created = api.post(
        RELEASES, {"version": "shop@1.0", "projects": ["shop", "billing"], "url": "https://ci.example/1"}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["version"] == "shop@1.0" and body["url"] == "https://ci.example/1" and body["dateReleased"] is None
    assert sorted(p["slug"] for p in body["projects"]) == ["billing", "shop"]
    again = api.post(RELEASES, {"version": "shop@1.0", "projects": [str(world.project.pk)]}, format="json")
    assert again.status_code == 201 and again.json()["url"] == "https://ci.example/1"
    assert Release.objects.filter(version="shop@1.0").count() == 2


def test_commits_finalize_and_read_back(world):
    api = world.api(world.owner)
    api.post(RELEASES, {"version": "shop@1.1", "projects": ["shop"]}, format="json")
    put = api.put(f"{RELEASES}shop@1.1/", {"commits": COMMITS}, format="json")
    assert put.status_code == 200 and put.json()["commitCount"] == 2
    assert put.json()["lastCommit"]["id"] == "b" * 40
    done = api.put(f"{RELEASES}shop@1.1/", {"dateReleased": "2026-01-02T04:00:00Z"}, format="json").json()
    assert done["dateReleased"].startswith("2026-01-02T04:00:00") and done["commitCount"] == 2
    commits = api.get(f"{RELEASES}shop@1.1/commits/").json()
    assert [c["id"] for c in commits] == ["b" * 40, "a" * 40]
    assert commits[0]["author"] == {"name": "Ada", "email": "ada@example.com"}
    api.post(RELEASES, {"version": "shop@1.2", "projects": ["shop"]}, format="json")
    previous = api.get(f"{RELEASES}shop@1.2/previous-with-commits/").json()
    assert previous["version"] == "shop@1.1" and previous["lastCommit"]["id"] == "b" * 40
    assert api.get(f"{RELEASES}shop@1.1/previous-with-commits/").json() == {}


def test_a_release_seen_in_events_is_listed_with_its_new_issues(world):
    record(world.project, "checkout", release="shop@2.0")
    api = world.api(world.member)
    listed = api.get(RELEASES).json()
    assert [r["version"] for r in listed] == ["shop@2.0"] and listed[0]["newGroups"] == 1
    assert listed[0]["lastEvent"] is not None
    assert [r["version"] for r in api.get("/api/0/projects/acme/shop/releases/").json()] == ["shop@2.0"]
    assert api.get(RELEASES, {"project": str(world.other_project.pk)}).json() == []


def test_deploys_are_listed_once_across_projects(world):
    world.other_project.teams.first().members.add(world.owner)
    api = world.api(world.owner)
    api.post(RELEASES, {"version": "shop@3.0", "projects": ["shop", "billing"]}, format="json")
    made = api.post(f"{RELEASES}shop@3.0/deploys/", {"environment": "production", "name": "blue"}, format="json")
    assert made.status_code == 201 and made.json()["environment"] == "production" and made.json()["name"] == "blue"
    assert Deploy.objects.count() == 2
    listed = api.get(f"{RELEASES}shop@3.0/deploys/").json()
    assert [(d["environment"], d["name"]) for d in listed] == [("production", "blue")]
    only = api.post(f"{RELEASES}shop@3.0/deploys/", {"environment": "staging", "projects": ["billing"]}, format="json")
    assert only.status_code == 201 and Deploy.objects.filter(environment="staging").count() == 1
    assert api.get(f"{RELEASES}shop@3.0/").json()["deployCount"] == 2


def test_delete_keeps_a_release_that_issues_name(world):
    api = world.api(world.owner)
    api.post(RELEASES, {"version": "shop@4.0", "projects": ["shop"]}, format="json")
    assert api.delete(f"{RELEASES}shop@4.0/").status_code == 204
    assert api.get(f"{RELEASES}shop@4.0/").status_code == 404
    record(world.project, "kept", release="shop@4.1")
    refused = api.delete(f"{RELEASES}shop@4.1/")
    assert refused.status_code == 400 and "has issues" in refused.json()["detail"]
    assert Release.objects.filter(version="shop@4.1").exists()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"projects": ["shop"]}, "version"),
        ({"version": "a/b", "projects": ["shop"]}, "slashes"),
        ({"version": "1.0", "projects": []}, "projects"),
        ({"version": "1.0", "projects": ["nope"]}, "no project 'nope'"),
        ({"version": "1.0", "projects": ["shop"], "dateReleased": "yesterday"}, "ISO 8601"),
        ({"version": "1.0", "projects": ["shop"], "commits": [{"message": "no id"}]}, "commits"),
    ],
)
def test_bad_create_bodies_are_400s_naming_the_field(world, body, says):
    response = world.api(world.owner).post(RELEASES, body, format="json")
    assert response.status_code == 400 and says in response.json()["detail"], response.json()
    assert not Release.objects.exists()


def test_archiving_is_refused(world):
    api = world.api(world.owner)
    api.post(RELEASES, {"version": "shop@5.0", "projects": ["shop"]}, format="json")
    response = api.put(f"{RELEASES}shop@5.0/", {"status": "archived"}, format="json")
    assert response.status_code == 400 and "no archive" in response.json()["detail"]


def test_another_teams_project_is_not_a_release_target(world):
    response = world.api(world.member).post(RELEASES, {"version": "1.0", "projects": ["billing"]}, format="json")
    assert response.status_code == 400 and "no project 'billing'" in response.json()["detail"]
