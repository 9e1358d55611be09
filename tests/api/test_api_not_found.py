"""An unknown ``/api/0/`` path is a JSON 404 (never the dashboard's HTML page), and ``/api/0/``
itself tells an anonymous caller it is nobody (nulls, as Sentry answers)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/0/users/me/regions/", "/api/0/organizations/acme/monitors/", "/api/0/nothing"])
def test_unknown_api_paths_are_json_404s(world, path):
    for client in (APIClient(), world.api(world.member)):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json()["detail"] == f"no API endpoint at {path}"


def test_the_api_root_answers_nobody_with_nulls(world):
    response = APIClient().get("/api/0/")
    assert response.status_code == 200 and response.json() == {"version": "0", "auth": None, "user": None}
