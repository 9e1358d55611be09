"""Raw logs through ``POST /api/<id>/logs/`` become issues like SDK events."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from errorhub.issues.models import Issue

pytestmark = pytest.mark.sqlite

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "stacktraces"

PYTHON_TRACE = """2026-11-01 12:00:00,123 ERROR [web] request failed
Traceback (most recent call last):
  File "/srv/app/shop/views.py", line 42, in checkout
    charge(order)
  File "/srv/app/shop/payments.py", line 7, in charge
    raise ValueError("card declined for order 1234")
ValueError: card declined for order 1234
2026-11-01 12:00:01,000 INFO [web] next request
"""
NGINX_502 = '10.0.0.1 - - [01/Nov/2026:12:00:02 +0000] "GET /api/orders/98765 HTTP/1.1" 502 157 "-" "curl/8.0"\n'


def _post(client, world, body: bytes, **params: str):
    query = "&".join(f"{k}={v}" for k, v in {"sentry_key": world.key.public_key, **params}.items())
    return client.post(f"/api/{world.project.pk}/logs/?{query}", data=body, content_type="text/plain")


@pytest.mark.django_db(transaction=True)
def test_trace_and_access_log_become_issues(client, world):
    response = _post(client, world, (PYTHON_TRACE + NGINX_502).encode(), service="shop")
    assert response.status_code == 200, response.content
    assert response.json()["lines_accepted"] == 9
    titles = sorted(Issue.objects.filter(project=world.project).values_list("title", flat=True))
    assert any(t.startswith("ValueError: card declined") for t in titles), titles
    assert any("502" in t for t in titles), titles


@pytest.mark.django_db(transaction=True)
def test_same_trace_with_other_ids_groups_into_one_issue(client, world):
    for order, second in (("1234", "00"), ("5678", "30")):
        body = PYTHON_TRACE.replace("1234", order).replace("12:00:00,123", f"12:00:{second},123")
        assert _post(client, world, body.encode()).status_code == 200
    issues = Issue.objects.filter(project=world.project, title__startswith="ValueError")
    assert [i.times_seen for i in issues] == [2]


@pytest.mark.django_db(transaction=True)
def test_a_shipper_retry_of_the_same_body_is_counted_once(client, world):
    for _ in range(2):
        assert _post(client, world, PYTHON_TRACE.encode()).status_code == 200
    assert [i.times_seen for i in Issue.objects.filter(project=world.project)] == [1]


@pytest.mark.django_db(transaction=True)
def test_gzip_body_and_dsn_authorization_header(client, world):
    response = client.post(
        f"/api/{world.project.pk}/logs/",
        data=gzip.compress(PYTHON_TRACE.encode()),
        content_type="text/plain",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_AUTHORIZATION=f"DSN {world.key.public_key}",
    )
    assert response.status_code == 200, response.content
    assert Issue.objects.filter(project=world.project).count() == 1


@pytest.mark.django_db(transaction=True)
def test_bad_logplex_body_is_a_400_with_a_message(client, world):
    response = client.post(
        f"/api/{world.project.pk}/logs/?sentry_key={world.key.public_key}",
        data=b"999 <13>1 2026-11-01T00:00:00Z host app web.1 - short",
        content_type="application/logplex-1",
    )
    assert response.status_code == 400
    assert "log" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_no_key_is_refused(client, world):
    response = client.post(f"/api/{world.project.pk}/logs/", data=b"x", content_type="text/plain")
    assert response.status_code == 401
    assert "sentry_key" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_every_corpus_trace_through_the_endpoint_is_one_issue(client, world):
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    entries = [e for e in manifest["entries"] if e["is_trace"] and not e.get("fragment")]
    assert entries, f"corpus missing at {CORPUS}"
    for entry in entries:
        before = Issue.objects.filter(project=world.project).count()
        text = (CORPUS / entry["file"]).read_text() + "single line\n"
        assert _post(client, world, text.encode()).status_code == 200
        created = Issue.objects.filter(project=world.project).count() - before
        assert created <= 1, entry["file"]
    assert Issue.objects.filter(project=world.project).count() >= len(entries) // 2
