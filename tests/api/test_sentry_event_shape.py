"""Issue #19: real SDK payloads posted to the store and envelope doors come back whole through the
REST API, in Sentry's web-API shape (``entries`` typed ``{type, data}``, tags as ``[{key, value}]``,
``contexts``, ``user``, ``sdk``, ``type``), grouped as Sentry groups them, with derived tags in the
tag breakdowns. Worker, database and event store are the real ones.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue
from tests.ingest.helpers import envelope, post_envelope, post_store, stored_event
from tests.ingest.protocol.sdk_payloads import PAYLOADS, payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

SENDER = "198.51.100.23"


def send(client, world, body: dict[str, Any], *, door: str = "store") -> dict[str, Any]:
    """Post ``body`` as a new event through ``door``; the event as the API returns it."""
    body = {**body, "event_id": uuid.uuid4().hex}
    if door == "store":
        response = post_store(client, world, json.dumps(body).encode(), REMOTE_ADDR=SENDER)
    else:
        data = envelope(({"type": "event"}, body), headers={"event_id": body["event_id"]})
        response = post_envelope(client, world, data, REMOTE_ADDR=SENDER)
    assert response.status_code == 200, response.content
    return stored_event(world, body["event_id"])


def entry(event: dict[str, Any], kind: str) -> dict[str, Any]:
    found = [e["data"] for e in event["entries"] if e["type"] == kind]
    assert len(found) == 1, [e["type"] for e in event["entries"]]
    return found[0]


def tags(event: dict[str, Any]) -> dict[str, str]:
    assert all(set(t) == {"key", "value"} for t in event["tags"])
    return {t["key"]: t["value"] for t in event["tags"]}


def test_java_event_every_interface_round_trips(client, world):
    sent = payload("java_protocol_event.json")
    event = send(client, world, sent, door="envelope")
    assert event["type"] == "error" and event["platform"] == "other"
    assert [e["type"] for e in event["entries"]] == [
        "exception",
        "threads",
        "message",
        "breadcrumbs",
        "request",
        "debugmeta",
    ]
    thread, sent_thread = entry(event, "threads")["values"][0], sent["threads"]["values"][0]
    assert (
        thread["stacktrace"]["frames"][0]["instruction_addr"]
        == sent_thread["stacktrace"]["frames"][0]["instruction_addr"]
    )
    assert thread["stacktrace"]["frames"][0]["package"] == sent_thread["stacktrace"]["frames"][0]["package"]
    assert entry(event, "debugmeta")["images"] == sent["debug_meta"]["images"]
    assert entry(event, "exception")["values"][0]["thread_id"] == sent["exception"]["values"][0]["thread_id"]
    assert entry(event, "breadcrumbs")["values"][0]["message"] == sent["breadcrumbs"][0]["message"]
    assert entry(event, "message")["formatted"] == sent["message"]["formatted"]
    request = entry(event, "request")
    assert request["url"] == sent["request"]["url"] and request["fragment"] == "fragment"
    assert event["user"] == sent["user"]
    assert event["sdk"] == sent["sdk"]
    assert event["contexts"]["app"]["view_names"] == sent["contexts"]["app"]["view_names"]
    assert event["packages"] == sent["modules"]
    assert event["fingerprints"] == sent["fingerprint"]
    assert tags(event)["browser.name"] == sent["contexts"]["browser"]["name"]
    assert all(tags(event)[k] == v for k, v in sent["tags"].items())
    assert event["errors"][0]["type"] == "past_timestamp"  # 1942: clamped, the original kept
    assert event["errors"][0]["value"] == sent["timestamp"]


def test_ndk_crash_native_frames_and_images(client, world):
    sent = payload("native_android_ndk.json")
    event = send(client, world, sent)
    assert entry(event, "exception")["hasSystemFrames"] is True  # no frame is known to be in-app
    exc = entry(event, "exception")["values"][0]
    assert [f["instruction_addr"] for f in exc["stacktrace"]["frames"]] == [
        f["instruction_addr"] for f in sent["exception"]["values"][0]["stacktrace"]["frames"]
    ]
    assert entry(event, "debugmeta")["images"] == sent["debug_meta"]["images"]
    assert tags(event)["handled"] == "no" and tags(event)["mechanism"] == "signalhandler"
    assert event["title"] == "SIGSEGV: Segfault" and event["culprit"] == "?"


def test_top_level_stacktrace_round_trips_and_names_the_culprit(client, world):
    sent = payload("node_raven_message_stacktrace.json")
    event = send(client, world, sent)
    stack = entry(event, "stacktrace")
    assert [f["function"] for f in stack["frames"]] == [f["function"] for f in sent["stacktrace"]["frames"]]
    assert event["culprit"] == "Object.<anonymous>(main)"
    assert event["type"] == "default" and event["packages"]["express"] == "4.16.3"


def test_legacy_interfaces_and_auto_ip(client, world):
    sent = {
        **payload("php_raven_legacy.json"),
        "platform": "php",
        "sentry.interfaces.User": {"id": "7", "ip_address": "{{auto}}", "name": "Ada", "geo": {"city": "Oslo"}},
        "sentry.interfaces.Breadcrumbs": {"values": [{"message": "opened cart", "event_id": "ab" * 16}]},
    }
    event = send(client, world, sent)
    assert event["user"] == {"id": "7", "ip_address": SENDER, "name": "Ada", "geo": {"city": "Oslo"}}
    assert entry(event, "breadcrumbs")["values"][0]["event_id"] == "ab" * 16
    assert entry(event, "exception")["values"][0]["type"] == "Exception"
    assert event["culprit"] == "raven in raven_cli_test"


def test_cocoa_and_unity_contexts_and_derived_tags_in_the_breakdown(client, world):
    cocoa = send(client, world, payload("cocoa_failed_request_event.json"), door="envelope")
    unity = send(client, world, payload("unity_csharp.json"))
    assert cocoa["contexts"] == payload("cocoa_failed_request_event.json")["contexts"]
    assert cocoa["sdk"]["name"] == "sentry.cocoa" and cocoa["platform"] == "cocoa"
    assert tags(unity)["os"] == "Mac OS X 10.14.0" and tags(unity)["device"] == "MacBookPro14,3"
    issue = Issue.objects.get(pk=int(unity["groupID"]))
    get_event_store().refresh()
    assert get_event_store().top_tag_values(issue.pk, "os") == [("Mac OS X 10.14.0", 1)]
    assert get_event_store().top_tag_values(issue.pk, "level") == [("error", 1)]


def test_frameless_events_of_different_kinds_land_in_different_issues(client, world):
    dart = payload("dart_envelope_no_attachment.envelope")
    cases = [
        {**dart, "platform": "other"},
        {**dart, "platform": "native", "level": "fatal"},
        {"platform": "cocoa", "request": {"method": "GET", "url": "http://localhost:8081/http-client-error"}},
        {"platform": "javascript", "csp": payload("csp_report_event.json")["csp"]},
        {"platform": "python", "message": "nightly export failed"},
        {"platform": "node", "message": "queue stalled"},
        {
            "platform": "java",
            "threads": {
                "values": [
                    {
                        "id": 1,
                        "crashed": True,
                        "stacktrace": {"frames": [{"module": "com.shop.Cart", "function": "total"}]},
                    }
                ]
            },
        },
    ]
    events = [send(client, world, body) for body in cases]
    assert len({e["groupID"] for e in events}) == len(cases)
    issues = {i.pk: i for i in Issue.objects.filter(pk__in=[int(e["groupID"]) for e in events])}
    assert [issues[int(e["groupID"])].platform for e in events] == [
        "other",
        "native",
        "cocoa",
        "javascript",
        "python",
        "node",
        "java",
    ]
    assert issues[int(events[1]["groupID"])].level == "fatal"
    assert issues[int(events[2]["groupID"])].culprit == "http://localhost:8081/http-client-error"


def test_same_frameless_request_pattern_is_one_issue(client, world):
    first = send(client, world, {"platform": "php", "request": {"method": "POST", "url": "https://x.io/o/17/pay"}})
    second = send(client, world, {"platform": "php", "request": {"method": "POST", "url": "https://x.io/o/93/pay"}})
    assert first["groupID"] == second["groupID"]
    assert Issue.objects.get(pk=int(first["groupID"])).grouping_version == "2026-12"


def test_every_fixture_is_accepted_and_titled(client, world):
    for path in sorted(PAYLOADS.glob("*.json")) + sorted(PAYLOADS.glob("*.envelope")):
        event = send(client, world, payload(path.name))
        assert event["title"] and event["entries"] is not None, path.name


def test_electron_auto_ip_is_the_senders_address_and_runtime_is_a_tag(client, world):
    event = send(client, world, payload("electron_main_auto_ip.json"))
    assert event["user"] == {"ip_address": SENDER}
    assert tags(event)["runtime"] == "Electron 2.0.2" and tags(event)["os"] == "Mac OS X 10.13.6"
    assert event["sdk"]["packages"] == payload("electron_main_auto_ip.json")["sdk"]["packages"]
    assert event["culprit"] == "main at EventEmitter.ipcMain.on" and event["level"] == "fatal"
