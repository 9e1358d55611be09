"""Issue #19: events without an exception group by their strongest signal, never one bucket per project.

Order: SDK fingerprint, the crashed thread's stack, the normalised message, the top-level
stack, the CSP directive and blocked URI, the request method and URL pattern; else where
the event came from (platform, SDK, logger, transaction, level). The events are real
payloads (``tests/fixtures/sdk_payloads/``) with their exception taken away.
"""

from __future__ import annotations

from typing import Any

from ingest.protocol.grouping import (
    _STRATEGIES,
    FRAMELESS_VERSION,
    GROUPING_VERSION,
    compute_grouping,
    url_pattern,
)
from tests.ingest.protocol.sdk_payloads import normalized, payload


def frameless(name: str, **changes: Any) -> dict[str, Any]:
    """The fixture without its exception (and without a message unless ``changes`` sets one)."""
    return normalized(name, **{"exception": None, "message": None, "logentry": None, **changes})


def crashed_threads(name: str) -> dict[str, Any]:
    values = payload(name)["threads"]["values"]
    return {"values": [{**thread, "crashed": True} for thread in values]}


def test_the_fingerprint_wins():
    event = frameless("java_protocol_event.json", threads=crashed_threads("java_protocol_event.json"))
    assert compute_grouping(event).kind == "fingerprint"
    assert compute_grouping(event).version == GROUPING_VERSION  # its hash never changed


def test_the_crashed_threads_stack_groups_a_frameless_crash():
    event = frameless("java_protocol_event.json", fingerprint=None, threads=crashed_threads("java_protocol_event.json"))
    result = compute_grouping(event)
    assert (result.kind, result.version) == ("threads", FRAMELESS_VERSION)
    frame = payload("java_protocol_event.json")["threads"]["values"][0]["stacktrace"]["frames"][0]
    assert result.components == (f"frame:{frame['module']}:{frame['function']}",)


def test_a_thread_that_did_not_crash_does_not_group_and_the_message_does():
    event = frameless("java_protocol_event.json", fingerprint=None, message="Payment 42 failed")
    result = compute_grouping(event)
    assert (result.kind, result.components) == ("message", ("message:Payment <num> failed",))
    assert result.version == GROUPING_VERSION  # a message event keeps its hash


def test_a_message_beside_a_top_level_stack_keeps_its_message_grouping():
    event = normalized("node_raven_message_stacktrace.json")
    assert compute_grouping(event).components == ("message:captureMessage call",)


def test_a_top_level_stack_without_a_message_groups_by_its_frames():
    event = frameless("node_raven_message_stacktrace.json")
    result = compute_grouping(event)
    assert (result.kind, result.version) == ("stacktrace", FRAMELESS_VERSION)
    assert result.components == ("frame:tmp/main.js:<anonymous>",)


def test_csp_reports_group_by_directive_and_blocked_origin():
    event = frameless("csp_report_event.json")
    result = compute_grouping(event)
    assert (result.kind, result.components) == ("csp", ("csp:script-src", "blocked:https://example.com"))
    other = frameless(
        "csp_report_event.json", csp={**payload("csp_report_event.json")["csp"], "effective_directive": "img-src"}
    )
    assert compute_grouping(other).hash != result.hash


def test_request_only_events_group_by_method_and_url_pattern():
    base = frameless("cocoa_failed_request_event.json")
    assert compute_grouping(base).components == ("method:GET", "url:/http-client-error")
    one = frameless("javascript_raven_promise.json", request={"method": "POST", "url": "https://shop/o/17/pay?x=1"})
    two = frameless("javascript_raven_promise.json", request={"method": "POST", "url": "https://shop/o/9931/pay"})
    three = frameless("javascript_raven_promise.json", request={"method": "GET", "url": "https://shop/o/17/pay"})
    assert compute_grouping(one).hash == compute_grouping(two).hash != compute_grouping(three).hash
    assert compute_grouping(one).kind == "request"


def test_url_pattern_replaces_variable_segments():
    assert url_pattern("https://x.io/users/42/orders/3f2a9c1b7d8e4f60/") == "/users/*/orders/*/"
    assert url_pattern("/files/0b8f7c1a-2d3e-4f5a-6b7c-8d9e0f1a2b3c?raw=1#top") == "/files/*"
    assert url_pattern("/api/checkout") == "/api/checkout"


def test_content_free_events_of_different_platforms_never_share_an_issue():
    dart = normalized("dart_envelope_no_attachment.envelope")
    native = frameless("native_android_ndk.json")
    browser = frameless("javascript_raven_promise.json", request=None, transaction=None)
    python = frameless("python_raven_legacy.json")
    hashes = {compute_grouping(e).hash for e in (dart, native, browser, python)}
    assert len(hashes) == 4
    assert compute_grouping(native).components == (
        "platform:native",
        "source:sdk:unknown",
        "logger:",
        "transaction:",
        "level:fatal",
    )
    assert compute_grouping(python).components[:2] == ("platform:python", "source:sdk:raven-python")
    assert compute_grouping(dart).version == FRAMELESS_VERSION


def test_the_old_version_still_computes_the_old_bucket():
    """Registered legacy hashes are reproducible (compute_hashes), so an old issue can be found."""
    dart = normalized("dart_envelope_no_attachment.envelope")
    assert _STRATEGIES[GROUPING_VERSION](dart).components == ("message:",)


def test_exception_events_keep_their_hash_and_version():
    for name in ("unity_csharp.json", "php_raven_legacy.json", "native_android_ndk.json", "elixir.json"):
        event = normalized(name)
        assert compute_grouping(event).version == GROUPING_VERSION
        assert compute_grouping(event).hash == _STRATEGIES[GROUPING_VERSION](event).hash


def test_threads_none_crashed_leave_the_message_to_group():
    event = normalized("react_native_ios_excerpt.json")  # excerpt: threads, no exception, none crashed
    result = compute_grouping(event)
    assert (result.kind, result.version) == ("message", GROUPING_VERSION)
