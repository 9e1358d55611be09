"""In headless Chromium: a shop bundled by the real esbuild with the real ``@sentry/browser``,
debug IDs injected and uploaded by the real sentry-cli; the error raised in the page arrives
de-minified (original file, line, function, context), the minified frame kept beside it."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser import launched_chromium
from tests.live.conftest import LiveProject
from tests.live.sdk import Api, frame_file, frames
from tests.live.sourcemaps import build, sentry_cli

pytestmark = [pytest.mark.live, pytest.mark.browser]


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, live_project: LiveProject) -> Iterator[str]:
    """The shop built, injected, uploaded, and served on its own loopback origin (its URL)."""
    root = tmp_path_factory.mktemp("shop")
    build(root, "main.js")
    sentry_cli(live_project, "sourcemaps", "inject", "dist/", cwd=root)
    sentry_cli(live_project, "sourcemaps", "upload", "--wait", "dist/", cwd=root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="shop-page-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _raise_in_page(shop: str, project: LiveProject, release: str) -> str:
    """Open the shop, click Checkout (the cart throws), wait for the SDK's flush; the event id."""
    console: list[str] = []
    with launched_chromium() as browser:
        page = browser.new_context().new_page()
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        page.goto(f"{shop}/index.html?{urlencode({'dsn': project.dsn, 'release': release})}")
        try:
            page.wait_for_function("document.getElementById('status').textContent === 'ready'", timeout=20_000)
            page.click("#checkout")
            page.wait_for_function("document.getElementById('status').textContent === 'sent'", timeout=30_000)
        except Exception:
            raise AssertionError(f"the page did not send its error; console: {console}") from None
        return page.inner_text("#event-id")


def test_error_raised_in_chromium_arrives_de_minified(shop: str, live_project: LiveProject):
    event = Api(live_project).event(_raise_in_page(shop, live_project, f"shop@{uuid.uuid4().hex[:8]}"))

    body = event["body"]
    images = body["debug_meta"]["images"]
    assert images and images[0]["type"] == "sourcemap" and images[0]["code_file"] == f"{shop}/dist/main.js"
    raising = frames(event)[-1]
    assert raising["function"] == "computeTotal", [(f.get("function"), f.get("filename")) for f in frames(event)]
    assert raising["filename"] == "src/cart.js" and raising["lineno"] == 8, raising
    assert raising["context_line"].strip() == 'throw new Error("cart total over the limit: " + total);'
    assert "for (const item of items) {" in [line.strip() for line in raising["pre_context"]]
    assert [f["function"] for f in frames(event)][-3:] == ["checkoutClick", "checkout", "computeTotal"], [
        (f.get("function"), f.get("filename"), f.get("lineno"), f.get("data")) for f in frames(event)
    ]
    minified = raising["data"]["sourcemap"]
    assert minified["abs_path"] == f"{shop}/dist/main.js" and minified["function"] != "computeTotal", minified
    assert frame_file(body["exception"][0]["raw_stacktrace"]["frames"][-1]) == f"{shop}/dist/main.js"
    assert not [e for e in body.get("errors") or [] if e.get("type", "").startswith("js_")], body.get("errors")


def test_error_without_an_uploaded_map_keeps_the_minified_frame_and_says_why(tmp_path: Path, live_project: LiveProject):
    # another build (its own debug ID: sentry-cli derives it from the content), injected, never uploaded
    build(tmp_path, "main.js", extra=["--banner:js=var unmappedBuild=1;"])
    sentry_cli(live_project, "sourcemaps", "inject", "dist/", cwd=tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, name="unmapped-shop", daemon=True).start()
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        event = Api(live_project).event(_raise_in_page(origin, live_project, "shop@unmapped"))
    finally:
        server.shutdown()
        server.server_close()
    raising = frames(event)[-1]
    assert frame_file(raising) == f"{origin}/dist/main.js" and raising["function"] != "computeTotal", raising
    errors = [e for e in event["body"]["errors"] if e["type"] == "js_no_source"]
    assert errors and errors[0]["url"] == f"{origin}/dist/main.js", event["body"]["errors"]
    assert "no source map" in errors[0]["reason"]
