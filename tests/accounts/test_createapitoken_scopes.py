"""``createapitoken --scope … --organization …`` makes the scoped organisation token sentry-cli
uses as ``SENTRY_AUTH_TOKEN``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def token_for(*args: str) -> APIClient:
    out = io.StringIO()
    call_command("createapitoken", *args, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    return client


def test_a_scoped_organisation_token(world):
    client = token_for("--user", "mike", "--scope", "org:read", "--scope", "project:releases", "--organization", "acme")
    auth = client.get("/api/0/").json()["auth"]
    assert auth == {"scopes": ["org:read", "project:releases"], "organization": "acme"}
    assert client.get("/api/0/organizations/").status_code == 200
    assert client.get("/api/0/projects/acme/shop/issues/").status_code == 403


def test_an_unknown_organisation_or_scope_is_refused(world):
    with pytest.raises(CommandError, match="no organisation 'nope'"):
        token_for("--user", "mike", "--organization", "nope")
    with pytest.raises(CommandError, match="invalid choice"):
        token_for("--user", UserFactory(username="x").username, "--scope", "project:everything")
