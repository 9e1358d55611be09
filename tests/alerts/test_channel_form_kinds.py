"""The channel form groups its fields per kind (``data-kinds`` for alerts.js to show only the
chosen kind's); without JS every group is shown, and the server reads and validates only the
chosen kind's fields."""

from __future__ import annotations

import re

import pytest

from alerts.models import Channel
from errorhub.dashboard.alerts_forms import ChannelForm

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def owner(client, world):
    world.project.organization.owners.add(world.member)
    client.force_login(world.member)
    return client


def groups(html: str) -> dict[str, str]:
    return dict(re.findall(r'<fieldset class="group group-(\w+)"(?: data-kinds="([^"]*)")?>', html))


def test_new_channel_form_has_one_group_per_kind(owner):
    html = owner.get("/alerts/channels/new/").content.decode()
    assert groups(html) == {
        "channel": "",
        "slack": "slack",
        "url": "slack_webhook webhook",
        "email": "email",
    }
    for name in ("slack_channel", "slack_name", "url", "addresses", "team"):
        assert f'name="{name}"' in html  # all shown without JS
    assert "errorhub/alerts.js" in html


@pytest.mark.parametrize(
    "kind, fields, config",
    [
        ("slack", {"slack_channel": "C0OPS", "slack_name": "#ops"}, {"channel": "C0OPS", "name": "#ops"}),
        (
            "slack_webhook",
            {"url": "https://hooks.slack.com/services/T/B/x"},
            {"url": "https://hooks.slack.com/services/T/B/x"},
        ),
        ("email", {"addresses": "ops@example.com"}, {"addresses": ["ops@example.com"]}),
    ],
)
def test_only_the_chosen_kinds_fields_are_validated_and_kept(owner, world, kind, fields, config):
    """Another kind's fields, invalid and all (as a no-JS page sends them), change nothing."""
    leftovers = {
        "slack_channel": "#not-an-id",
        "url": "ftp://not-allowed",
        "addresses": "not-an-address",
        "team": "999999",
    }
    others = {k: v for k, v in leftovers.items() if k not in ChannelForm.KIND_FIELDS[kind]}
    data = {"name": "ops", "organization": world.project.organization.pk, "kind": kind, **others, **fields}
    response = owner.post("/alerts/channels/new/", data)
    assert response.status_code in (200, 302), response.content.decode()[-2000:]
    channel = Channel.objects.get()
    assert channel.kind == kind
    assert {k: v for k, v in channel.config.items() if k != "secret"} == config


def test_the_chosen_kinds_errors_still_show(owner, world):
    data = {"name": "ops", "organization": world.project.organization.pk, "kind": "email", "addresses": "nope"}
    response = owner.post("/alerts/channels/new/", data)
    assert response.status_code == 400 and "is not an email address" in response.content.decode()
    assert not Channel.objects.exists()


def test_editing_shows_only_the_channels_own_kind(owner, world):
    channel = Channel.objects.create(
        organization=world.project.organization, name="hook", kind="webhook", config={"url": "https://x.example/h"}
    )
    html = owner.get(f"/alerts/channels/{channel.pk}/").content.decode()
    assert groups(html) == {"channel": "", "url": "slack_webhook webhook", "secret": "webhook"}
    assert 'name="kind"' not in html and 'name="addresses"' not in html
