"""The alert forms in Debian's Chromium: the channel form shows only the chosen kind's fields
(the others hidden and not submitted), and the rule form's preview follows the edits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from alerts.models import Channel
from tests.alerts.conftest import make_event, record
from tests.browser import launched_chromium, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def tab(chromium, live_server, world) -> Iterator[Any]:
    """An organisation owner, logged in; no script dialog, console error or failed request allowed."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))
    # a console 404 names no URL: failed requests are checked by URL below (the favicon aside)
    tab.on(
        "console", lambda m: problems.append(f"console {m.text}") if m.type == "error" and "404" not in m.text else None
    )
    tab.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    world.project.organization.owners.add(world.member)
    tab.goto("/login/")
    tab.fill("#id_username", world.member.username)
    tab.fill("#id_password", "pw-for-tests-123")
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    yield tab
    context.close()
    assert not problems


def test_switching_the_channel_kind_shows_only_its_fields(tab, world):
    tab.goto("/alerts/channels/new/")
    slack, url, email = (tab.locator(f"fieldset.group-{k}") for k in ("slack", "url", "email"))
    tab.select_option("#id_kind", "slack")
    expect(slack).to_be_visible()
    expect(url).to_be_hidden()
    expect(email).to_be_hidden()
    tab.fill("#id_slack_channel", "C0TYPED")  # typed, then the kind changes: it must not be sent

    tab.select_option("#id_kind", "email")
    expect(email).to_be_visible()
    expect(slack).to_be_hidden()
    expect(url).to_be_hidden()
    expect(tab.locator("#id_slack_channel")).to_be_disabled()
    tab.select_option("#id_kind", "webhook")
    expect(url).to_be_visible()
    expect(email).to_be_hidden()
    tab.select_option("#id_kind", "email")
    tab.fill("#id_name", "ops mail")
    tab.fill("#id_addresses", "ops@example.com")
    shoot(tab, "alert-channel")

    tab.click("form.channel-form button[type=submit]")
    tab.wait_for_url("**/alerts/channels/*/")
    channel = Channel.objects.get()
    assert (channel.kind, channel.config) == ("email", {"addresses": ["ops@example.com"]})


def test_editing_a_rule_updates_the_preview(tab, world):
    record(world.project, make_event(environment="production", message="checkout failed"))
    record(
        world.project,
        make_event(
            environment="staging",
            exception={"values": [{"type": "KeyError", "value": "x", "stacktrace": {"frames": []}}]},
        ),
    )
    tab.goto("/alerts/rules/new/")
    preview = tab.locator("#rule-preview")
    expect(preview).to_contain_text("Not a rule yet")  # nothing filled: the form's errors, no failed request
    tab.fill("#id_name", "production only")
    tab.select_option("#id_scope", f"p{world.project.pk}")
    expect(tab.locator("#id_frequency_count")).to_be_hidden()  # a trigger's parameters follow its box
    tab.check("input[name=triggers][value=frequency]")
    expect(tab.locator("#id_frequency_count")).to_be_visible()
    expect(tab.locator("#id_spike_factor")).to_be_hidden()
    tab.uncheck("input[name=triggers][value=frequency]")
    expect(tab.locator("#id_frequency_count")).to_be_hidden()
    tab.check("input[name=triggers][value=new_issue]")
    expect(preview.locator(".preview-matches li")).to_have_count(2)
    expect(preview).to_contain_text("2 would have fired")

    tab.fill("#id_environments", "production")
    expect(preview.locator(".preview-matches li")).to_have_count(1)
    expect(preview).to_contain_text("1 would have fired")
    tab.fill("#id_message_regex", "(unclosed")
    expect(preview).to_contain_text("not a valid regular expression")
    tab.fill("#id_message_regex", "checkout")
    expect(preview.locator(".preview-matches li")).to_have_count(1)
    tab.fill("#id_environments", "nowhere")
    expect(preview).to_contain_text("would have stayed quiet")
    tab.fill("#id_environments", "production")
    expect(preview.locator(".preview-matches li")).to_have_count(1)
    assert tab.locator("fieldset.group > legend").all_inner_texts()[:4] == [
        "Rule",
        "1. Trigger",
        "2. Filters",
        "3. Channels",
    ]
    shoot(tab, "alert-rule")
