"""Every endpoint checks a token's scopes (Sentry's names) for its method; a token made before
scopes existed keeps what ``can_write`` gave it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from errorhub.accounts.services import api_token_create
from tests.issues.events import issue_of

pytestmark = pytest.mark.django_db


def client_with(user, **token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, **token)}")
    return client


def test_a_token_without_the_scope_gets_a_403_naming_it(world):
    issue = issue_of(world.project, "scoped")
    reader = client_with(world.member, scopes=["event:read", "project:read"])
    assert reader.get("/api/0/projects/acme/shop/issues/", {"query": ""}).status_code == 200
    refused = reader.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"}, format="json")
    assert refused.status_code == 403 and "'event:write'" in refused.json()["detail"]
    refused = reader.post(
        "/api/0/organizations/acme/releases/", {"version": "1.0", "projects": ["shop"]}, format="json"
    )
    assert refused.status_code == 403 and "'project:releases'" in refused.json()["detail"]
    assert reader.get("/api/0/organizations/").status_code == 403  # org:read


def test_the_release_scope_creates_releases_but_changes_no_issue(world):
    issue = issue_of(world.project, "releaser")
    ci = client_with(world.member, scopes=["project:releases", "project:read"])
    created = ci.post("/api/0/organizations/acme/releases/", {"version": "1.0", "projects": ["shop"]}, format="json")
    assert created.status_code == 201 and created.json()["version"] == "1.0"
    assert ci.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"}, format="json").status_code == 403
    assert ci.get(f"/api/0/issues/{issue.pk}/").status_code == 403  # event:read


def test_api_root_lists_the_token_scopes_and_the_user(world):
    body = client_with(world.member, scopes=["org:read", "event:read"]).get("/api/0/").json()
    assert body["auth"]["scopes"] == ["event:read", "org:read"]
    assert body["user"]["username"] == "mike" and body["user"]["id"] == str(world.member.pk)


def test_a_token_from_before_scopes_keeps_what_can_write_gave_it(world):
    issue = issue_of(world.project, "legacy")
    writer, reader = client_with(world.member), client_with(world.member, can_write=False)
    assert "event:write" in writer.get("/api/0/").json()["auth"]["scopes"]
    assert writer.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"}, format="json").status_code == 200
    assert "event:write" not in reader.get("/api/0/").json()["auth"]["scopes"]
    assert reader.get(f"/api/0/issues/{issue.pk}/").status_code == 200
    assert reader.put(f"/api/0/issues/{issue.pk}/", {"status": "unresolved"}, format="json").status_code == 403


def test_an_unknown_scope_is_refused_when_the_token_is_made(world):
    with pytest.raises(ValueError, match="not a token scope: project:everything"):
        api_token_create(user=world.member, scopes=["project:everything"])
