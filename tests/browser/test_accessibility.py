"""axe-core on every dashboard page, at 1280 and 375 px: no serious or critical violation
(issue #22). A failure lists each rule, its help URL and the offending nodes."""

from __future__ import annotations

import pytest

from tests.browser import WIDTHS
from tests.browser.axe import audit, blocking, report
from tests.browser.conftest import walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_serious_or_critical_violation_on_any_page(site, visitors):
    audited, found = [], []
    for visitor, visit in walk(site, visitors):
        if visit.status != 200 or "text/html" not in visit.content_type:
            continue  # action endpoints and raw JSON: test_every_page checks them
        for width in WIDTHS:
            visitor.page.set_viewport_size({"width": width, "height": 800})
            found += blocking(audit(visitor.page, f"{visit.name} {visit.path} @{width}px"))
        visitor.page.set_viewport_size({"width": 1280, "height": 800})
        audited.append(visit.name)
    assert {"inbox", "issue", "login"} <= set(audited), audited
    assert not found, report(found)


def test_the_audit_sees_a_violation(site, visitors):
    """The harness itself: axe runs under the page's CSP and reports what it finds."""
    anonymous, _ = visitors
    anonymous.visit("login", "/login/")
    anonymous.page.evaluate("document.querySelector('#id_username').removeAttribute('id')")
    anonymous.page.evaluate("document.querySelector('label[for=id_username]').remove()")
    rules = {v.rule for v in blocking(audit(anonymous.page, "login (label removed)"))}
    assert "label" in rules, rules
