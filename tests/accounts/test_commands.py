"""The set-up commands an operator runs: createproject, createapitoken, bootstrap."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from errorhub.accounts.models import Organization, Project, ProjectKey
from tests.factories import UserFactory
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
DSN = re.compile(r"^http://([0-9a-f]{32})@testserver/(\d+)$")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_createproject_prints_the_dsn():
    out = run("createproject", "--org", "Acme", "--name", "Shop", "--team", "Web")
    assert out.startswith("Created project acme/shop")
    dsn = out.strip().splitlines()[-1].removeprefix("DSN: ")
    key, project_id = DSN.match(dsn).groups()
    assert ProjectKey.objects.get(public_key=key).project_id == int(project_id)
    assert Project.objects.get(pk=project_id).teams.get().slug == "web"


def test_createproject_json_is_one_line_and_idempotent():
    first = run("createproject", "--org", "Acme", "--name", "Shop", "--json")
    assert first.count("\n") <= 1
    data = json.loads(first)
    assert set(data) == {"id", "slug", "dsn"} and data["slug"] == "shop"
    assert DSN.match(data["dsn"]).group(2) == str(data["id"])
    assert json.loads(run("createproject", "--org", "Acme", "--name", "Shop", "--json")) == data
    assert run("createproject", "--org", "Acme", "--name", "Shop").startswith("Found project acme/shop")
    assert Project.objects.count() == 1 and Organization.objects.count() == 1 and ProjectKey.objects.count() == 1


def test_createapitoken_gives_a_working_bearer_token():
    user = UserFactory(username="ci")
    data = json.loads(run("createproject", "--org", "Acme", "--name", "Shop", "--team", "Ops", "--json"))
    Project.objects.get(pk=data["id"]).teams.get().members.add(user)
    token = run("createapitoken", "--user", "ci").strip()
    response = bearer(token).get("/api/0/projects/")
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()] == ["shop"]


def test_read_only_token_may_read_but_not_write():
    user = UserFactory(username="viewer")
    data = json.loads(run("createproject", "--org", "Acme", "--name", "Shop", "--json"))
    project = Project.objects.get(pk=data["id"])
    project.teams.get().members.add(user)
    issue = issue_of(project, "read-only")
    client = bearer(run("createapitoken", "--user", "viewer", "--read-only").strip())
    assert client.get(f"/api/0/issues/{issue.pk}/").status_code == 200
    response = client.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"}, format="json")
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.lifecycle == "new"


def test_createapitoken_unknown_user():
    with pytest.raises(CommandError, match="no user 'ghost'"):
        run("createapitoken", "--user", "ghost")


def test_bootstrap_prints_login_and_dsn_once(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = run("bootstrap")
    login = re.search(r"login:\s+admin / (\S+)", first)
    assert login, first
    password = login.group(1)
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert (tmp_path / "admin_password").stat().st_mode & 0o077 == 0
    dsn = re.search(r"DSN:\s+(\S+)", first).group(1)
    assert DSN.match(dsn)

    second = run("bootstrap")
    assert re.search(r"DSN:\s+(\S+)", second).group(1) == dsn
    assert f"admin / {password}" in second
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert Project.objects.count() == 1
