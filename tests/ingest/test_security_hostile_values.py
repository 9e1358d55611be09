"""Security reports with values the worker once failed on are still issues, never a worker
error and a dead letter: a URL ``urlsplit`` cannot read (``http://[x``: "Invalid IPv6 URL")
is titled with its raw text; NUL characters (PostgreSQL refuses them) are replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from errorhub.events.models import StoredEvent
from errorhub.issues.models import Issue
from ingest.models import DeadLetter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "security"


def post_report(client, world, body: object, content_type: str):
    return client.post(
        f"/api/{world.project.pk}/security/?sentry_key={world.key.public_key}",
        data=json.dumps(body).encode(),
        content_type=content_type,
    )


def test_csp_blocked_uri_that_is_no_url_is_an_issue(client, world):
    report = json.loads((FIXTURES / "csp_chrome.json").read_text())
    report["csp-report"]["blocked-uri"] = "http://[x"
    response = post_report(client, world, report, "application/csp-report")
    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project, event_id=response.json()["id"]).exists()
    assert list(Issue.objects.filter(project=world.project).values_list("title", flat=True)) == [
        "Blocked 'script' from 'http://[x'"
    ]
    assert not DeadLetter.objects.exists()


def test_reporting_api_url_that_is_no_url_is_an_issue(client, world):
    batch = json.loads((FIXTURES / "reporting_api_batch.json").read_text())
    for report in batch:
        report["url"] = "https://[::1/checkout"
    response = post_report(client, world, batch, "application/reports+json")
    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project).count() == len(batch)
    assert not DeadLetter.objects.exists()


def test_nul_characters_anywhere_in_a_report_are_replaced(client, world):
    report = json.loads((FIXTURES / "csp_chrome.json").read_text())
    body = report["csp-report"]
    body.update(
        {
            "blocked-uri": "https://evil\u0000.com/miner.js",
            "document-uri": "https://shop.example.com/\u0000",
            "violated-directive": "script-src-elem\u0000",
            "note\u0000": {"k\u0000": ["\u0000"]},
        }
    )
    response = post_report(client, world, report, "application/csp-report")
    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project, event_id=response.json()["id"]).exists()
    assert list(Issue.objects.filter(project=world.project).values_list("title", flat=True)) == [
        "Blocked 'script' from 'evil\ufffd.com'"
    ]
    assert not DeadLetter.objects.exists()
