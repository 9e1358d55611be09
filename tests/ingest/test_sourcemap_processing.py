"""Processing resolves a JavaScript event's frames with the project's uploaded source maps before
grouping: through the store door, on PostgreSQL and the embedded SQLite default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from errorhub.artifacts.services import release_file_create
from errorhub.events.models import StoredEvent
from tests.ingest.helpers import post_store, stored_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

BUILT = Path(__file__).resolve().parents[1] / "fixtures" / "sourcemaps" / "built"
STACK = json.loads((BUILT / "node_stack.json").read_text())
URL = "https://shop.example.com/dist/node.js"


def _event(release: str) -> bytes:
    frames = [
        {"abs_path": URL, "function": f["function"] or None, "lineno": f["lineno"], "colno": f["colno"]}
        for f in reversed(STACK)
    ]
    return json.dumps(
        {
            "platform": "javascript",
            "release": release,
            "exception": {
                "values": [
                    {"type": "Error", "value": "cart total over the limit: 120", "stacktrace": {"frames": frames}}
                ]
            },
        }
    ).encode()


def _upload(world, release: str, source_map: bytes) -> None:
    for name, content in (("~/dist/node.js", (BUILT / "node.js").read_bytes()), ("~/dist/node.js.map", source_map)):
        release_file_create(
            organization=world.project.organization, project=world.project, release=release, name=name, content=content
        )


def test_frames_are_resolved_before_grouping(client, world):
    _upload(world, "1.0", (BUILT / "node.js.map").read_bytes())
    response = post_store(client, world, _event("1.0"))
    assert response.status_code == 200, response.content
    body = stored_event(world, response.json()["id"])["body"]
    raising = body["exception"][0]["stacktrace"]["frames"][-1]
    assert (raising["filename"], raising["lineno"], raising["function"]) == ("src/cart.js", 8, "computeTotal")
    assert raising["data"]["sourcemap"]["function"] == "c"
    assert "computeTotal" in StoredEvent.objects.get(event_id=response.json()["id"]).search_text


def test_a_broken_map_keeps_the_minified_frame_and_the_event(client, world):
    _upload(world, "2.0", b"<html>404 not found</html>")
    response = post_store(client, world, _event("2.0"))
    assert response.status_code == 200, response.content
    body = stored_event(world, response.json()["id"])["body"]
    raising = body["exception"][0]["stacktrace"]["frames"][-1]
    assert (raising["abs_path"], raising["function"], raising["lineno"]) == (URL, "c", 3)
    assert [(e["type"], e["url"]) for e in body["errors"]] == [("js_invalid_source", URL)]
    assert "not valid JSON" in body["errors"][0]["reason"]
