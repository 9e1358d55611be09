"""Credentials write only where they are meant to: a DSN key to its own project,
a read-only API token nowhere."""

from __future__ import annotations

import pytest
from django.test import Client

from errorhub.accounts.services import api_token_create
from errorhub.issues.models import Issue
from tests.ingest.helpers import event, event_envelope, post_envelope
from tests.issues.events import issue_of
from tests.personas import World

pytestmark = pytest.mark.django_db(transaction=True)


def test_key_of_project_a_cannot_post_to_project_b(client: Client, world: World):
    body = event_envelope(event(message="cross-project write"))
    for door in ("envelope", "store"):
        data = body if door == "envelope" else event(message="cross-project write")
        response = client.post(
            f"/api/{world.other_project.pk}/{door}/",
            data=data,
            content_type="application/json",
            HTTP_X_SENTRY_AUTH=world.auth_header(),
        )
        assert response.status_code == 403, (door, response.content)
        assert "another project" in response.json()["detail"]
    response = client.post(
        f"/api/{world.other_project.pk}/logs/?sentry_key={world.key.public_key}",
        data=b"ERROR boom password=x\n",
        content_type="text/plain",
    )
    assert response.status_code == 403
    assert not Issue.objects.filter(project=world.other_project).exists()
    assert post_envelope(client, world, body).status_code == 200, "the key still works for its own project"
    assert Issue.objects.filter(project=world.project).exists()


def test_dsn_project_id_must_match_the_url(client: Client, world: World):
    """An envelope header DSN naming project B cannot be replayed at project A's URL either."""
    dsn = world.key.dsn().rsplit("/", 1)[0] + f"/{world.other_project.pk}"
    body = event_envelope(event()).replace(b"{", b'{"dsn":"' + dsn.encode() + b'",', 1)
    response = client.post(
        f"/api/{world.project.pk}/envelope/", data=body, content_type="application/x-sentry-envelope"
    )
    assert response.status_code == 403, response.content
    assert not Issue.objects.exists()


@pytest.fixture
def read_only(world: World):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.owner, can_write=False)}")
    return client


def test_read_only_token_can_read_but_not_write(world: World, read_only):
    issue = issue_of(world.project, "read-only")
    assert read_only.get(f"/api/0/issues/{issue.pk}/").status_code == 200
    attempts = [
        read_only.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"}, format="json"),
        read_only.put(f"/api/0/projects/acme/shop/issues/?id={issue.pk}", {"status": "resolved"}, format="json"),
        read_only.post(f"/api/0/issues/{issue.pk}/comments/", {"text": "hi"}, format="json"),
        read_only.post(f"/api/0/issues/{issue.pk}/merge/", {"issues": []}, format="json"),
        read_only.post("/api/0/projects/acme/shop/keys/", {"name": "sneaky"}, format="json"),
        read_only.post("/api/0/projects/", {"organization": "acme", "name": "Sneaky"}, format="json"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    issue.refresh_from_db()
    assert issue.lifecycle != "resolved" and not issue.comments.exists()
    assert world.project.keys.count() == 1
    assert (
        world.api(world.owner).post(f"/api/0/issues/{issue.pk}/comments/", {"text": "hi"}, format="json").status_code
        == 201
    ), "a write token may"
