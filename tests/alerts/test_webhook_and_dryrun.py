"""Signed webhooks through the outbound wrapper (real local receiver), the private-address
guard, the dry run (command and API), system rules."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command

from alerts import http
from alerts.models import Channel, Delivery
from alerts.tasks import check_system_rules
from tests.alerts.conftest import make_event, record, rule

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


@pytest.fixture
def receiver():
    got: list[tuple[dict, bytes]] = []
    status = {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            got.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(status["code"])
            if status["code"] == 302:
                self.send_header("Location", "http://169.254.169.254/")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", got, status
    server.shutdown()


def test_private_addresses_are_refused_unless_allowed(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:1/x", "http://10.0.0.1/x", "http://[::1]/x", "http://169.254.169.254/", "ftp://x/"):
        with pytest.raises(http.OutboundError) as exc:
            http.post(url, data=b"{}", headers={})
        assert exc.value.permanent


def test_signed_webhook_delivery(world, settings, receiver):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    url, got, _ = receiver
    ch = Channel.objects.create(
        organization=world.project.organization, name="hook", kind="webhook", config={"url": url, "secret": "s3cret"}
    )
    rule(world.project, ch)
    record(world.project, make_event())
    [(headers, body)] = got
    expected = hmac.new(b"s3cret", headers["X-ErrorHub-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-ErrorHub-Signature"] == "sha256=" + expected.hexdigest()
    data = json.loads(body)
    assert data["reason"] == "new_issue" and data["issue"]["short_id"] == "SHOP-1"
    assert Delivery.objects.get(channel=ch).status == "sent"


@pytest.mark.parametrize(
    "code, enabled, status", [(410, False, "failed"), (302, False, "failed"), (503, True, "retrying")]
)
def test_webhook_errors(world, settings, receiver, code, enabled, status):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    url, got, answer = receiver
    answer["code"] = code
    ch = Channel.objects.create(
        organization=world.project.organization, name="hook", kind="webhook", config={"url": url, "secret": "s"}
    )
    rule(world.project, ch)
    record(world.project, make_event())
    ch.refresh_from_db()
    assert len(got) == 1  # redirects are not followed
    assert ch.enabled is enabled and Delivery.objects.get(channel=ch).status == status


def test_dry_run_command_and_api(world, tmp_path):
    ch = Channel.objects.create(organization=world.project.organization, name="prod-hook", kind="webhook", config={})
    rule(world.project, ch, name="prod only", environments=["production"])
    path = tmp_path / "event.json"
    path.write_text(json.dumps(make_event()))
    out = StringIO()
    call_command("alerts_dryrun", project=world.project.pk, event=str(path), stdout=out)
    assert "'prod only' -> webhook:prod-hook (new_issue)" in out.getvalue()
    assert not Delivery.objects.exists()  # nothing sent

    api = world.api(world.member)
    response = api.post(
        "/api/0/projects/acme/shop/alert-rules/dry-run/", make_event(environment="staging"), format="json"
    )
    assert response.status_code == 200 and response.json()["decisions"] == []
    assert (
        world.api(world.outsider)
        .post("/api/0/projects/acme/shop/alert-rules/dry-run/", make_event(), format="json")
        .status_code
        == 404
    )


def test_system_rule_dead_letters(world, settings, receiver):
    from ingest.models import DeadLetter

    settings.OUTBOUND_ALLOW_PRIVATE = True
    url, got, _ = receiver
    ch = Channel.objects.create(
        organization=world.project.organization, name="ops", kind="webhook", config={"url": url, "secret": "s"}
    )
    r = rule(world.project, ch, triggers=["dead_letters"], min_interval_seconds=3600)
    r.project = None
    r.save()
    check_system_rules()
    assert got == []
    DeadLetter.objects.create(task="ingest.tasks.process_payload", payload={}, error="boom")
    check_system_rules()
    check_system_rules()  # min interval: once
    assert len(got) == 1 and json.loads(got[0][1])["reason"] == "dead_letters"
