"""The real ``@sentry/browser`` in headless Chromium against a live ErrorHub: CORS.

tests/clients/browser/index.html is served by a static ``http.server`` thread on
its own loopback port, so it is a different origin from ErrorHub's gunicorn and
the SDK's envelope POST is a cross-origin request the browser checks against
the ingest endpoint's CORS headers (``ingest.http.with_cors``).
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.browser import launched_chromium
from tests.live.conftest import LiveProject
from tests.live.sdk import CLIENTS_DIR, Api, frames

pytestmark = [pytest.mark.live, pytest.mark.browser]

PAGE_DIR = CLIENTS_DIR / "browser"
SDK_MODULE = PAGE_DIR / "node_modules" / "@sentry" / "browser" / "build" / "npm" / "esm" / "prod" / "index.js"
CORS_BLOCKED = "blocked by CORS policy"


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".mjs": "text/javascript"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """tests/clients/browser/ served over HTTP on 127.0.0.1:<another port> (no CDN)."""
    if not SDK_MODULE.exists():
        pytest.fail(
            f"@sentry/browser is not installed ({SDK_MODULE} is missing): "
            f"run `npm ci` in {PAGE_DIR} (or scripts/build_clients.sh browser)"
        )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(PAGE_DIR)))
    thread = threading.Thread(target=server.serve_forever, name="browser-page-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def other_origin_project(live_project: LiveProject, django_db_blocker) -> LiveProject:
    """A second committed project that only allows https://shop.example.com, readable by the same token."""
    from errorhub.accounts.services import project_create

    with django_db_blocker.unblock():
        created = project_create(org_name="Live", name="test-sdk-browser-locked", team_name="live")
        created.project.allowed_origins = "https://shop.example.com"
        created.project.save(update_fields=["allowed_origins"])
    return LiveProject(
        base_url=live_project.base_url,
        org=created.project.organization.slug,
        slug=created.project.slug,
        project_id=created.project.pk,
        dsn=created.key.dsn(live_project.base_url),
        token=live_project.token,
    )


@dataclass
class Visit:
    """What the page reported and what the browser saw on the wire and in its console."""

    event_id: str
    status: str
    console: list[str] = field(default_factory=list)
    envelope_responses: list[Any] = field(default_factory=list)
    envelope_failures: list[str] = field(default_factory=list)


def visit(browser: Any, page_origin: str, project: LiveProject, run_id: str) -> Visit:
    """Open index.html?dsn=…, click Checkout, wait until the SDK has flushed its envelope."""
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    responses: list[Any] = []
    failures: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    page.on("response", lambda r: responses.append(r) if "/envelope/" in r.url else None)
    page.on(
        "requestfailed",
        lambda r: failures.append(f"{r.method} {r.url}: {r.failure}") if "/envelope/" in r.url else None,
    )
    try:
        page.goto(f"{page_origin}/index.html?{urlencode({'dsn': project.dsn, 'run_id': run_id})}")
        try:
            page.wait_for_function("document.getElementById('status').textContent === 'ready'", timeout=15_000)
        except Exception:
            raise AssertionError(f"the page never got ready (SDK did not load?); console: {console}") from None
        page.click("#checkout")
        page.wait_for_function("document.getElementById('status').textContent !== 'ready'", timeout=20_000)
        page.wait_for_timeout(300)  # let a late console message about the response arrive
        wire = [
            {
                "method": r.request.method,
                "url": r.url,
                "status": r.status,
                "headers": r.all_headers(),
                "body": _json_or_none(r),
            }
            for r in responses
        ]
        return Visit(
            event_id=page.inner_text("#event-id"),
            status=page.inner_text("#status"),
            console=console,
            envelope_responses=wire,
            envelope_failures=failures,
        )
    finally:
        context.close()


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except Exception:  # a CORS-blocked response has no readable body
        return None


def test_browser_sdk_event_crosses_origin_and_is_stored(browser, page_origin, live_project: LiveProject):
    assert page_origin.rpartition(":")[0] == "http://127.0.0.1" and page_origin != live_project.base_url
    run_id = f"browser-{uuid.uuid4().hex[:10]}"
    seen = visit(browser, page_origin, live_project, run_id)

    assert len(seen.event_id) == 32 and seen.status == "sent", (seen, seen.console)
    assert not [m for m in seen.console if CORS_BLOCKED in m], seen.console
    assert not seen.envelope_failures, seen.envelope_failures
    # the SDK also posts session envelopes; every one must pass CORS, one carries the event
    assert seen.envelope_responses, "the browser sent no envelope"
    for response in seen.envelope_responses:
        assert response["method"] == "POST" and response["url"].startswith(
            f"{live_project.base_url}/api/{live_project.project_id}/envelope/"
        ), response
        assert response["status"] == 200, response
        assert response["headers"].get("access-control-allow-origin") == page_origin, response["headers"]
    assert [r for r in seen.envelope_responses if (r["body"] or {}).get("id") == seen.event_id], seen.envelope_responses

    event = Api(live_project).event(seen.event_id)
    chain = event["body"]["exception"]
    assert [e["type"] for e in chain] == ["TypeError", "Error"], chain
    assert chain[0]["value"] == "no stock left for sku SKU-1"
    assert chain[-1]["value"] == "could not process order 1001"
    raising = [f for f in frames(event) if f.get("function") == "checkoutClick"]
    assert raising, f"no checkoutClick frame in {[f.get('function') for f in frames(event)]}"
    assert all(urlsplit(f.get("abs_path") or f.get("filename") or "").path == "/index.html" for f in raising), [
        (f.get("abs_path"), f.get("filename")) for f in raising
    ]
    assert event["release"] == "errorhub-test@1.0.0-browser"
    assert event["environment"] == "ci"
    assert event["body"]["tags"]["run_id"] == run_id


@pytest.fixture(scope="module")
def blocked_visit(browser, page_origin, other_origin_project: LiveProject) -> Visit:
    """The page (an origin the project does not allow) reporting to ``other_origin_project``."""
    return visit(browser, page_origin, other_origin_project, f"browser-{uuid.uuid4().hex[:10]}")


def test_browser_blocks_response_for_origin_not_allowed(blocked_visit: Visit, page_origin: str):
    seen = blocked_visit
    assert len(seen.event_id) == 32, (seen, seen.console)
    blocked = [m for m in seen.console if CORS_BLOCKED in m]
    assert blocked, f"no CORS error in the console: {seen.console}"
    assert all(page_origin in m for m in blocked), blocked
    for response in seen.envelope_responses:  # whatever reached the page carried no grant for this origin
        assert "access-control-allow-origin" not in response["headers"], response
    assert seen.envelope_failures, "the browser reported no failed envelope request"


def test_event_from_origin_not_allowed_is_not_stored(blocked_visit: Visit, other_origin_project: LiveProject):
    # give the worker the time an accepted event needs, then look
    api, deadline = Api(other_origin_project), time.monotonic() + 8
    path = f"projects/{other_origin_project.org}/{other_origin_project.slug}/events/{blocked_visit.event_id}/"
    while time.monotonic() < deadline:
        answer = api.get(path)
        assert answer.status_code == 404, f"event from a disallowed origin was stored: {answer.status_code}"
        time.sleep(0.5)
    assert api.issues() == []
