"""The favicon: every page links one, /favicon.ico is answered, and a signed-in user's icon carries
the same count as their inbox while an anonymous visitor gets the plain icon."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from errorhub.dashboard.views.favicon import badge_for
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def _drawn_count(svg: str) -> str | None:
    match = re.search(r"<text[^>]*>([^<]+)</text>", svg)
    return match.group(1) if match else None


def _inbox_count(client: Client) -> str:
    return re.search(r'<span class="count" id="inbox-count">(\d+)</span>', client.get("/").content.decode()).group(1)


def test_favicon_ico_redirects_to_the_static_svg():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/errorhub/favicon.svg"
    path = finders.find("errorhub/favicon.svg")
    assert path and open(path).read().startswith("<svg")


def test_login_page_links_the_plain_icon():
    body = Client().get("/login/").content.decode()
    assert '<link rel="icon" type="image/svg+xml" href="/static/errorhub/favicon.svg">' in body


def test_signed_in_pages_link_the_counted_icon(login, world):
    client = login(world.member)
    for url in ("/issues/", "/projects/", "/health/"):
        assert '<link rel="icon" type="image/svg+xml" href="/favicon.svg">' in client.get(url).content.decode(), url
    assert '<link rel="icon" type="image/svg+xml" href="/favicon.svg?n=0">' in client.get("/").content.decode()


def test_badge_count_matches_the_inbox(login, world):
    for kind in ("KeyError", "OSError", "TypeError"):
        record_event(world.project, **crash(exception={"values": [{"type": kind, "value": kind}]}))
    record_event(world.other_project, **crash(message="billing"))  # another team's: not mike's inbox
    client = login(world.member)
    response = client.get("/favicon.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert _drawn_count(response.content.decode()) == _inbox_count(client) == "3"
    assert "private" in response["Cache-Control"] and "max-age=30" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert '<link rel="icon" type="image/svg+xml" href="/favicon.svg?n=3">' in client.get("/").content.decode()


def test_empty_inbox_draws_no_badge(login, world):
    response = login(world.member).get("/favicon.svg")
    assert response.status_code == 200 and _drawn_count(response.content.decode()) is None


def test_anonymous_gets_the_plain_icon_and_no_count(world):
    record_event(world.project, **crash())
    response = Client().get("/favicon.svg")
    assert response.status_code == 200, "no redirect to the login page"
    svg = response.content.decode()
    assert _drawn_count(svg) is None and "inbox" not in svg
    assert "private" in response["Cache-Control"]


def test_large_counts_fit_the_icon():
    assert badge_for(0) is None
    assert badge_for(7).label == "7" and badge_for(42).label == "42"
    big = badge_for(12345)
    assert big.label == "99+" and big.x == 0 and big.width == 64
