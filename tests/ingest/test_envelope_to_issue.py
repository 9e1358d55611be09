"""A real Python SDK envelope, posted to the envelope endpoint, becomes an issue
readable through the API (processing runs through the Celery task, eagerly)."""

from __future__ import annotations

import gzip

import pytest

from tests.sentry_fixtures import FIXTURES, envelopes, readdress

pytestmark = pytest.mark.sqlite


def _envelopes(lang: str) -> list[bytes]:
    return [body for _, body in envelopes(lang)]


@pytest.mark.django_db(transaction=True)
def test_python_sdk_envelope_becomes_issue(client, world):
    body = next(e for e in _envelopes("python") if b'"exception"' in e)
    response = client.post(
        f"/api/{world.project.pk}/envelope/",
        data=gzip.compress(body),
        content_type="application/x-sentry-envelope",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_X_SENTRY_AUTH=world.auth_header(),
    )
    assert response.status_code == 200, response.content
    event_id = response.json()["id"]
    api = world.api(world.member)
    issues = api.get("/api/0/projects/acme/shop/issues/?query=").json()
    assert len(issues) == 1
    issue = issues[0]
    assert issue["count"] == "1" and issue["lifecycle"] == "new" and issue["inbox"] is True
    event = api.get(f"/api/0/projects/acme/shop/events/{event_id}/").json()
    chain = event["body"]["exception"]
    assert len(chain) >= 2, "the chained cause is kept"
    assert chain[-1]["stacktrace"]["frames"][-1]["function"]


@pytest.mark.django_db(transaction=True)
def test_same_envelope_twice_is_counted_once(client, world):
    body = next(e for e in _envelopes("python") if b'"exception"' in e)
    for _ in range(2):
        assert (
            client.post(
                f"/api/{world.project.pk}/envelope/",
                data=body,
                content_type="application/x-sentry-envelope",
                HTTP_X_SENTRY_AUTH=world.auth_header(),
            ).status_code
            == 200
        )
    issues = world.api(world.member).get("/api/0/projects/acme/shop/issues/?query=").json()
    assert [i["count"] for i in issues] == ["1"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["python", "node", "go", "java", "rust"])
def test_every_sdk_fixture_is_accepted_and_stored(client, world, lang):
    bodies = _envelopes(lang)
    if not bodies:
        pytest.fail(f"no captured {lang} envelopes under {FIXTURES / lang}")
    ids = []
    for body in bodies:
        response = client.post(
            f"/api/{world.project.pk}/envelope/",
            data=readdress(body, world.key.dsn()),
            content_type="application/x-sentry-envelope",
            HTTP_X_SENTRY_AUTH=world.auth_header(),
        )
        assert response.status_code == 200, response.content
        ids.append(response.json()["id"])
    api = world.api(world.member)
    for event_id in filter(None, ids):
        assert api.get(f"/api/0/projects/acme/shop/events/{event_id}/").status_code == 200
