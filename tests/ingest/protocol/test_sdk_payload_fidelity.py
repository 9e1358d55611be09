"""Issue #19: every interface of a real SDK payload is kept, field by field (normalisation alone).

One test per interface class, over the real payloads of ``tests/fixtures/sdk_payloads/``;
the HTTP round trip (store/envelope -> worker -> API) is ``tests/api/test_sentry_event_shape.py``.
"""

from __future__ import annotations

from typing import Any

from ingest.protocol.normalize import DEFAULT
from tests.ingest.protocol.sdk_payloads import CLIENT_IP, RECEIVED, normalized, payload


def frames(stack: dict[str, Any]) -> list[dict[str, Any]]:
    return stack["frames"]


def test_native_frame_fields_and_debug_images_of_an_ndk_crash():
    event = normalized("native_android_ndk.json")
    sent = payload("native_android_ndk.json")["exception"]["values"][0]
    kept = event["exception"][0]
    assert [f["instruction_addr"] for f in frames(kept["stacktrace"])] == [
        f["instruction_addr"] for f in sent["stacktrace"]["frames"]
    ]
    assert kept["mechanism"]["synthetic"] is True
    assert kept["mechanism"]["meta"] == {"signal": {"name": "SIGSEGV", "number": 11}}
    assert event["debug_meta"]["images"] == sent_images("native_android_ndk.json")
    assert event["platform"] == "native" and event["level"] == "fatal"


def sent_images(name: str) -> list[dict[str, Any]]:
    return payload(name)["debug_meta"]["images"]


def test_every_native_frame_field_of_a_thread_and_an_exception():
    """sentry-java's protocol fixture: package, symbol/image/instruction addresses, raw_function, thread ids."""
    sent = payload("java_protocol_event.json")
    event = normalized("java_protocol_event.json")
    sent_frame = sent["threads"]["values"][0]["stacktrace"]["frames"][0]
    for stack in (event["threads"][0]["stacktrace"], event["exception"][0]["stacktrace"]):
        kept = frames(stack)[0]
        for key in (
            "package",
            "image_addr",
            "symbol_addr",
            "instruction_addr",
            "raw_function",
            "filename",
            "function",
            "module",
            "lineno",
            "colno",
            "abs_path",
            "context_line",
        ):
            assert kept[key] == sent_frame[key], key
        assert kept["native"] is True
        assert "platform" not in kept  # a UUID is not a platform
    assert event["exception"][0]["thread_id"] == sent["exception"]["values"][0]["thread_id"]


def test_threads_are_kept_with_their_state_and_registers():
    sent = payload("java_protocol_event.json")["threads"]["values"][0]
    thread = normalized("java_protocol_event.json")["threads"][0]
    assert (thread["id"], thread["name"], thread["state"]) == (sent["id"], sent["name"], sent["state"])
    assert (thread["crashed"], thread["current"], thread["daemon"], thread["main"]) == (False, False, True, True)
    assert thread["stacktrace"]["registers"] == sent["stacktrace"]["registers"]
    assert thread["stacktrace"]["snapshot"] is True
    assert thread["held_locks"] == sent["held_locks"]


def test_debug_meta_images_and_sdk_info():
    sent = payload("java_protocol_event.json")["debug_meta"]
    kept = normalized("java_protocol_event.json")["debug_meta"]
    assert kept["images"] == sent["images"]
    assert kept["sdk_info"] == sent["sdk_info"]


def test_user_keeps_every_field():
    sent = payload("java_protocol_event.json")["user"]
    user = normalized("java_protocol_event.json")["user"]
    assert user == sent  # id, email, username, ip_address, name, geo, data


def test_user_auto_ip_is_the_senders_address():
    event = normalized("java_protocol_event.json", user={"id": "42", "ip_address": "{{auto}}"})
    assert event["user"] == {"id": "42", "ip_address": CLIENT_IP}


def test_breadcrumb_event_id_and_origin():
    crumbs = normalized("javascript_raven_promise.json")["breadcrumbs"]
    sent = payload("javascript_raven_promise.json")["breadcrumbs"]["values"]
    assert [c["event_id"] for c in crumbs] == [c["event_id"] for c in sent]
    assert [c["message"] for c in crumbs] == [c["message"] for c in sent]
    java = normalized("java_protocol_event.json")["breadcrumbs"][0]
    assert java["origin"] == payload("java_protocol_event.json")["breadcrumbs"][0]["origin"]


def test_request_keeps_sentrys_fields_but_not_cookies():
    sent = payload("java_protocol_event.json")["request"]
    request = normalized("java_protocol_event.json")["request"]
    for key in ("url", "query_string", "data", "headers", "env", "fragment", "api_target", "body_size"):
        assert request[key] == sent[key], key
    # a method is at most 32 characters (this one is a UUID): cut, and the cut marked
    assert request["method"] == sent["method"].upper()[:31] + "…"
    assert "cookies" not in request


def test_sdk_modules_fingerprint_contexts_extra_tags():
    sent = payload("java_protocol_event.json")
    event = normalized("java_protocol_event.json")
    assert event["sdk"] == sent["sdk"]
    assert event["modules"] == sent["modules"]
    assert event["fingerprint"] == sent["fingerprint"]
    assert event["extra"] == sent["extra"]
    assert event["contexts"]["browser"] == sent["contexts"]["browser"]
    assert event["tags"] == sent["tags"]
    assert event["dist"] == sent["dist"]


def test_a_top_level_stacktrace_is_kept_and_gives_the_culprit():
    """raven-node (and .NET, Elixir, legacy Python) send a message with a stack beside it."""
    sent = payload("node_raven_message_stacktrace.json")["stacktrace"]["frames"]
    event = normalized("node_raven_message_stacktrace.json")
    kept = frames(event["stacktrace"])
    assert [(f["function"], f["module"], f["lineno"], f["colno"]) for f in kept] == [
        (f["function"], f["module"], f["lineno"], f["colno"]) for f in sent
    ]
    assert kept[-1]["pre_context"] == sent[-1]["pre_context"][-DEFAULT.context_lines :]
    assert event["exception"] == [] and event["type"] == "default"
    assert event["modules"]["express"] == "4.16.3"


def test_legacy_interface_names_are_read():
    php = normalized("php_raven_legacy.json")
    assert php["exception"][0]["type"] == "Exception"
    assert len(php["exception"][0]["stacktrace"]["frames"]) == 4
    legacy = normalized(
        "php_raven_legacy.json",
        **{
            "sentry.interfaces.User": {"id": "7", "name": "Ada"},
            "sentry.interfaces.Breadcrumbs": {"values": [{"message": "clicked", "category": "ui"}]},
            "sentry.interfaces.Stacktrace": {"frames": [{"function": "main", "filename": "bin/raven"}]},
        },
    )
    assert legacy["user"] == {"id": "7", "name": "Ada"}
    assert [c["message"] for c in legacy["breadcrumbs"]] == ["clicked"]
    assert legacy["stacktrace"]["frames"][0]["function"] == "main"


def test_platform_outside_sentrys_list_is_other():
    assert normalized("java_protocol_event.json")["platform"] == "other"  # a UUID
    assert normalized("elixir.json")["platform"] == "other"  # none sent
    assert normalized("unity_csharp.json")["platform"] == "csharp"
    assert normalized("unity_csharp.json", platform="PHP ")["platform"] == "php"


def test_clamped_timestamps_keep_the_original():
    old = normalized("python_raven_legacy.json")
    assert old["timestamp"] == RECEIVED.isoformat().replace("+00:00", ".000000Z")
    assert old["errors"] == [{"type": "past_timestamp", "name": "timestamp", "value": "2018-07-25T13:49:27Z"}]
    future = normalized("python_raven_legacy.json", timestamp="2031-01-01T00:00:00Z")
    assert future["errors"][0]["type"] == "future_timestamp"
    assert future["errors"][0]["value"] == "2031-01-01T00:00:00Z"
    dart = normalized("dart_envelope_no_attachment.envelope")
    assert dart["errors"] == [{"type": "past_timestamp", "name": "timestamp", "value": "1970-01-01T00:00:00.000Z"}]


def test_trimmed_interfaces_are_marked():
    crumbs = [{"message": f"step {n}"} for n in range(DEFAULT.breadcrumbs + 20)]
    event = normalized("unity_csharp.json", breadcrumbs=crumbs, message="x" * (DEFAULT.message_chars + 5))
    assert len(event["breadcrumbs"]) == DEFAULT.breadcrumbs
    assert event["_meta"]["breadcrumbs"] == {"": {"len": DEFAULT.breadcrumbs + 20}}
    assert event["_meta"]["message"] == {"": {"rem": [["!limit", "s"]]}}
    assert event["message"].endswith("…") and len(event["message"]) == DEFAULT.message_chars


def test_legacy_numeric_level_and_raven_sdk():
    event = normalized("python_raven_legacy.json")
    assert event["level"] == "error"  # logging.ERROR = 40
    assert event["sdk"] == {"name": "raven-python", "version": "6.9.0"}
    assert (
        event["exception"][0]["stacktrace"]["frames"][0]["vars"]["client"]
        == "<raven.base.Client object at 0x1025e9400>"
    )


def test_react_native_native_threads_with_raw_stacks_and_registers():
    sent = payload("react_native_ios_excerpt.json")["threads"]["values"]
    threads = normalized("react_native_ios_excerpt.json")["threads"]
    assert [(t["id"], t["name"], t["current"], t["crashed"]) for t in threads] == [
        (t["id"], t["name"], t["current"], t["crashed"]) for t in sent
    ]
    handler = threads[0]
    assert [f["instruction_addr"] for f in handler["stacktrace"]["frames"]] == [
        f["instruction_addr"] for f in sent[0]["stacktrace"]["frames"]
    ]
    assert [f["function"] for f in handler["raw_stacktrace"]["frames"]][1] == "<redacted>"
    assert handler["stacktrace"]["registers"] == sent[0]["stacktrace"]["registers"]
    assert handler["stacktrace"]["frames"][2]["package"].endswith("KSCrash.framework/KSCrash")
    assert "stacktrace" not in threads[1]  # the current thread was sent without a stack


def test_react_native_tags_as_pairs_and_the_sent_culprit():
    from ingest.protocol.titles import event_culprit

    event = normalized("react_native_ios_excerpt.json")
    assert event["tags"]["os"] == "iOS 10.2.1" and event["tags"]["device"] == "iPhone9,3"
    assert event_culprit(event) == "-[RNSentry crash]"
    assert event["debug_meta"]["images"][0]["uuid"] == "C587724E-374C-3153-92B2-05582232142B"
