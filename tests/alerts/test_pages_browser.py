"""The Alerts pages in a real browser: Debian's Chromium through Playwright against a live
ErrorHub, Slack played by the local stand-in: create a channel and a rule, send a test alert."""

from __future__ import annotations

import pytest

from alerts.models import Channel, Delivery, Rule
from tests.browser import launched_chromium, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def tab(chromium, live_server, world):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    dialogs: list[str] = []
    console: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.on("console", lambda m: console.append(m.text) if m.type == "error" and "404" not in m.text else None)
    missing: list[str] = []
    tab.on("response", lambda r: missing.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    world.project.organization.owners.add(world.member)  # owners manage channels
    tab.goto("/login/")
    tab.fill("#id_username", world.member.username)
    tab.fill("#id_password", "pw-for-tests-123")
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    yield tab
    context.close()
    assert not dialogs, f"a dialog fired (script ran): {dialogs}"
    assert not console, f"console errors (CSP violations?): {console}"
    assert not missing, f"failed requests: {missing}"


def test_create_slack_channel_and_rule_then_send_a_test_alert(tab, world, slack):
    tab.click("header nav >> text=Alerts")
    tab.wait_for_url("**/alerts/")
    tab.click("text=Channels")
    tab.click("text=New channel")
    tab.fill("#id_name", "ops <b>room</b>")
    tab.select_option("#id_kind", "slack")
    tab.fill("#id_slack_channel", "C0ALERTS")
    tab.fill("#id_slack_name", "#ops")
    tab.click("form.channel-form button[type=submit]")
    tab.wait_for_url("**/alerts/channels/*/")
    channel = Channel.objects.get()
    assert "Channel “ops <b>room</b>” created." in tab.inner_text("ul.messages")

    tab.goto("/alerts/rules/new/")
    tab.fill("#id_name", "checkout crashes")
    tab.select_option("#id_scope", f"p{world.project.pk}")
    tab.fill("#id_environments", "production")
    tab.fill("#id_message_regex", "basket|cart")
    tab.check("input[name=triggers][value=new_issue]")
    tab.check(f"input[name=channels][value='{channel.pk}']")
    tab.click("form.rule-form button[type=submit]")
    tab.wait_for_url("**/alerts/rules/*/")
    rule = Rule.objects.get()
    assert list(rule.channels.all()) == [channel] and rule.triggers == ["new_issue"]

    tab.goto("/alerts/channels/")
    row = tab.locator("table.channels tbody tr", has_text="ops <b>room</b>")
    row.locator("button", has_text="Send test alert").click()
    tab.wait_for_url("**/alerts/channels/")
    assert "Test alert queued" in tab.inner_text("ul.messages")  # queued; eager tasks have sent it by now
    [call] = slack.posted()
    assert call.args["channel"] == "C0ALERTS" and "test alert" in call.args["text"]

    tab.goto(f"/alerts/channels/{channel.pk}/")
    delivery = Delivery.objects.get()
    assert delivery.status == "sent" and delivery.slack_ts in tab.inner_text("table.deliveries")
    tab.goto("/alerts/")
    assert "checkout crashes" in tab.inner_text("table.rules")
    tab.goto("/alerts/deliveries/")
    assert delivery.slack_ts in tab.inner_text("table.deliveries")
    tab.goto(f"/alerts/channels/{channel.pk}/")
    shoot(tab, "alert-channel")
    assert len(slack.posted()) == 1  # exactly once
