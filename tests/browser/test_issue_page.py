"""Issue #22 in a real browser: at 1280×800 the issue page shows the title, the first in-app frame
and the tag bar before any scrolling; snooze asks its reason and end in a dialog; resolve is one
click in the action bar. Playwright (sync) drives Debian's Chromium against a live ErrorHub."""

from __future__ import annotations

from typing import Any

import pytest

from errorhub.issues.models import Issue
from tests.browser import launched_chromium, shoot
from tests.dashboard.conftest import crash
from tests.dashboard.test_issue_tag_breakdown import processed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's


def a_real_crash() -> dict[str, Any]:
    """A Django crash as the Python SDK reports it: library frames around one in-app frame,
    with its source context, a request from a browser, and a few breadcrumbs."""
    library = [
        {"filename": f"django/core/handlers/{name}.py", "function": name, "lineno": 40 + n, "in_app": False}
        for n, name in enumerate(("exception", "base", "wsgi", "middleware"))
    ]
    app = {
        "filename": "shop/views.py",
        "function": "checkout",
        "lineno": 42,
        "in_app": True,
        "context_line": "    basket = session['basket']",
        "pre_context": ["def checkout(request):", "    session = request.session"],
        "post_context": ["    return render(request, 'checkout.html', {'basket': basket})"],
    }
    return crash(
        server_name="web-3",
        exception={"values": [{"type": "KeyError", "value": "'basket'", "stacktrace": {"frames": [*library, app]}}]},
        request={
            "method": "POST",
            "url": "https://shop.example/checkout",
            "headers": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"},
        },
        breadcrumbs={
            "values": [{"category": "http", "message": f"GET /step/{n}", "timestamp": 1764700000 + n} for n in range(3)]
        },
    )


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Any, live_server: Any, world: Any):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()


def in_viewport(page: Any, selector: str) -> bool:
    """The element's box lies within the first screen (the page not scrolled)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box["y"] >= 0 and box["y"] + min(box["height"], 40) <= VIEWPORT["height"] and box["x"] >= 0


def test_the_first_screen_shows_title_first_in_app_frame_and_tag_bar(page: Any, world: Any) -> None:
    issue = processed(world.project, a_real_crash())
    page.goto(f"/issues/{issue.pk}/")
    assert page.evaluate("window.scrollY") == 0
    assert "KeyError" in page.inner_text("h1.issue-title")
    for selector in ("h1.issue-title", "details.frame.in-app[open] summary", "ul.tag-bar", "#actions"):
        assert in_viewport(page, selector), f"{selector} is below the fold at 1280×800"
    assert "checkout" in page.inner_text("details.frame.in-app[open] summary")
    assert page.locator("details.more-frames:not([open])").count() == 1, "the library frames are folded"
    assert "Show 4 more frames" in page.inner_text("details.more-frames summary")
    bar = page.inner_text("ul.tag-bar")
    assert "environment production 100%" in bar and "browser Firefox 100%" in bar and "os Linux" in bar
    shoot(page, "issue-page")


def test_snooze_in_its_dialog_with_a_reason_then_resolve_from_the_bar(page: Any, world: Any) -> None:
    issue = processed(world.project, a_real_crash())
    page.goto(f"/issues/{issue.pk}/")
    assert not page.locator("dialog#snooze").is_visible()
    page.click("#snooze-open")
    dialog = page.locator("dialog#snooze")
    dialog.wait_for(state="visible")
    assert page.evaluate("document.querySelector('dialog#snooze').matches(':modal')"), "opened as a modal"
    page.fill("dialog#snooze input[name=reason]", "waiting for the payment provider's fix")
    page.fill("dialog#snooze input[name=hours]", "6")
    shoot(page, "issue-page-snooze")
    dialog.locator("button[type=submit]:not([formmethod])").click()
    page.wait_for_load_state()
    assert page.inner_text("#lifecycle") == "snoozed"
    assert "waiting for the payment provider's fix" in page.inner_text(".issue-facts")
    assert "waiting for the payment provider's fix" in page.inner_text(".timeline")

    page.click("#actions form[action$='/resolve/'].quick button")
    page.wait_for_load_state()
    assert page.inner_text("#lifecycle") == "resolved"
    issue.refresh_from_db()
    assert issue.lifecycle == "resolved"
    assert page.locator(f"#actions form[action='/issues/{issue.pk}/reopen/']").count() == 1


def test_resolve_in_a_release_from_the_menu_and_a_failed_snooze_keeps_the_dialog(page: Any, world: Any) -> None:
    issue = processed(world.project, a_real_crash())
    page.goto(f"/issues/{issue.pk}/")
    page.click("#snooze-open")
    page.fill("dialog#snooze input[name=reason]", "no end given")
    page.locator("dialog#snooze button[type=submit]:not([formmethod])").click()
    page.wait_for_load_state()
    dialog = page.locator("dialog#snooze")
    dialog.wait_for(state="visible")
    assert "a snooze needs an end" in dialog.inner_text()
    assert page.input_value("dialog#snooze input[name=reason]") == "no end given"
    dialog.locator("button[formmethod=dialog]").click()
    dialog.wait_for(state="hidden")

    page.click("#menu-resolve > summary")
    page.fill("#menu-resolve input[name=release]", "shop@2.0.0")
    page.click("#menu-resolve button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#lifecycle") == "resolved"
    assert "shop@2.0.0" in page.inner_text(".issue-facts")
    assert Issue.objects.get(pk=issue.pk).resolved_in_release == "shop@2.0.0"
