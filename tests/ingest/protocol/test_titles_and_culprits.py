"""Issue #19: titles truncated and culprits computed per platform as Sentry does."""

from __future__ import annotations

from ingest.protocol.titles import CULPRIT_CHARS, TITLE_VALUE_CHARS, event_culprit, event_title, frame_culprit
from tests.ingest.protocol.sdk_payloads import normalized


def test_javascript_culprit_is_function_of_location():
    event = normalized("javascript_raven_promise.json", transaction=None)
    assert event_culprit(event) == "?(http://localhost:5001/error.js)"
    node = normalized("node_raven_message_stacktrace.json")
    assert event_culprit(node) == "Object.<anonymous>(main)"  # from the top-level stack


def test_native_and_cocoa_culprits_are_the_function():
    assert frame_culprit({"function": "-[RNSentry crash]", "package": "/x/MyApp"}, "cocoa") == "-[RNSentry crash]"
    assert frame_culprit({"instruction_addr": "0x1"}, "native") == "?"
    assert event_culprit(normalized("native_android_ndk.json")) == "?"
    # a frame's own platform wins over the event's (React Native mixes JavaScript and native frames)
    assert (
        frame_culprit({"function": "render", "filename": "app.js", "platform": "javascript"}, "cocoa")
        == "render(app.js)"
    )


def test_other_platforms_read_location_in_function():
    assert event_culprit(normalized("php_raven_legacy.json")) == "raven in raven_cli_test"
    assert event_culprit(normalized("elixir.json")) == "Elixir.HelloHTTP2.WWW in HelloHTTP2.WWW.handle_request/2"
    assert event_culprit(normalized("python_raven_legacy.json")) == "__main__ in <module>"


def test_culprit_precedence_sent_culprit_then_transaction_then_stack_then_request_url():
    assert (
        event_culprit(normalized("csp_report_event.json"))
        == "script-src 'self' 'unsafe-eval' 'unsafe-inline' www.example.com"
    )
    assert event_culprit(normalized("javascript_raven_promise.json")) == "http://localhost:5001/error.js"
    request_only = normalized(
        "php_raven_legacy.json",
        **{"sentry.interfaces.Exception": None},
        request={"url": "https://shop.example/cart/checkout?step=2#pay", "method": "POST"},
    )
    assert event_culprit(request_only) == "https://shop.example/cart/checkout"
    long = normalized("php_raven_legacy.json", culprit="x" * 500)
    assert len(event_culprit(long)) == CULPRIT_CHARS and event_culprit(long).endswith("…")


def test_long_titles_are_truncated_like_sentrys():
    event = normalized("unity_csharp.json", exception={"values": [{"type": "E", "value": "v" * 500 + "\nmore"}]})
    title = event_title(event)
    assert title == "E: " + "v" * (TITLE_VALUE_CHARS - 1) + "…"
    message = normalized("unity_csharp.json", exception=None, message="m" * 300)
    assert event_title(message) == "m" * (TITLE_VALUE_CHARS - 1) + "…"
