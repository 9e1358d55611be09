"""The triage flow in a real browser: Playwright (sync) driving Debian's Chromium
against a live ErrorHub, with processing running eagerly in the server thread."""

from __future__ import annotations

import urllib.request

import pytest

from tests.browser import launched_chromium, shoot
from tests.dashboard.conftest import record_event
from tests.dashboard.test_escaping import xss_payload
from tests.sentry_fixtures import envelopes, readdress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/login/")
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()
    assert not dialogs, f"a dialog fired (script ran): {dialogs}"


def _shot(page, name: str) -> None:
    shoot(page, name)


def _post_envelope(live_server, world) -> None:
    body = next(b for _, b in envelopes("python") if b'"exception"' in b)
    request = urllib.request.Request(
        f"{live_server.url}/api/{world.project.pk}/envelope/",
        data=readdress(body, world.key.dsn(live_server.url)),
        headers={"Content-Type": "application/x-sentry-envelope", "X-Sentry-Auth": world.auth_header()},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_sdk_error_to_inbox_to_resolved(page, live_server, world):
    page.goto("/")
    assert "Inbox zero" in page.inner_text("main")
    _post_envelope(live_server, world)
    page.goto("/")
    rows = page.locator("table.issues tbody tr")
    assert rows.count() == 1
    assert page.locator("svg.spark").count() == 1
    _shot(page, "inbox")
    rows.first.locator("td.title a").click()
    page.wait_for_url("**/issues/*/")
    assert page.locator(".exception").count() >= 1
    assert page.locator("details.frame").count() >= 1
    assert page.locator("details.frame.in-app[open]").count() >= 1, "in-app frames are expanded"
    _shot(page, "issue")

    page.click("#actions form.quick[action$='/acknowledge/'] button")
    page.wait_for_load_state()
    assert page.inner_text("#lifecycle") == "acknowledged"
    page.click("#menu-resolve > summary")  # the action bar's Resolve menu: "in release ..."
    page.fill("#menu-resolve form[action$='/resolve/'] input[name=release]", "shop@2.0.0")
    page.click("#menu-resolve form[action$='/resolve/'] button")
    page.wait_for_load_state()
    assert page.inner_text("#lifecycle") == "resolved"
    assert "shop@2.0.0" in page.inner_text(".facts")
    page.click("#snooze-open")  # the snooze dialog
    page.fill("form[action$='/snooze/'] input[name=reason]", "waiting for the vendor fix")
    page.fill("form[action$='/snooze/'] input[name=hours]", "6")
    page.click("form[action$='/snooze/'] button[type=submit]:not([formmethod])")
    page.wait_for_load_state()
    assert page.inner_text("#lifecycle") == "snoozed"
    assert "waiting for the vendor fix" in page.inner_text(".timeline")
    page.goto("/")
    assert "Inbox zero" in page.inner_text("main")


def test_search_by_tag_and_trace_id(page, world):
    issue, event = record_event(
        world.project,
        level="error",
        tags={"browser": "Firefox"},
        exception={"values": [{"type": "KeyError", "value": "basket"}]},
        contexts={"trace": {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"}},
    )
    record_event(
        world.project,
        level="error",
        tags={"browser": "Chrome"},
        exception={"values": [{"type": "TypeError", "value": "undefined"}]},
    )
    page.goto("/issues/")
    page.fill("input[name=query]", "browser:Firefox")
    page.press("input[name=query]", "Enter")
    page.wait_for_load_state()
    table = page.inner_text("table.issues")
    assert "KeyError" in table and "TypeError" not in table
    _shot(page, "issues")
    page.goto(f"/issues/{issue.pk}/")
    page.click("a.id-link")
    page.wait_for_load_state()
    assert "trace_id:4bf92f3577b34da6a3ce929d0e0e4736" in page.input_value("input[name=query]")
    assert "KeyError" in page.inner_text("table.issues")
    page.fill("input[name=query]", 'level:"broken')
    page.press("input[name=query]", "Enter")
    page.wait_for_load_state()
    assert "Search error" in page.inner_text("[role=alert]")


def test_create_project_and_see_dsn(page):
    page.goto("/projects/")
    page.fill("input[name=name]", "Mobile App")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/projects/acme/mobile-app/")
    dsn = page.inner_text("code.dsn")
    assert dsn.startswith("http://") and "@" in dsn
    assert "sentry_sdk.init" in page.inner_text(".snippets")
    _shot(page, "project")


def test_xss_event_renders_inert(page, world):
    issue, _ = record_event(world.project, **xss_payload())
    for url in ("/", "/issues/", f"/issues/{issue.pk}/"):
        page.goto(url)
        assert page.locator("img[src=x]").count() == 0, url
        assert page.locator("script:not([src])").count() == 0, url
        assert page.locator("a[href^='javascript:']").count() == 0, url
    assert "<script>alert(1)</script>" in page.inner_text("main")
    page.locator("details.frame").first.click()
    page.wait_for_timeout(200)
    _shot(page, "xss-issue")
