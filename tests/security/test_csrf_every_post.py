"""CSRF on every dashboard POST (issue #24): a logged-in owner's browser posting
without the token is refused with 403, and nothing changes.

Every route of the URL conf is posted to, except the doors whose credential is
not a browser session (``CSRF_EXEMPT``); the REST API is included: with a
session cookie and no token it must refuse too.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.attack import CSRF_EXEMPT, MARKER, every_url, hostile_form, make_org, snapshot

pytestmark = pytest.mark.django_db


def test_every_post_without_a_token_is_refused():
    acme = make_org("acme", f"Acme {MARKER}")
    before = snapshot(acme)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(acme.owner)
    assert client.get("/").status_code == 200, "the session works"
    accepted: list[str] = []
    tried = 0
    for target in every_url(acme):
        if target.name in CSRF_EXEMPT:
            continue
        tried += 1
        response = client.post(target.path, hostile_form(acme))
        if response.status_code != 403:
            accepted.append(f"POST {target.path} ({target.name}) → {response.status_code}")
    assert tried >= 50
    assert not accepted, "POST without a CSRF token not refused:\n" + "\n".join(accepted)
    assert snapshot(acme) == before


def test_login_form_needs_the_token_too():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "x", "password": "y"}).status_code == 403
