"""Source maps uploaded with the real sentry-cli resolve minified JavaScript frames at processing time.

The shop in tests/fixtures/sourcemaps/app is built by the real esbuild, run by node for a real
minified stack, uploaded by the real sentry-cli (``sourcemaps inject`` + ``sourcemaps upload``:
an artifact bundle through chunk-upload and assemble), and its error sent as the JavaScript SDK
sends it. sentry-cli 3 dropped the legacy release-file upload (it only sends artifact bundles,
with ``--release`` for release + URL matching); the legacy ``releases/{version}/files/``
endpoint is driven here with the multipart request sentry-cli 1.x/2.x sent.

Commands and what they returned (asserted below):
- ``sentry-cli sourcemaps inject dist/`` → "Modified: … debug ids" (dist/node.js and its map);
- ``sentry-cli sourcemaps upload dist/`` → exit 0, "File processing complete", "Upload type: artifact bundle";
- ``sentry-cli sourcemaps upload --release R dist/`` (no debug IDs) → exit 0, "Release: R".
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

from tests.live.conftest import LiveProject
from tests.live.sdk import Api, frames
from tests.live.sourcemaps import build, debug_id_of, js_event, node_stack, send, sentry_cli

pytestmark = pytest.mark.live
URL = "http://shop.example.com/dist/node.js"


def _resolved(event: dict) -> dict:
    found = [f for f in frames(event) if f.get("function") == "computeTotal"]
    assert found, f"no computeTotal frame in {[(f.get('function'), f.get('filename')) for f in frames(event)]}"
    return found[0]


def test_debug_id_bundle_uploaded_with_sentry_cli_resolves_frames(tmp_path: Path, live_project: LiveProject):
    dist = build(tmp_path, "node.js", platform="node")
    injected = sentry_cli(live_project, "sourcemaps", "inject", "dist/", cwd=tmp_path)
    assert "debug ids" in injected and "dist/node.js" in injected, injected
    uploaded = sentry_cli(live_project, "sourcemaps", "upload", "--wait", "dist/", cwd=tmp_path)
    assert "File processing complete" in uploaded and "artifact bundle" in uploaded, uploaded

    stack = node_stack(dist / "node.js")
    assert [f["function"] for f in stack][:2] != ["computeTotal", "checkout"]  # it is really minified
    event = Api(live_project).event(
        send(live_project, js_event(stack, URL, release="", debug_id=debug_id_of(dist / "node.js")))
    )

    frame = _resolved(event)
    assert frame["filename"] == "src/cart.js" and frame["lineno"] == 8, frame
    assert frame["context_line"].strip() == 'throw new Error("cart total over the limit: " + total);'
    assert frame["data"]["sourcemap"]["abs_path"] == URL
    assert frame["data"]["sourcemap"]["lineno"] == stack[0]["lineno"]
    assert [f["function"] for f in frames(event)][-2:] == ["checkout", "computeTotal"]
    raw = event["body"]["exception"][0]["raw_stacktrace"]["frames"]
    assert raw[-1]["abs_path"] == URL and raw[-1]["function"] == stack[0]["function"]
    assert not [e for e in event["body"].get("errors") or [] if e.get("type", "").startswith("js_")]


def test_release_bundle_uploaded_with_sentry_cli_resolves_by_url(tmp_path: Path, live_project: LiveProject):
    release = f"shop@{uuid.uuid4().hex[:8]}"
    dist = build(tmp_path, "node.js", platform="node")  # no inject: matched by release + URL
    uploaded = sentry_cli(
        live_project,
        "sourcemaps",
        "upload",
        "--wait",
        "--release",
        release,
        "--url-prefix",
        "~/dist",
        "dist/",
        cwd=tmp_path,
    )
    assert release in uploaded and "File processing complete" in uploaded, uploaded

    event = Api(live_project).event(
        send(live_project, js_event(node_stack(dist / "node.js"), URL, release=release, debug_id=None))
    )
    frame = _resolved(event)
    assert frame["filename"] == "src/cart.js" and frame["lineno"] == 8, frame


def test_two_builds_of_the_same_bug_group_together(tmp_path: Path, live_project: LiveProject):
    sent = []
    for banner in ("", "--banner:js=var buildNumber=2;function pad(){return buildNumber}"):
        root = tmp_path / f"build{len(sent)}"
        root.mkdir()
        dist = build(root, "node.js", platform="node", extra=[banner] if banner else [])
        sentry_cli(live_project, "sourcemaps", "inject", "dist/", cwd=root)
        sentry_cli(live_project, "sourcemaps", "upload", "--wait", "dist/", cwd=root)
        stack = node_stack(dist / "node.js")
        event = js_event(stack, URL, release="", debug_id=debug_id_of(dist / "node.js"))
        sent.append(((stack[0]["lineno"], stack[0]["colno"]), send(live_project, event)))
    assert sent[0][0] != sent[1][0], "both builds raised at the same minified position: not two builds"
    api = Api(live_project)
    events = [api.event(event_id) for _, event_id in sent]
    assert [_resolved(e)["lineno"] for e in events] == [8, 8]
    assert events[0]["groupID"] == events[1]["groupID"], [e["groupID"] for e in events]


def _upload_release_file(project: LiveProject, release: str, name: str, content: bytes) -> requests.Response:
    """The legacy upload as sentry-cli 1.x/2.x sent it: one multipart file per request."""
    return requests.post(
        f"{project.base_url}/api/0/projects/{project.org}/{project.slug}/releases/{release}/files/",
        headers={"Authorization": f"Bearer {project.token}"},
        timeout=10,
        files={"file": (name.rsplit("/", 1)[-1], content)},
        data={"name": name},
    )


def test_legacy_release_files_resolve_and_broken_or_missing_maps_keep_the_minified_frame(
    tmp_path: Path, live_project: LiveProject
):
    dist = build(tmp_path, "node.js", platform="node")
    stack = node_stack(dist / "node.js")
    good, broken = f"legacy@{uuid.uuid4().hex[:8]}", f"broken@{uuid.uuid4().hex[:8]}"
    for release, source_map in ((good, (dist / "node.js.map").read_bytes()), (broken, b"{not a source map")):
        answer = _upload_release_file(live_project, release, "~/dist/node.js", (dist / "node.js").read_bytes())
        assert answer.status_code == 201, answer.text
        answer = _upload_release_file(live_project, release, "~/dist/node.js.map", source_map)
        assert answer.status_code == 201, answer.text
    again = _upload_release_file(live_project, good, "~/dist/node.js.map", b"{}")
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    listed = Api(live_project).get(f"projects/{live_project.org}/{live_project.slug}/releases/{good}/files/").json()
    assert sorted(f["name"] for f in listed) == ["~/dist/node.js", "~/dist/node.js.map"]

    api = Api(live_project)
    resolved = api.event(send(live_project, js_event(stack, URL, release=good, debug_id=None)))
    assert _resolved(resolved)["filename"] == "src/cart.js"

    for release, kind, reason in (
        (broken, "js_invalid_source", "not valid JSON"),
        (f"missing@{uuid.uuid4().hex[:8]}", "js_no_source", "no source map"),
    ):
        event = api.event(send(live_project, js_event(stack, URL, release=release, debug_id=None)))
        minified = frames(event)[-1]
        assert minified["abs_path"] == URL and minified["lineno"] == stack[0]["lineno"], minified
        assert minified["function"] == stack[0]["function"]
        errors = [e for e in event["body"]["errors"] if e["type"] == kind]
        assert errors and errors[0]["url"] == URL and reason in errors[0]["reason"], event["body"]["errors"]
