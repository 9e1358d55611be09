"""Issue #19: the interfaces now kept (threads, a top-level stack, raw stacks, user data) are
scrubbed like an exception's: a secret in a thread's frame is as leaked as one in an exception."""

from __future__ import annotations

from ingest.protocol.scrub import FILTERED, scrub_event
from tests.ingest.protocol.sdk_payloads import normalized

SECRET_FRAME = {
    "function": "login",
    "module": "shop.auth",
    "vars": {"password": "hunter2", "user": "ada"},
    "context_line": 'password = "hunter2"',
}


def test_thread_and_top_level_frames_are_scrubbed():
    event = normalized(
        "node_raven_message_stacktrace.json",
        stacktrace={"frames": [SECRET_FRAME]},
        threads={"values": [{"id": 1, "crashed": True, "stacktrace": {"frames": [SECRET_FRAME]}}]},
    )
    scrub_event(event)
    for stack in (event["stacktrace"], event["threads"][0]["stacktrace"]):
        frame = stack["frames"][0]
        assert frame["vars"] == {"password": FILTERED, "user": "ada"}
        assert "hunter2" not in frame["context_line"]


def test_raw_stacktrace_and_user_data_are_scrubbed():
    event = normalized(
        "elixir.json",
        exception={"values": [{"type": "E", "value": "v", "raw_stacktrace": {"frames": [SECRET_FRAME]}}]},
        user={"id": "1", "data": {"api_key": "k-123"}, "name": "Ada"},
    )
    scrub_event(event)
    assert event["exception"][0]["raw_stacktrace"]["frames"][0]["vars"]["password"] == FILTERED
    assert event["user"]["data"] == {"api_key": FILTERED}
    assert event["user"]["id"] == "1"
