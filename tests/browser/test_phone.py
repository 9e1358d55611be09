"""The dashboard on a phone, 375 px wide: the navigation folds into a menu button, an issue table
becomes cards, and no page reachable from the top navigation scrolls sideways."""

from __future__ import annotations

import pytest

from tests.browser import launched_chromium, shoot
from tests.dashboard.conftest import crash, record_event
from tests.factories import ChannelFactory, DeadLetterFactory, MonitorEnvironmentFactory, MonitorFactory, RuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
LONG = "a_very_long_unbroken_identifier_" * 6  # what real culprits and messages look like at their worst


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def content(world):
    """Something on every page, with the long unbroken strings that push a layout sideways."""
    for kind in ("KeyError", "OSError"):
        record_event(
            world.project,
            **crash(
                exception={"values": [{"type": kind, "value": LONG}]},
                transaction=f"/checkout/{LONG}",
                environment="production-eu-west-1",
            ),
        )
    MonitorEnvironmentFactory(monitor=MonitorFactory(project=world.project, slug="nightly-invoice-export"))
    org = world.project.organization
    RuleFactory(organization=org, name="New issues in the shop to the on-call channel")
    ChannelFactory(organization=org, name="on-call webhook")
    DeadLetterFactory(project=world.project, error=f"RuntimeError: {LONG}")


@pytest.fixture
def phone(chromium, live_server, world, content):
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto("/login/")
    page.fill("#id_username", world.owner.username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()
    assert not problems, f"a script failed: {problems}"


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_navigation_folds_into_a_menu(phone):
    phone.goto("/")
    assert not phone.locator("header.top nav.nav-bar").is_visible(), "the desk bar is folded away"
    menu = phone.locator("details.nav-menu")
    assert menu.locator("summary").is_visible()
    assert not menu.locator("a", has_text="Issues").is_visible()
    menu.locator("summary").click()
    assert menu.locator("a", has_text="Issues").is_visible()
    box = menu.locator("nav").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "the open menu fits the screen"
    shoot(phone, "phone-menu", widths=(375,))
    with phone.expect_navigation():
        menu.locator("a", has_text="Issues").click()
    assert phone.url.endswith("/issues/")


def test_issue_table_becomes_cards(phone):
    phone.goto("/issues/")
    rows = phone.locator("table.issues tbody tr")
    assert rows.count() == 2
    assert not phone.locator("table.issues thead").is_visible()
    assert rows.first.evaluate("r => getComputedStyle(r).display") == "flex"
    for n in range(rows.count()):
        card = rows.nth(n)
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        for part in ("td.title a", "td.lvl .level", "td.events", "td.users", "td.age"):
            cell = card.locator(part)
            assert cell.is_visible(), part
            inner = cell.bounding_box()
            assert box["x"] <= inner["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"] + 1, part
    assert "events" in rows.first.locator("td.events").evaluate(
        "c => c.innerText + getComputedStyle(c, '::after').content"
    )


def test_no_page_scrolls_sideways(phone):
    phone.goto("/")
    phone.locator("details.nav-menu summary").click()
    links = phone.eval_on_selector_all("details.nav-menu nav a", "as => as.map(a => a.getAttribute('href'))")
    assert {"/", "/issues/", "/projects/", "/monitors/", "/teams/", "/health/", "/profile/"} <= set(links)
    wide = {}
    for url in links:
        response = phone.goto(url)
        assert response.status == 200, url
        if _scroll_width(phone) > PHONE["width"]:
            wide[url] = _scroll_width(phone)
    assert not wide, f"pages wider than the phone: {wide}"
