"""The issue page shows a de-minified JavaScript frame (original file, line, function, context)
with its minified frame one click away, and says why a frame stayed minified."""

from __future__ import annotations

import html
import json
import re
import uuid
from pathlib import Path

import pytest

from errorhub.artifacts.services import release_file_create
from errorhub.events.models import StoredEvent
from tests.ingest.helpers import post_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

BUILT = Path(__file__).resolve().parents[1] / "fixtures" / "sourcemaps" / "built"
STACK = json.loads((BUILT / "node_stack.json").read_text())
URL = "https://shop.example.com/dist/node.js"


def _issue_page(client, login, world, release: str) -> str:
    event_id = uuid.uuid4().hex
    frames = [
        {"abs_path": URL, "function": f["function"] or None, "lineno": f["lineno"], "colno": f["colno"]}
        for f in reversed(STACK)
    ]
    body = {
        "event_id": event_id,
        "platform": "javascript",
        "release": release,
        "exception": {
            "values": [{"type": "Error", "value": "cart total over the limit: 120", "stacktrace": {"frames": frames}}]
        },
    }
    assert post_store(client, world, json.dumps(body).encode()).status_code == 200
    issue_id = StoredEvent.objects.get(event_id=event_id).issue_id
    return html.unescape(login(world.member).get(f"/issues/{issue_id}/").content.decode())


def _upload(world, release: str, source_map: bytes) -> None:
    for name, content in (("~/dist/node.js", (BUILT / "node.js").read_bytes()), ("~/dist/node.js.map", source_map)):
        release_file_create(
            organization=world.project.organization, project=world.project, release=release, name=name, content=content
        )


def test_resolved_frame_with_minified_frame_one_click_away(client, login, world):
    _upload(world, "1.0", (BUILT / "node.js.map").read_bytes())
    page = _issue_page(client, login, world, "1.0")
    first = page[page.index('<div class="frames">') :].split('<details class="frame', 2)[1]  # most recent call
    assert re.search(r'<span class="fn">computeTotal</span> in <span class="file">src/cart\.js</span> line 8', first)
    assert '<code>    throw new Error("cart total over the limit: " + total);</code>' in first
    minified = first[first.index('<details class="minified-frame">') :]
    assert re.search(
        rf'<span class="fn">c</span> in <span class="file">{re.escape(URL)}</span> line 3 column 81', minified
    )
    assert '<div class="sourcemap-problems">' not in page


def test_missing_map_is_explained_on_the_page(client, login, world):
    page = _issue_page(client, login, world, "9.9")
    assert '<div class="sourcemap-problems">' in page
    assert f'<span class="file">{URL}</span>: no source map' in page
    assert re.search(rf'<span class="fn">c</span> in <span class="file">{re.escape(URL)}</span> line 3', page)
    assert 'class="minified-frame"' not in page
