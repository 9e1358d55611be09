"""The search box in a real browser: autocomplete a key and a value from the keyboard, a bad key's
message under the box, the help pop-over, and a saved search reused."""

from __future__ import annotations

import pytest

from tests.browser import launched_chromium, shoot
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BOX = "#search-query"


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/login/")
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()
    assert not errors, f"the page logged errors (CSP or script): {errors}"


@pytest.fixture
def crashes(world):
    firefox, _ = record_event(world.project, **crash())  # browser=Firefox
    chrome, _ = record_event(
        world.project,
        **crash(tags={"browser": "Chrome"}, exception={"values": [{"type": "TypeError", "value": "x is undefined"}]}),
    )
    return firefox, chrome


def test_pick_a_key_then_a_value_from_the_keyboard(page, crashes):
    firefox, chrome = crashes
    page.goto("/issues/")
    page.click(BOX)
    page.keyboard.type("bro")
    option = page.locator("#search-suggestions [role=option]", has_text="browser:")
    option.wait_for()
    assert page.get_attribute(BOX, "aria-expanded") == "true"
    shoot(page, "search-autocomplete")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute(BOX, "aria-activedescendant") == "search-option-0"
    page.keyboard.press("Enter")
    assert page.input_value(BOX) == "browser:"
    page.locator("#search-suggestions [role=option]", has_text="Firefox").wait_for()
    labels = page.locator("#search-suggestions [role=option] .label").all_inner_texts()
    assert labels == ["Chrome", "Firefox"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value(BOX) == "browser:Firefox "
    assert page.locator("#search-suggestions").is_hidden()
    page.keyboard.type("lev")
    page.locator("#search-suggestions [role=option]", has_text="level:").wait_for()
    page.keyboard.press("Escape")  # closes the list, keeps the text
    assert page.locator("#search-suggestions").is_hidden()
    assert page.input_value(BOX) == "browser:Firefox lev"
    for _ in "lev":
        page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    page.wait_for_url("**/issues/?query=browser%3AFirefox*")
    table = page.inner_text("table.issues")
    assert "KeyError" in table and "TypeError" not in table


def test_a_bad_key_is_explained_under_the_box(page, crashes):
    page.goto("/issues/")
    page.fill(BOX, "is:unresolved foo:bar")
    page.press(BOX, "Enter")
    page.wait_for_load_state()
    alert = page.inner_text("#search-error")
    assert "Unknown search key `foo` at position 14." in alert and "Known keys: is, assigned" in alert
    assert page.inner_text("#search-error mark") == "foo:bar"
    assert "No issues match." not in page.inner_text("main")
    shoot(page, "search-error")


def test_the_help_pop_over_lists_keys_and_examples(page, crashes):
    page.goto("/issues/")
    body = page.locator(".search-help-body")
    assert body.is_hidden()
    page.click("#search-help summary")
    assert body.is_visible()
    text = body.inner_text()
    assert "timesSeen:>10" in text and "firstRelease:latest" in text and "for_review" in text
    shoot(page, "search-help")
    page.keyboard.press("Escape")
    assert body.is_hidden()
    page.click("#search-help summary")
    page.click(".search-help-body a:has-text('timesSeen:>10')")
    page.wait_for_load_state()
    assert page.input_value(BOX) == "timesSeen:>10"


def test_save_a_search_and_reuse_it(page, crashes):
    page.goto("/issues/")
    page.fill(BOX, "browser:Chrome")  # typed, not yet submitted: the query as typed is saved
    page.fill("#save-search input[name=name]", "Chrome errors")
    page.click("#save-search button[type=submit]")
    page.wait_for_load_state()
    assert "Saved the search “Chrome errors”." in page.inner_text("body")
    page.goto("/issues/")
    page.click(".saved-search-list a:has-text('Chrome errors')")
    page.wait_for_load_state()
    assert page.input_value(BOX) == "browser:Chrome"
    table = page.inner_text("table.issues")
    assert "TypeError" in table and "KeyError" not in table
    page.click(".saved-search-list button[aria-label='Delete saved search Chrome errors']")
    page.wait_for_load_state()
    assert page.locator(".saved-search-list").count() == 0
