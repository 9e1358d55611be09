"""``GET /issues/search/suggest/``: signed-in users only, scoped to their own projects; and the
help pop-over next to the box, rendered from the parser's key table."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from ingest.protocol.search.keys import SEARCH_KEYS
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
URL = "/issues/search/suggest/"


def test_signed_out_is_sent_to_login(world):
    response = Client().get(URL, {"query": "le"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_keys_and_values_for_the_token_under_the_cursor(login, world, issue):
    client = login(world.member)
    keys = client.get(URL, {"query": "is:unresolved bro", "cursor": "17"}).json()
    assert keys["kind"] == "key" and (keys["start"], keys["end"]) == (14, 17)
    assert [s["label"] for s in keys["suggestions"]] == ["browser:"]
    values = client.get(URL, {"query": "browser:", "cursor": "8"}).json()
    assert values["kind"] == "value" and values["suggestions"] == [
        {"text": "browser:Firefox", "label": "Firefox", "detail": ""}
    ]


def test_another_teams_values_never_leak(login, world, issue):
    record_event(world.other_project, **crash(tags={"tenant": "globex"}, environment="billing-prod"))
    member = login(world.member)
    assert member.get(URL, {"query": "tenant:"}).json()["suggestions"] == []
    assert member.get(URL, {"query": "ten"}).json()["suggestions"] == []
    assert [s["label"] for s in member.get(URL, {"query": "environment:"}).json()["suggestions"]] == ["production"]
    outsider = login(world.outsider)
    assert [s["label"] for s in outsider.get(URL, {"query": "tenant:"}).json()["suggestions"]] == ["globex"]
    assert outsider.get(URL, {"query": "browser:"}).json()["suggestions"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [({"query": "x", "cursor": "abc"}, "cursor must be"), ({"query": "x" * 3000}, "query too long")],
)
def test_bad_parameters_are_400_json(login, world, params, message):
    response = login(world.member).get(URL, params)
    assert response.status_code == 400 and message in response.json()["error"]


def test_cursor_defaults_to_the_end_and_is_clamped(login, world, issue):
    client = login(world.member)
    assert client.get(URL, {"query": "lev"}).json()["suggestions"][0]["label"] == "level:"
    assert client.get(URL, {"query": "lev", "cursor": "999"}).json()["end"] == 3


def test_help_lists_every_key_with_an_example_link(login, world):
    page = html.unescape(login(world.member).get("/issues/").content.decode())
    assert '<details class="search-help" id="search-help">' in page
    for key in SEARCH_KEYS:
        assert f"<code>{key.name}</code>" in page and key.summary in page
    assert "for_review" in page and "timesSeen:&gt;10" in login(world.member).get("/issues/").content.decode()


def test_box_is_an_aria_combobox_wired_to_the_endpoint(login, world):
    page = login(world.member).get("/issues/").content.decode()
    assert 'role="combobox"' in page and 'aria-controls="search-suggestions"' in page
    assert f'data-suggest-url="{URL}"' in page and 'role="listbox"' in page
    assert "/static/errorhub/search.js" in page and "<script>" not in page and "style=" not in page
