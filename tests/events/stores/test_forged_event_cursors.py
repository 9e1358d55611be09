"""A forged event cursor on ``/api/0/issues/<id>/events/`` is a 400 on every event store:
on a search engine, anything but ``[timestamp millis within bigint, 32-hex event id]``
would reach ``search_after`` and the engine's 400 became our 500. The cursors the
store hands out still page through every event."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from errorhub.middleware import ServerErrorCounterMiddleware
from tests.events.stores.conftest import engine_configured
from tests.issues.events import issue_of

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[pytest.param("sql", marks=pytest.mark.sqlite), "opensearch"])
def store(request: pytest.FixtureRequest, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sql":
        yield "sql"
        return
    with engine_configured(settings, "opensearch", request.getfixturevalue("opensearch_url")):
        yield "opensearch"


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


FORGED = [
    _b64(["a", "b"]),
    _b64([1, 2]),
    _b64([2**63, "0" * 32]),
    _b64([1.5, "0" * 32]),
    _b64([True, "0" * 32]),
    _b64([1, "0" * 31]),
    _b64([1, "Z" * 32]),
    _b64([1, "0" * 32, 3]),
    _b64({"a": 1}),
    base64.urlsafe_b64encode(b"2026-01-01T00:00:00Z|99999999999999999999").decode(),
    base64.urlsafe_b64encode(b"|5").decode(),
    "!!",
    "bm90LWpzb24=",
]


def _events(world, issue_id: int, **params: str):
    return world.api(world.member).get(f"/api/0/issues/{issue_id}/events/", params)


def test_forged_cursors_are_a_400(world, store):
    issue = issue_of(world.project, "forged-cursor", count=3)
    if store == "opensearch":
        from errorhub.events.stores import get_event_store

        get_event_store().refresh()  # type: ignore[attr-defined]
    before = ServerErrorCounterMiddleware.count
    for cursor in FORGED:
        response = _events(world, issue.pk, cursor=cursor)
        assert response.status_code == 400, (cursor, response.content[:300])
        assert "cursor" in response.json()["detail"]
    assert ServerErrorCounterMiddleware.count == before

    seen, cursor = [], None
    while True:
        response = _events(world, issue.pk, limit="2", **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content[:300]
        seen += [e["eventID"] for e in response.json()]
        cursor = response["Link"].split('cursor="')[1].rstrip('"') or None
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 3
