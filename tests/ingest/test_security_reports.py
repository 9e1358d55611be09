"""Browser security reports are kept: each report becomes an event whose issue reads like
Sentry's ("Blocked 'script' from 'evil.com'" / the directive), and a body that is no
report is a 400 at the door, never an id for something later skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from errorhub.events.models import StoredEvent
from errorhub.issues.models import Issue
from ingest.models import DeadLetter
from tests.ingest.helpers import assert_refused

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "security"


def post_report(client, world, data: bytes, content_type: str):
    return client.post(
        f"/api/{world.project.pk}/security/?sentry_key={world.key.public_key}", data=data, content_type=content_type
    )


def issues(world) -> dict[str, str]:
    return dict(Issue.objects.filter(project=world.project).values_list("title", "culprit"))


@pytest.mark.parametrize(
    ("fixture", "content_type", "title", "culprit"),
    [
        ("csp_chrome.json", "application/csp-report", "Blocked 'script' from 'evil.com'", "script-src-elem"),
        (
            "expect_ct.json",
            "application/expect-ct-report+json",
            "Expect-CT failed for 'shop.example.com'",
            "shop.example.com:443",
        ),
        ("hpkp.json", "application/json", "Pin validation failed for 'shop.example.com'", "shop.example.com:443"),
        (
            "expect_staple.json",
            "application/json",
            "Expect-Staple failed for 'shop.example.com'",
            "shop.example.com:443",
        ),
    ],
)
def test_legacy_report_becomes_an_issue(client, world, fixture, content_type, title, culprit):
    response = post_report(client, world, (FIXTURES / fixture).read_bytes(), content_type)
    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project, event_id=response.json()["id"]).exists()
    assert issues(world) == {title: culprit}


def test_reporting_api_batch_keeps_every_report(client, world):
    response = post_report(
        client, world, (FIXTURES / "reporting_api_batch.json").read_bytes(), "application/reports+json"
    )
    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project).count() == 5
    assert issues(world) == {
        "Blocked 'image' from 'evil.com'": "img-src",
        "NEL: Connection refused for 'api.example.com'": "https://api.example.com/v1/orders",
        "Deprecation: navigator.getUserMedia is deprecated; use navigator.mediaDevices.getUserMedia": "https://shop.example.com/video.js:88",
        "Intervention: Ad was removed because its network usage exceeded the limit.": "https://ads.example.net/ad.js:10",
        "Crash: oom": "https://shop.example.com/3d-viewer",
    }
    assert not DeadLetter.objects.exists()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"this is not json", "not valid JSON"),
        (b'{"hello": "world"}', "csp-report"),
        (b"[]", "empty"),
        (b'[{"type": "csp-violation", "body": "x"}]', "report 0"),
        (b'{"csp-report": "blocked"}', "must be an object"),
        (b'{"csp-report": {"blocked-uri": "https://evil.com"}}', "violated-directive"),
        (b'{"expect-ct-report": {"port": 443}}', "hostname"),
        (b"42", "csp-report"),
    ],
)
def test_garbage_body_is_refused_at_the_door(client, world, body, says):
    assert_refused(post_report(client, world, body, "application/csp-report"), 400, says)
    assert not StoredEvent.objects.exists() and not DeadLetter.objects.exists()
