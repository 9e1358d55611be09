"""Authorisation on every URL the URL conf lists (issue #24): an anonymous client
is sent to the login page (or refused), and a member of organisation B can
neither read nor change anything of organisation A, by any method.

The URLs come from ``tests.security.attack.every_url`` (the resolver itself), so a
new page or endpoint is attacked as soon as it exists.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient

from tests.security.attack import (
    CREDENTIAL_DOORS,
    MARKER,
    PUBLIC,
    Org,
    Target,
    every_url,
    hostile_form,
    make_org,
    snapshot,
)

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")
LOGIN_PAGES = ("/login/", "/admin/login/")


@pytest.fixture
def acme() -> Org:
    return make_org("acme", f"Acme {MARKER}")


@pytest.fixture
def globex(acme) -> Org:
    return make_org("globex", "Globex")


def call(client: Client, method: str, target: Target, data: dict) -> object:
    if method == "get":
        return client.get(target.path)
    if method == "post":
        return client.post(target.path, data)
    return getattr(client, method)(target.path, data, content_type="application/json")


def to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path in LOGIN_PAGES


def leaks(response) -> bool:
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return MARKER.lower() in body.decode(errors="replace").lower()


def test_the_url_conf_is_walked_whole(acme):
    names = {t.name for t in every_url(acme)}
    assert {"inbox", "issue", "api-issue", "alert-rule", "ingest-envelope", "team-member-remove"} <= names
    assert len(names) >= 60, sorted(names)


#: A URL conf with a parameter no filler knows (used as ROOT_URLCONF by the test below).
urlpatterns = [path("widgets/<int:widget_id>/", lambda request, widget_id: HttpResponse(), name="widget")]


def test_a_parameter_without_a_filler_fails_the_suite(acme, settings):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(
        AssertionError,
        match=r"widgets/<int:widget_id>/ \(widget\): no value for \['widget_id'\]: "
        r"add a parameter filler",
    ):
        every_url(acme)


def test_anonymous_clients_get_nothing(acme):
    client = Client(raise_request_exception=False)
    wrong: list[str] = []
    for target in every_url(acme):
        for method in METHODS:
            response = call(client, method, target, hostile_form(acme))
            status = response.status_code
            if target.name in PUBLIC:
                ok = status < 500 and not leaks(response)
            elif target.name in CREDENTIAL_DOORS:
                ok = 400 <= status < 500 and not leaks(response)
            else:
                ok = (to_login(response) or status in (401, 403, 405)) and not leaks(response)
            if not ok:
                wrong.append(
                    f"{method.upper()} {target.path} ({target.name}) → {status} {response.get('Location', '')}"
                )
    assert not wrong, "anonymous access not refused:\n" + "\n".join(wrong)


def test_a_member_of_org_b_reads_and_writes_nothing_of_org_a(acme, globex):
    before = snapshot(acme)
    browser = Client(raise_request_exception=False)
    browser.force_login(globex.member)
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {globex.token}")
    wrong: list[str] = []
    for target in every_url(acme):
        if target.name in CREDENTIAL_DOORS:
            continue  # a DSN key or a signature, not a user, is their credential: test_key_scoping, test_slack_*
        client = api if target.path.startswith("/api/0/") else browser
        for method in METHODS:
            response = call(client, method, target, hostile_form(acme))
            status = response.status_code
            refused = status in (400, 401, 403, 404, 405) or to_login(response)
            owned_by_a = bool(target.values) and target.name not in PUBLIC  # public routes take no org-A ids
            if leaks(response) or status >= 500 or (owned_by_a and not refused):
                wrong.append(
                    f"{method.upper()} {target.path} ({target.name}) → {status}"
                    f"{' with org A data' if leaks(response) else ''}"
                )
    assert not wrong, "org B reached org A:\n" + "\n".join(wrong)
    assert snapshot(acme) == before, "org B changed org A's objects"
