"""Every dashboard page a user can reach, in Chromium: it answers, renders without a script or
CSP error, and leaves screenshots at 1280 and 375 px named after its URL (CI artefacts)."""

from __future__ import annotations

import pytest

from tests.browser import SHOTS, WIDTHS, shoot
from tests.browser.conftest import walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: pages the walk must find, so a broken URL-conf walk cannot pass by visiting nothing
EXPECTED = {
    "login", "password_reset", "inbox", "issues", "issue", "issue-event", "projects", "project", "releases",
    "monitors", "health", "teams", "profile", "alert-rules", "alert-rule", "alert-rule-new", "alert-channels",
    "alert-channel", "alert-channel-new", "alert-deliveries", "members", "invitations", "invitation-accept",
    "password_change",
}  # fmt: skip


def test_every_page_renders_cleanly_at_desk_and_phone_width(site, visitors):
    pages, post_only, problems = [], [], []
    for visitor, visit in walk(site, visitors):
        if visit.status == 405:  # an action endpoint (POST only), not a page
            post_only.append(visit.name)
            continue
        if visit.status in (301, 302) and "/login/" not in visit.location:  # e.g. favicon.ico -> .svg
            continue
        if visit.status != 200:
            problems.append(f"{visit.name} {visit.path}: HTTP {visit.status}")
            continue
        if "text/html" not in visit.content_type:  # the raw event JSON
            continue
        pages.append(visit.name)
        problems += [f"{visit.name} {visit.path}: {p}" for p in visit.problems]
        if not visitor.page.inner_text("main").strip():
            problems.append(f"{visit.name} {visit.path}: <main> is empty")
        shoot(visitor.page, visit.name)
    assert not problems, "\n".join(problems)
    assert EXPECTED <= set(pages), f"pages not reached: {sorted(EXPECTED - set(pages))}"
    assert {"issue-action", "logout"} <= set(post_only)
    missing = [f"{name}-{w}.png" for name in pages for w in WIDTHS if not (SHOTS / f"{name}-{w}.png").is_file()]
    assert not missing, missing
