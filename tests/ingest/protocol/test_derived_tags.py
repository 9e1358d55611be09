"""Issue #19: the tags Sentry derives from contexts and interfaces, beside the SDK's own."""

from __future__ import annotations

from ingest.protocol.derived_tags import derived_tags, with_derived_tags
from tests.ingest.protocol.sdk_payloads import normalized, payload


def test_browser_os_runtime_device_url_level_handled_from_a_real_event():
    sent = payload("java_protocol_event.json")["contexts"]
    tags = derived_tags(normalized("java_protocol_event.json"))
    assert tags["browser"] == f"{sent['browser']['name']} {sent['browser']['version']}"
    assert tags["browser.name"] == sent["browser"]["name"]
    assert tags["os"] == f"{sent['os']['name']} {sent['os']['version']}"
    assert tags["runtime.name"] == sent["runtime"]["name"]
    assert (tags["device"], tags["device.family"]) == (sent["device"]["model"], sent["device"]["family"])
    assert tags["url"] == payload("java_protocol_event.json")["request"]["url"]
    assert tags["level"] == "error" and tags["handled"] == "no"


def test_native_crash_is_unhandled_with_its_mechanism():
    tags = derived_tags(normalized("native_android_ndk.json"))
    assert tags == {"level": "fatal", "handled": "no", "mechanism": "signalhandler"}


def test_unity_os_and_device():
    tags = derived_tags(normalized("unity_csharp.json"))
    assert tags["os"] == "Mac OS X 10.14.0" and tags["device"] == "MacBookPro14,3"


def test_the_sdks_own_tags_win_and_query_strings_are_left_out():
    event = normalized(
        "javascript_raven_promise.json", tags={"level": "custom"}, request={"url": "http://localhost:5001/?token=abc#x"}
    )
    tags = with_derived_tags(event)["tags"]
    assert tags["level"] == "custom" and tags["url"] == "http://localhost:5001/"
    assert tags["handled"] == "no" and tags["mechanism"] == "onunhandledrejection"


def test_electron_runtime_and_os():
    tags = derived_tags(normalized("electron_main_auto_ip.json"))
    assert (tags["runtime"], tags["runtime.name"]) == ("Electron 2.0.2", "Electron")
    assert (tags["os"], tags["os.name"]) == ("Mac OS X 10.13.6", "Mac OS X")
    assert tags["level"] == "fatal"


def test_browser_and_os_from_the_user_agent_when_no_context_says():
    tags = derived_tags(normalized("javascript_raven_promise.json"))
    assert (tags["browser"], tags["browser.name"]) == ("Chrome 64.0.3282.119", "Chrome")
    assert (tags["os"], tags["os.name"]) == ("Mac OS X 10.12.6", "Mac OS X")
    csp = derived_tags(normalized("csp_report_event.json"))  # coc_coc_browser says Chrome too
    assert (csp["browser"], csp["os"]) == ("Chrome 45.2.2454.109", "Windows 5.1")


def test_the_sdks_tags_come_first():
    event = with_derived_tags(normalized("unity_csharp.json"))
    assert list(event["tags"])[0] == "deviceUniqueIdentifier"
    assert {"level", "os", "device"} <= set(event["tags"])
