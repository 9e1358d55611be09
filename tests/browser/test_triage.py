"""Keyboard triage in a real browser: j/k move a visible focus, a/r/s act on the focused issue
through the page's own bulk form, / goes to the search box, ? lists the keys; a failed bulk action
comes back with the selection and what was typed."""

from __future__ import annotations

import pytest

from errorhub.issues.models import Issue
from tests.browser import launched_chromium, shoot
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KINDS = ("KeyError", "OSError", "TypeError", "ValueError", "ZeroDivisionError")


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def issues(world) -> list[Issue]:
    return [
        record_event(world.project, **crash(exception={"values": [{"type": k, "value": f"{k} in checkout"}]}))[0]
        for k in KINDS
    ]


@pytest.fixture
def tab(chromium, live_server, world, issues):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto("/login/")
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()
    assert not problems, f"a script failed: {problems}"


def _row_ids(page) -> list[int]:
    return [
        int(v) for v in page.eval_on_selector_all("#issue-rows tr[data-issue]", "rs => rs.map(r => r.dataset.issue)")
    ]


def _focused(page) -> int:
    """The position of the focused row (-1 when none)."""
    return page.eval_on_selector_all(
        "#issue-rows tr[data-issue]", "rs => rs.findIndex(r => r.classList.contains('kb-focus'))"
    )


def _press_and_reload(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state()


def test_inbox_j_k_then_acknowledge_resolve_snooze(tab, world):
    tab.goto("/")
    shoot(tab, "inbox")
    before = _row_ids(tab)
    assert len(before) == len(KINDS) and _focused(tab) == -1
    tab.keyboard.press("j")
    assert _focused(tab) == 0
    tab.keyboard.press("j")
    tab.keyboard.press("j")
    tab.keyboard.press("k")
    assert _focused(tab) == 1
    assert tab.locator("#issue-rows tr.kb-focus").is_visible()

    _press_and_reload(tab, "a")
    acknowledged = Issue.objects.get(pk=before[1])
    assert acknowledged.lifecycle == "acknowledged" and acknowledged.assignee_id == world.member.pk
    assert _row_ids(tab) == [before[0]] + before[2:], "the acknowledged issue left the inbox"
    assert _focused(tab) == 1, "the focus stays at the same position: now the next issue"

    _press_and_reload(tab, "r")
    assert Issue.objects.get(pk=before[2]).lifecycle == "resolved"
    assert _row_ids(tab) == [before[0]] + before[3:] and _focused(tab) == 1

    tab.keyboard.press("s")
    dialog = tab.locator("dialog#triage-snooze")
    assert dialog.is_visible()
    tab.fill("input[name=snooze_reason]", "waiting for the vendor fix")
    tab.fill("input[name=snooze_hours]", "6")
    with tab.expect_navigation():
        dialog.locator("button[value=snooze]").click()
    snoozed = Issue.objects.get(pk=before[3])
    assert snoozed.lifecycle == "snoozed" and snoozed.snooze_reason == "waiting for the vendor fix"
    assert _row_ids(tab) == [before[0], before[4]] and _focused(tab) == 1
    assert tab.inner_text("#inbox-count") == "2"


def test_snooze_dialog_cancel_posts_nothing(tab):
    tab.goto("/")
    tab.keyboard.press("j")
    tab.keyboard.press("s")
    tab.locator("dialog#triage-snooze button[value=cancel]").click()
    assert not tab.locator("dialog#triage-snooze").is_visible()
    assert Issue.objects.filter(lifecycle="snoozed").count() == 0
    assert tab.url.endswith("/")


def test_issue_list_shows_the_new_state_and_keeps_the_focus(tab):
    tab.goto("/issues/")
    tab.keyboard.press("j")
    tab.keyboard.press("j")
    assert _focused(tab) == 1, "the search box gave the keys back to the list"
    second = _row_ids(tab)[1]
    _press_and_reload(tab, "r")
    assert _focused(tab) == 1 and _row_ids(tab)[1] == second
    assert tab.inner_text("#issue-rows tr.kb-focus .state") == "resolved"
    shoot(tab, "issues")
    tab.keyboard.press("x")
    assert tab.locator("#issue-rows tr.kb-focus input[name=issues]").is_checked()
    tab.keyboard.press("x")
    assert not tab.locator("#issue-rows tr.kb-focus input[name=issues]").is_checked()
    with tab.expect_navigation():
        tab.keyboard.press("o")
    assert tab.url.endswith(f"/issues/{second}/")
    tab.goto("/issues/")
    first = _row_ids(tab)[0]
    tab.keyboard.press("j")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url.endswith(f"/issues/{first}/")


def test_slash_focuses_search_and_question_mark_opens_help(tab):
    tab.goto("/issues/")
    tab.keyboard.press("/")
    assert tab.evaluate("document.activeElement.name") == "query"
    tab.keyboard.type("jar")  # typing in the box: the keys are text, not commands
    assert tab.input_value("input[name=query]") == "jar" and _focused(tab) == -1
    tab.keyboard.press("Escape")
    tab.keyboard.press("?")
    help_dialog = tab.locator("dialog#triage-help")
    assert help_dialog.is_visible()
    text = help_dialog.inner_text()
    for key in ("j", "k", "Enter", "x", "a", "r", "s", "/", "?"):
        assert key in text
    shoot(tab, "triage-help")
    tab.keyboard.press("j")  # a key while the dialog is open does nothing to the list
    assert _focused(tab) == -1
    tab.keyboard.press("Escape")
    assert not help_dialog.is_visible()
    tab.goto("/")
    with tab.expect_navigation():
        tab.keyboard.press("/")
    assert tab.url.endswith("/issues/") and tab.evaluate("document.activeElement.name") == "query"


def test_keys_are_ignored_while_typing_in_the_bar(tab):
    tab.goto("/")
    tab.click("input[name=reason]")
    tab.keyboard.type("jars")
    assert tab.input_value("input[name=reason]") == "jars"
    assert _focused(tab) == -1 and Issue.objects.exclude(lifecycle="new").count() == 0


def test_failed_bulk_keeps_selection_and_typed_values(tab):
    tab.goto("/")
    tab.keyboard.press("j")
    tab.keyboard.press("x")
    tab.keyboard.press("j")
    tab.keyboard.press("j")
    tab.keyboard.press("x")
    ticked = tab.eval_on_selector_all("input[name=issues]:checked", "bs => bs.map(b => b.value)")
    assert len(ticked) == 2
    tab.select_option("select[name=action]", "assign")
    tab.fill("input[name=assignee]", "ghost")
    tab.fill("input[name=reason]", "on call")
    with tab.expect_navigation():
        tab.click(".bulk-bar button[type=submit]")
    assert "ghost" in tab.inner_text(".bulk-error")
    assert tab.eval_on_selector_all("input[name=issues]:checked", "bs => bs.map(b => b.value)") == ticked
    assert tab.input_value("input[name=assignee]") == "ghost" and tab.input_value("input[name=reason]") == "on call"
    assert tab.input_value("select[name=action]") == "assign"
    assert Issue.objects.exclude(lifecycle="new").count() == 0
    tab.check("[data-select-all]")
    assert tab.locator("input[name=issues]:checked").count() == len(KINDS)
    tab.uncheck("[data-select-all]")
    assert tab.locator("input[name=issues]:checked").count() == 0
