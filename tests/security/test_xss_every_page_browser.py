"""Stored and reflected XSS on every page (issue #24), in headless Chromium.

Every string field of an event, and every name and reason a user can type
(organisation, team, project, key, token, rule, channel, snooze/mute/archive
reasons, comments, releases, user names), carries script payloads. Then every
page of the URL conf that answers a logged-in owner with 200 is loaded (list
pages also with the payload in their query string), and on each: no script ran
(``window.__xss`` undefined, no dialog, no console marker or CSP refusal of an
injected handler, no page error), and no payload became markup (no element
with an inline handler, no inline script, no ``javascript:`` link).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Rule
from alerts.rule_services import rule_archive, rule_mute
from errorhub.accounts.services import api_token_create, project_key_create
from errorhub.issues.services import issue_comment, issue_resolve, issue_snooze
from tests.browser import launched_chromium
from tests.security.attack import CREDENTIAL_DOORS, PASSWORD, Org, every_url, make_org, record_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MARK = "XSSFIRED"
SKIP = CREDENTIAL_DOORS | {"logout", "admin:logout"}  # not pages, or they end the session
#: What a page must not contain once rendered: payload-made elements and links.
INJECTED = (
    "[onerror], [onload], [onfocus], [onmouseover], svg[onload], img[src='x'], iframe, "
    "script:not([src]):not([type='application/json']), a[href^='javascript:' i], "
    "[href^='javascript:' i], [src^='javascript:' i], [action^='javascript:' i]"
)


def evil(field: str) -> str:
    """Payloads tagged with the field they sit in, so a failure names it."""
    js = f"__xss='{field[:24]}'"
    return (
        f'<img src=x onerror="{js}">"><svg onload="{js}">\'><script>console.log(\'{MARK}\');{js}</script>'
        f"javascript:{js}"
    )


def event_payload() -> dict[str, Any]:
    """A Sentry event whose every string field is hostile."""
    frame = {
        "filename": evil("filename"),
        "abs_path": evil("abs_path"),
        "function": evil("function"),
        "module": evil("frame.module"),
        "lineno": 3,
        "colno": 1,
        "in_app": True,
        "context_line": evil("context_line"),
        "pre_context": [evil("pre_context")],
        "post_context": [evil("post_context")],
        "vars": {evil("var-key"): evil("var")},
    }
    return {
        "level": "error",
        "logger": evil("logger"),
        "platform": "python",
        "message": evil("message"),
        "release": "rel" + evil("release"),
        "environment": evil("environment"),
        "dist": evil("dist"),
        "server_name": evil("server_name"),
        "transaction": evil("transaction"),
        "culprit": evil("culprit"),
        "fingerprint": [evil("fingerprint")],
        "exception": {
            "values": [
                {
                    "type": "Type" + evil("exception.type"),
                    "value": evil("exception.value"),
                    "module": evil("exception.module"),
                    "mechanism": {"type": evil("mechanism"), "handled": False},
                    "stacktrace": {"frames": [frame, {**frame, "in_app": False}]},
                }
            ]
        },
        "tags": {evil("tag-key")[:180]: evil("tag-value")[:180], "browser": evil("tag-browser")[:180]},
        "request": {
            "method": "GET",
            "url": f"javascript:window.__xss='request.url'//{evil('request.url')}",
            "headers": {"X-Evil": evil("header"), "Referer": "javascript:window.__xss='referer'"},
            "query_string": evil("query_string"),
            "data": {"field": evil("request.data")},
        },
        "user": {
            "id": evil("user.id"),
            "email": "x@example.com",
            "username": evil("user.username"),
            "name": evil("user.name"),
            "ip_address": "10.0.0.1",
        },
        "breadcrumbs": {
            "values": [
                {
                    "category": evil("crumb.category"),
                    "message": evil("crumb.message"),
                    "level": "info",
                    "type": evil("crumb.type"),
                    "data": {"url": "javascript:window.__xss='crumb.url'", "x": evil("crumb.data")},
                }
            ]
        },
        "contexts": {
            "ctx" + evil("context-key")[:50]: {"k": evil("context")},
            "os": {"name": evil("os.name"), "version": evil("os.version")},
        },
        "extra": {"e": evil("extra"), evil("extra-key")[:100]: "v"},
        "sdk": {"name": evil("sdk.name"), "version": evil("sdk.version")},
    }


def hostile_world() -> Org:
    """Org A with every user-typed name and reason hostile, and a hostile event."""
    org = make_org("acme", evil("name"), event=event_payload())
    org.owner.first_name, org.owner.last_name = evil("first_name")[:150], evil("last_name")[:150]
    org.owner.save()
    project_key_create(project=org.project, label=evil("key label")[:100])
    api_token_create(user=org.owner, label=evil("token label")[:100])
    issue_comment(issue=org.issue, user=org.owner, text=evil("comment"))
    in_an_hour = timezone.now() + timedelta(hours=1)
    issue_snooze(issue=org.issue, user=org.owner, reason=evil("snooze reason"), until=in_an_hour)
    resolved, _ = record_event(org.project, {"level": "error", "message": "second " + evil("message2")})
    issue_resolve(issue=resolved, user=org.owner, release="r" + evil("resolve release")[:150])
    rule_mute(rule=org.rule, until=in_an_hour, reason=evil("mute reason"), user=org.owner)
    archived = Rule.objects.create(
        organization=org.org, project=org.project, name=evil("rule2"), triggers=["new_issue"]
    )
    rule_archive(rule=archived, reason=evil("archive reason"), user=org.owner)
    return org


def pages(org: Org) -> list[str]:
    """Every URL of the URL conf the owner can open (200, HTML or JSON shown inline, not a download),
    plus the parameterless pages again with hostile query strings."""
    client = Client(raise_request_exception=False)
    client.force_login(org.owner)
    found: list[str] = []
    for target in every_url(org):
        if target.name in SKIP or target.path in found:
            continue
        response = client.get(target.path)
        download = "attachment" in response.get("Content-Disposition", "")
        if (
            response.status_code == 200
            and not download
            and response["Content-Type"].startswith(("text/html", "application/json"))
        ):
            found.append(target.path)
            if not target.values:
                hostile = quote(evil("query"), safe="")
                found.append(f"{target.path}?query={hostile}&q={hostile}&next={hostile}&sort={hostile}")
    assert len(found) >= 25, found
    return found


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


def findings(page: Any, where: str) -> list[str]:
    """What the page shows of an attack that worked: the marker set, or payload-made markup."""
    found = []
    if page.evaluate("typeof window.__xss") != "undefined":
        found.append(f"window.__xss={page.evaluate('window.__xss')!r} on {where}")
    injected = page.evaluate("s => [...document.querySelectorAll(s)].map(e => e.outerHTML.slice(0, 160))", INJECTED)
    if injected:
        found.append(f"injected markup on {where}: {injected[:3]}")
    return found


def watch(page: Any, fired: list[str]) -> None:
    """Record dialogs, console markers, CSP refusals of inline code and page errors."""
    page.on("dialog", lambda d: (fired.append(f"dialog {d.message!r} on {page.url}"), d.dismiss()))
    page.on(
        "console",
        lambda m: (
            fired.append(f"console {m.text[:200]!r} on {page.url}")
            if MARK in m.text or "Refused to execute inline" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: fired.append(f"page error {e} on {page.url}"))


def test_the_detector_sees_a_payload_that_runs(browser):
    """Without ErrorHub's escaping and CSP the payloads do run, and ``findings`` says so."""
    page = browser.new_page()
    fired: list[str] = []
    watch(page, fired)
    page.set_content(f"<div>{evil('self-check')}</div>")
    page.wait_for_function("typeof window.__xss !== 'undefined'")
    assert findings(page, "raw page") and any(MARK in f for f in fired)
    page.close()


def test_no_script_runs_on_any_page(browser, live_server):
    org = hostile_world()
    paths = pages(org)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    fired: list[str] = []
    watch(page, fired)
    page.goto("/login/")
    page.fill("#id_username", org.owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    shown: list[str] = []
    try:
        for path in paths:
            page.goto(path, wait_until="load")
            fired.extend(findings(page, path))
            if "onerror=" in page.inner_text("body"):
                shown.append(path)
            assert "login" in path or "/login/" not in page.url, f"{path} sent the owner to the login page"
    finally:
        context.close()
    assert not fired, "XSS:\n" + "\n".join(fired)
    assert len(shown) >= 15, f"the payloads should show as text on most pages; shown on {shown}"
