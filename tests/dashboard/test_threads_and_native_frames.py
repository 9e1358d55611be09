"""Issue #19: the issue page shows an event's threads (the crashed one first) and native frames
(address, binary, symbol), for real payloads posted through the store door."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from errorhub.events.models import StoredEvent
from tests.ingest.helpers import post_store
from tests.ingest.protocol.sdk_payloads import payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def issue_page(client, login, world, body: dict) -> str:
    body = {**body, "event_id": uuid.uuid4().hex}
    assert post_store(client, world, json.dumps(body).encode()).status_code == 200
    issue_id = StoredEvent.objects.get(event_id=body["event_id"]).issue_id
    return login(world.member).get(f"/issues/{issue_id}/").content.decode()


def test_crashed_thread_first_with_native_frames(client, login, world):
    threads = [
        {
            "id": 1,
            "name": "main",
            "current": True,
            "stacktrace": {"frames": [{"function": "main", "filename": "app/main.m", "instruction_addr": "0x100a0"}]},
        },
        {
            "id": 7,
            "name": "com.apple.worker",
            "crashed": True,
            "stacktrace": {
                "frames": [
                    {
                        "instruction_addr": "0x1a2b3c4d",
                        "package": "/usr/lib/system/libsystem_kernel.dylib",
                        "symbol": "__pthread_kill",
                        "function": "__pthread_kill",
                    },
                    {
                        "instruction_addr": "0x0000000100f0c0de",
                        "package": "/var/containers/MyApp.app/MyApp",
                        "symbol": "_ZN4shop4Cart5totalEv",
                        "function": "shop::Cart::total()",
                    },
                ]
            },
        },
    ]
    body = {**payload("native_android_ndk.json"), "platform": "cocoa", "threads": {"values": threads}}
    page = issue_page(client, login, world, body)
    names = re.findall(r'<span class="thread-name">([^<]*)</span>', page)
    assert names == ["com.apple.worker", "main"]
    assert "0x0000000100f0c0de" in page and "_ZN4shop4Cart5totalEv" in page
    assert "/var/containers/MyApp.app/MyApp" in page and "shop::Cart::total()" in page
    assert "libart.so" in page  # the loaded images


def test_ndk_frames_show_their_addresses(client, login, world):
    page = issue_page(client, login, world, payload("native_android_ndk.json"))
    assert '<code class="addr">0xbcc196b4</code>' in page  # the innermost frame, listed first
    assert "SIGSEGV" in page


def test_top_level_stack_is_shown(client, login, world):
    page = issue_page(client, login, world, payload("node_raven_message_stacktrace.json"))
    assert "Raven.captureMessage(&quot;captureMessage call&quot;);" in page
    assert "Module._compile" in page
