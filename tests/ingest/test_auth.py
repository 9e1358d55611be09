"""Who may post: every way SDKs send the key works, every wrong key is a clear 4xx."""

from __future__ import annotations

import pytest

from errorhub.accounts.services import project_key_create, project_key_set_active
from errorhub.events.models import StoredEvent
from tests.factories import ProjectKeyFactory
from tests.ingest.helpers import assert_refused, event, event_envelope, post_envelope, post_store

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_missing_auth_is_401_with_detail(client, world):
    response = post_envelope(client, world, event_envelope(), HTTP_X_SENTRY_AUTH="")
    assert_refused(response, 401)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "header",
    ["Sentry sentry_version=7", "Sentry sentry_key=", "Bearer abc", "Sentry sentry_key=has spaces!, sentry_version=7"],
)
def test_malformed_auth_is_401(client, world, header):
    assert_refused(post_store(client, world, b'{"message": "x"}', HTTP_X_SENTRY_AUTH=header), 401)


def test_unknown_key_is_401(client, world):
    header = "Sentry sentry_key=0123456789abcdef0123456789abcdef, sentry_version=7"
    assert_refused(post_envelope(client, world, event_envelope(), HTTP_X_SENTRY_AUTH=header), 401, "sentry_key")


def test_unknown_project_is_404(client, world):
    header = "Sentry sentry_key=0123456789abcdef0123456789abcdef, sentry_version=7"
    response = post_envelope(client, world, event_envelope(), project_id=999_999_999, HTTP_X_SENTRY_AUTH=header)
    assert_refused(response, 404, "999999999")


def test_another_projects_key_is_403(client, world):
    other_key = ProjectKeyFactory(project=world.other_project)
    header = f"Sentry sentry_key={other_key.public_key}, sentry_version=7"
    assert_refused(post_envelope(client, world, event_envelope(), HTTP_X_SENTRY_AUTH=header), 403, "another project")


def test_disabled_key_is_403(client, world):
    key = project_key_create(project=world.project, label="old")
    project_key_set_active(key=key, active=False)
    header = f"Sentry sentry_key={key.public_key}, sentry_version=7"
    assert_refused(post_envelope(client, world, event_envelope(), HTTP_X_SENTRY_AUTH=header), 403, "disabled")


def test_dsn_in_envelope_header_for_another_project_is_403(client, world):
    body = event()
    data = event_envelope(body).replace(
        b"{", b'{"dsn":"http://%s@testserver/%d",' % (world.key.public_key.encode(), world.other_project.pk), 1
    )
    assert_refused(post_envelope(client, world, data), 403)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["header", "java_no_spaces", "query", "dsn_header"])
def test_every_way_sdks_send_the_key_is_accepted(client, world, how):
    body = event()
    data, extra, query = event_envelope(body), {}, ""
    key = world.key.public_key
    if how == "header":
        extra["HTTP_X_SENTRY_AUTH"] = world.auth_header()
    elif how == "java_no_spaces":
        extra["HTTP_X_SENTRY_AUTH"] = f"Sentry sentry_version=7,sentry_client=sentry.java/8.63.0,sentry_key={key}"
    elif how == "query":  # the Node and browser SDKs
        extra["HTTP_X_SENTRY_AUTH"], query = "", f"?sentry_version=7&sentry_key={key}"
    else:  # tunnels: only the envelope's dsn header
        extra["HTTP_X_SENTRY_AUTH"] = ""
        data = data.replace(b"{", b'{"dsn":"%s",' % world.key.dsn().encode(), 1)
    response = client.post(
        f"/api/{world.project.pk}/envelope/{query}", data=data, content_type="application/x-sentry-envelope", **extra
    )
    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
