"""The pure source-map resolver: real esbuild output (injected by sentry-cli) de-minified by symbolic;
a missing, broken or non-matching map leaves the minified frame and says why in ``errors``."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ingest.protocol.sourcemaps import (
    ArtifactBundleError,
    MapArtifacts,
    debug_ids_by_file,
    is_js_event,
    normalize_debug_id,
    read_artifact_bundle,
    resolve_event,
    sourcemap_reference,
    url_candidates,
)

BUILT = Path(__file__).resolve().parents[2] / "fixtures" / "sourcemaps" / "built"
MINIFIED = (BUILT / "node.js").read_bytes()
SOURCE_MAP = (BUILT / "node.js.map").read_bytes()
STACK = json.loads((BUILT / "node_stack.json").read_text())
URL = "https://shop.example.com/dist/node.js"
DEBUG_ID = MINIFIED.decode().rsplit("//# debugId=", 1)[1].strip()


def _event(**extra: Any) -> dict[str, Any]:
    frames = [
        {
            "abs_path": URL,
            "filename": URL,
            "function": f["function"] or None,
            "lineno": f["lineno"],
            "colno": f["colno"],
        }
        for f in reversed(STACK)
    ]
    return {
        "platform": "javascript",
        "exception": [{"type": "Error", "value": "cart total over the limit: 120", "stacktrace": {"frames": frames}}],
        **extra,
    }


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    return event["exception"][0]["stacktrace"]["frames"]


def test_frames_resolve_to_the_original_file_line_function_and_context() -> None:
    looked_up: list[tuple[str, str | None]] = []

    def find(abs_path: str, debug_id: str | None) -> MapArtifacts:
        looked_up.append((abs_path, debug_id))
        return MapArtifacts(SOURCE_MAP, MINIFIED)

    event = _event(debug_meta={"images": [{"type": "sourcemap", "code_file": URL, "debug_id": DEBUG_ID}]})
    resolved = resolve_event(event, find)

    assert looked_up == [(URL, normalize_debug_id(DEBUG_ID))]  # one lookup per minified file
    raising = _frames(resolved)[-1]
    assert (raising["filename"], raising["lineno"], raising["function"]) == ("src/cart.js", 8, "computeTotal")
    assert raising["abs_path"] == "https://shop.example.com/src/cart.js"
    assert raising["context_line"] == '    throw new Error("cart total over the limit: " + total);'
    assert raising["pre_context"][-1] == "  if (total > 100) {" and raising["post_context"][0] == "  }"
    assert raising["data"]["sourcemap"] == {"abs_path": URL, "filename": URL, "function": "c", "lineno": 3, "colno": 81}
    assert [f["function"] for f in _frames(resolved)][-2:] == ["checkout", "computeTotal"]
    assert _frames(resolved)[-2]["filename"] == "src/cart.js" and _frames(resolved)[-2]["lineno"] == 14
    assert resolved["exception"][0]["raw_stacktrace"] == event["exception"][0]["stacktrace"]
    assert "errors" not in resolved
    assert _frames(event)[-1]["function"] == "c"  # the input is not changed


def test_without_the_minified_source_names_come_from_the_map_positions_only() -> None:
    resolved = resolve_event(_event(), lambda path, debug_id: MapArtifacts(SOURCE_MAP))
    raising = _frames(resolved)[-1]
    assert (raising["filename"], raising["lineno"]) == ("src/cart.js", 8)
    assert raising["function"] == "c"  # stays minified: no source to read the call site in


@pytest.mark.parametrize(
    ("artifacts", "kind", "reason"),
    [
        (MapArtifacts(None, missing="no source map 'x.map' uploaded for release 'r'"), "js_no_source", "x.map"),
        (MapArtifacts(None), "js_no_source", "no source map was uploaded"),
        (MapArtifacts(b"{not json"), "js_invalid_source", "not valid JSON"),
        (MapArtifacts(b'{"version": 3, "sources": []}'), "js_invalid_source", "no 'mappings'"),
        (MapArtifacts(b'["a", "list"]'), "js_invalid_source", "no 'mappings'"),
        (MapArtifacts(b'{"version":3,"sources":["a.js"],"names":[],"mappings":"@@@@"}'), "js_invalid_source", ""),
    ],
)
def test_a_missing_or_broken_map_keeps_the_minified_frame_and_says_why(
    artifacts: MapArtifacts, kind: str, reason: str
) -> None:
    event = _event(errors=[{"type": "clock_drift"}])
    resolved = resolve_event(event, lambda path, debug_id: artifacts)
    assert _frames(resolved) == _frames(event)
    assert "raw_stacktrace" not in resolved["exception"][0]
    assert resolved["errors"][0] == {"type": "clock_drift"}
    problems = resolved["errors"][1:]
    assert len(problems) == 1, problems  # one entry per file, not per frame
    assert problems[0]["type"] == kind and problems[0]["url"] == URL and reason in problems[0]["reason"]


def test_a_map_of_another_file_has_no_token_at_the_position() -> None:
    tiny = json.dumps({"version": 3, "sources": ["a.js"], "names": [], "mappings": "AAAA"}).encode()
    resolved = resolve_event(_event(), lambda path, debug_id: MapArtifacts(tiny))
    assert _frames(resolved)[-1]["function"] == "c"
    assert (
        resolved["errors"][0]["type"] == "js_invalid_source"
        and "no mapping for line" in resolved["errors"][0]["reason"]
    )


def test_non_javascript_frames_are_left_alone() -> None:
    event = {
        "platform": "python",
        "exception": [{"stacktrace": {"frames": [{"abs_path": "/app/shop.py", "function": "checkout", "lineno": 3}]}}],
    }
    assert not is_js_event(event)
    assert resolve_event(event, lambda path, debug_id: pytest.fail("looked up a Python frame")) == event


def test_debug_ids_and_urls() -> None:
    assert normalize_debug_id("F6653681-ECAA-5CA8-BE05-5245336FC906") == "f6653681ecaa5ca8be055245336fc906"
    assert normalize_debug_id("not an id") is None and normalize_debug_id(7) is None
    images = [
        {"type": "sourcemap", "code_file": URL, "debug_id": DEBUG_ID},
        {"type": "elf", "code_file": "x"},
        {"type": "sourcemap", "code_file": "y.js", "debug_id": "junk"},
        "junk",
    ]
    assert debug_ids_by_file({"debug_meta": {"images": images}}) == {URL: normalize_debug_id(DEBUG_ID)}
    assert url_candidates(URL) == [URL, "~/dist/node.js"]
    assert url_candidates("/dist/a.js?v=2") == ["/dist/a.js?v=2", "~/dist/a.js?v=2"]
    assert sourcemap_reference(MINIFIED) == "node.js.map"
    assert sourcemap_reference(b"var a;") is None


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_artifact_bundle_lists_its_files_with_url_type_and_debug_id() -> None:
    manifest = {
        "org": "live",
        "files": {
            "files/_/_/node.js": {
                "url": "~/node.js",
                "type": "minified_source",
                "headers": {"debug-id": DEBUG_ID, "Sourcemap": "node.js.map"},
            },
            "files/_/_/node.js.map": {"url": "~/node.js.map", "type": "source_map", "headers": {"debug-id": DEBUG_ID}},
        },
    }
    files = read_artifact_bundle(
        _zip(
            {
                "manifest.json": json.dumps(manifest).encode(),
                "files/_/_/node.js": MINIFIED,
                "files/_/_/node.js.map": SOURCE_MAP,
            }
        )
    )
    by_kind = {f.kind: f for f in files}
    assert by_kind["minified_source"].url == "~/node.js" and by_kind["minified_source"].sourcemap_ref == "node.js.map"
    assert by_kind["source_map"].content == SOURCE_MAP
    assert {f.debug_id for f in files} == {normalize_debug_id(DEBUG_ID)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip", "not an artifact bundle"),
        (_zip({"other.txt": b"x"}), "not an artifact bundle"),
        (_zip({"manifest.json": b"{oops"}), "not an artifact bundle"),
        (_zip({"manifest.json": b'{"files": []}'}), "no 'files' object"),
        (_zip({"manifest.json": b'{"files": {"files/a.js": {"url": "~/a.js"}}}'}), "not in the bundle"),
    ],
)
def test_a_bad_artifact_bundle_is_named(data: bytes, message: str) -> None:
    with pytest.raises(ArtifactBundleError, match=message):
        read_artifact_bundle(data)
