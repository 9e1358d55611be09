"""Event data is hostile: every string from an event renders as inert text on every page."""

from __future__ import annotations

import re

import pytest

from errorhub.events.models import StoredEvent
from errorhub.issues.models import Lifecycle
from tests.dashboard.conftest import record_event

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TPL = "{{ 7*7 }}"
TAG = "{% debug %}"
EVIL = f"{SCRIPT}{IMG}{TPL}{TAG}"


def xss_payload() -> dict:
    frame = {
        "filename": f"app/{EVIL}.py",
        "abs_path": f"/srv/{EVIL}.py",
        "function": f"fn{EVIL}",
        "module": f"mod{EVIL}",
        "lineno": 3,
        "in_app": True,
        "context_line": f"x = '{EVIL}'",
        "pre_context": [EVIL],
        "post_context": [EVIL],
    }
    return {
        "level": "error",
        "message": f"message {EVIL}",
        "release": f"rel{EVIL}",
        "environment": f"env{EVIL}",
        "server_name": f"srv{EVIL}",
        "transaction": f"/checkout/{EVIL}",
        "exception": {
            "values": [
                {
                    "type": f"Type{EVIL}",
                    "value": f"value {EVIL}",
                    "mechanism": {"type": f"mech{EVIL}", "handled": False},
                    "stacktrace": {"frames": [frame, {**frame, "in_app": False}]},
                }
            ]
        },
        "tags": {f"key{EVIL}": f"value{EVIL}", "browser": EVIL},
        "request": {
            "method": "GET",
            "url": "javascript:alert(1)",
            "headers": {f"X-{EVIL}": EVIL},
            "query_string": EVIL,
        },
        "user": {"id": EVIL, "email": f"{EVIL}@example.com", "username": EVIL, "ip_address": "10.0.0.1"},
        "breadcrumbs": {"values": [{"category": EVIL, "message": EVIL, "level": "info", "data": {"url": EVIL}}]},
        "contexts": {f"ctx{EVIL}": {"k": EVIL}},
        "extra": {"e": EVIL},
    }


@pytest.fixture
def xss_issue(world):
    issue, event = record_event(world.project, **xss_payload())
    assert StoredEvent.objects.filter(issue=issue).exists()
    return issue, event


def _assert_inert(body: str, url: str) -> None:
    assert SCRIPT not in body, f"raw <script> on {url}"
    assert "<img src=x" not in body and "<img" not in body, f"raw <img> on {url}"
    assert not re.search(r"""href=["']?\s*javascript:""", body, re.I), f"javascript: link on {url}"
    assert "onerror=alert" not in body.replace("onerror=alert(1)&gt;", ""), f"live attribute on {url}"
    assert "{&#x27;csrf_token" not in body and "'csrf_token'" not in body, f"{{% debug %}} evaluated on {url}"


def test_xss_event_is_inert_on_every_page(login, world, xss_issue):
    issue, event = xss_issue
    client = login(world.member)
    org, proj = world.project.organization.slug, world.project.slug
    urls = [
        "/",
        "/issues/",
        f"/issues/{issue.pk}/",
        f"/issues/{issue.pk}/events/{event['event_id']}/",
        "/issues/?query=" + "browser%3A%22%3Cscript%3E%22",
        f"/projects/{org}/{proj}/releases/",
        f"/projects/{org}/{proj}/",
        "/health/",
        "/teams/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400), url
        body = response.content.decode()
        _assert_inert(body, url)
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, "the text is shown, escaped"
    assert TPL in page and TAG in page, "template syntax in event data is shown literally"
    assert "javascript:alert(1)" in page, "the URL is shown as text"


def test_xss_in_lifecycle_text_is_escaped(login, world, xss_issue):
    issue, _ = xss_issue
    client = login(world.member)
    client.post(f"/issues/{issue.pk}/snooze/", {"reason": EVIL, "hours": 1})
    client.post(f"/issues/{issue.pk}/comment/", {"text": EVIL})
    issue.refresh_from_db()
    assert issue.lifecycle == Lifecycle.SNOOZED
    body = client.get(f"/issues/{issue.pk}/").content.decode()
    _assert_inert(body, "issue page after snooze + comment")


def test_search_error_echo_is_escaped(login, world):
    response = login(world.member).get("/issues/", {"query": f'level:"{SCRIPT}'})
    assert response.status_code == 400
    _assert_inert(response.content.decode(), "search error")


def test_templates_have_no_inline_script_style_or_safe_filter():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        if path.parts[-2] in ("alerts", "email"):
            continue
        text = path.read_text()
        assert "style=" not in text and "<style" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "|safe" not in text and "autoescape off" not in text or path.name.endswith("_email.html"), path
        assert "javascript:" not in text, path
