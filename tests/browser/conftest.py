"""Fixtures of the whole-site browser suites: one Chromium per module, the populated site, and
visits of every dashboard page as a logged-out visitor and as the organisation's owner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser import launched_chromium
from tests.browser.axe import serve_axe
from tests.browser.site import Site, dashboard_urls, site_build

PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's password


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def browser() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def site(world) -> Site:
    return site_build(world)


@dataclass
class Visit:
    """One dashboard page as a browser got it."""

    name: str
    path: str
    status: int
    content_type: str
    location: str = ""  # where a redirect points
    problems: list[str] = field(default_factory=list)  # console errors, CSP refusals, uncaught exceptions


class Visitor:
    """A browser context on the live server that records what goes wrong on each page."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
        serve_axe(self.context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))

    def visit(self, name: str, path: str) -> Visit:
        """Ask first without following redirects (Chromium shows its own error page for an empty
        405), then open in the page only an HTML page this visitor may see."""
        self.problems = []
        answer = self.context.request.get(path, max_redirects=0)
        visit = Visit(
            name=name,
            path=path,
            status=answer.status,
            content_type=answer.headers.get("content-type", ""),
            location=answer.headers.get("location", ""),
        )
        answer.dispose()
        if visit.status == 200 and "text/html" in visit.content_type:
            response = self.page.goto(path)
            assert response is not None and response.status == 200, (path, response and response.status)
            self.page.wait_for_load_state("load")
            visit.problems = self.problems
        return visit

    def log_in(self, username: str) -> None:
        self.page.goto("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url("**/")
        assert self.page.locator("header form[action$='/logout/']").count() >= 1, "the login did not take"


@pytest.fixture
def visitors(browser, live_server) -> Iterator[tuple[Visitor, Visitor]]:
    """(a logged-out visitor, the owner once :meth:`Visitor.log_in` is called)."""
    anonymous, owner = Visitor(browser, live_server.url), Visitor(browser, live_server.url)
    yield anonymous, owner
    anonymous.context.close()
    owner.context.close()


def walk(site: Site, visitors: tuple[Visitor, Visitor]) -> Iterator[tuple[Visitor, Visit]]:
    """Every dashboard page once, by the visitor who can see it: logged-out pages (login,
    password reset) anonymously, the rest as the owner. POST-only endpoints (405 to a GET) and
    non-HTML answers are yielded too, so the caller can check them and skip the audit."""
    anonymous, owner = visitors
    owner.log_in(site.world.owner.username)
    for name, path in sorted(dashboard_urls(site).items()):
        visit = anonymous.visit(name, path)
        if visit.status != 302:  # a page for anyone (login, password reset), not sent to the login page
            yield anonymous, visit
            continue
        yield owner, owner.visit(name, path)
