"""Open redirects (issue #24): no ``next=``/``redirect=``-style parameter sends a
browser off-site, on any URL of the URL conf, logged in or not, GET or POST;
and the login form itself, given the right password, stays on this host.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from django.test import Client

from tests.security.attack import CREDENTIAL_DOORS, PASSWORD, every_url, hostile_form, make_org

pytestmark = pytest.mark.django_db
EVIL = [
    "//evil.example",
    "https://evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "\\\\evil.example",
    "http:evil.example",
    "/%2F%2Fevil.example",
    "https:/\\evil.example",
    " //evil.example",
]
#: The sweep over every URL uses the four classic forms (the login form gets them all).
SWEEP = ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
PARAMS = ["next", "redirect", "redirect_to", "return", "return_to", "url", "continue"]


def off_site(location: str) -> bool:
    """Would a browser leave ``testserver`` following this Location?"""
    cleaned = location.strip().replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return True  # javascript:, data: ...
    return (
        cleaned.startswith("//")
        or (bool(parts.netloc) and parts.netloc != "testserver")
        or (bool(parts.scheme) and not parts.netloc)
    )


def query(evil: str) -> str:
    return "&".join(f"{p}={quote(evil, safe='')}" for p in PARAMS)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "owner"])
def test_no_url_redirects_off_site(logged_in):
    acme = make_org("acme", "Acme")
    client = Client(raise_request_exception=False)
    if logged_in:
        client.force_login(acme.owner)
    escaped: list[str] = []
    for target in every_url(acme):
        if target.name in CREDENTIAL_DOORS or target.name in ("logout", "admin:logout"):
            continue  # logout is tried last (it ends the session)
        for evil in SWEEP:
            url = f"{target.path}?{query(evil)}"
            for response in (client.get(url), client.post(url, {**hostile_form(acme), "next": evil})):
                location = response.get("Location", "")
                if response.status_code in (301, 302, 303, 307, 308) and off_site(location):
                    escaped.append(f"{target.path} ({target.name}) {evil!r} → {location}")
    for evil in EVIL:
        response = client.post(f"/logout/?{query(evil)}", {"next": evil})
        if off_site(response.get("Location", "")):
            escaped.append(f"/logout/ {evil!r} → {response['Location']}")
    assert not escaped, "open redirects:\n" + "\n".join(escaped)


@pytest.mark.parametrize("evil", EVIL)
def test_login_with_the_right_password_stays_on_site(evil):
    acme = make_org("acme", "Acme")
    client = Client()
    client.get("/login/")
    response = client.post(
        f"/login/?next={quote(evil, safe='')}", {"username": acme.owner.username, "password": PASSWORD, "next": evil}
    )
    assert response.status_code == 302, response.content[:500]
    assert "_auth_user_id" in client.session
    assert not off_site(response["Location"]), response["Location"]
