"""The rule form reads in the order a rule works: trigger → filters → channels, each a
fieldset with a legend and help, every field in exactly one of them."""

from __future__ import annotations

import re

import pytest

from alerts.models import Channel
from errorhub.dashboard.alerts_forms import RuleForm
from tests.alerts.conftest import rule, slack_channel

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def member(client, world):
    client.force_login(world.member)
    return client


def legends(html: str) -> list[str]:
    """The legends of the form's own groups (a multiple-choice field nests its own fieldset)."""
    return re.findall(r'<fieldset class="group[^"]*"[^>]*>\s*<legend>([^<]+)</legend>', html)


def test_new_rule_page_has_the_three_fieldsets_in_order(member):
    html = member.get("/alerts/rules/new/").content.decode()
    assert legends(html) == ["Rule", "1. Trigger", "2. Filters", "3. Channels"]
    trigger, filters, channels = (html.index(f'class="group group-{k}"') for k in ("trigger", "filters", "channels"))
    assert trigger < filters < channels
    assert html.index('name="triggers"') < filters < html.index('name="environments"') < channels
    assert html.index('name="min_interval_seconds"') > channels
    assert "every filter you fill must match" in html  # the fieldset's help
    assert "No channel yet: add one under Channels" in html
    assert 'data-preview-url="/alerts/rules/preview/"' in html and 'id="rule-preview"' in html
    assert "errorhub/alerts.js" in html and "errorhub/alerts.css" in html


def test_every_field_is_in_exactly_one_fieldset(world):
    form = RuleForm(
        projects=[world.project], organizations=[world.project.organization], channels=Channel.objects.none()
    )
    placed = [f.name for fs in form.fieldsets() for f in fs.fields]
    assert sorted(placed) == sorted(form.fields) and len(placed) == len(set(placed))


def test_errors_stay_next_to_their_field_in_its_fieldset(member, world):
    response = member.post(
        "/alerts/rules/new/",
        {"name": "x", "scope": f"p{world.project.pk}", "triggers": ["spike"], "min_interval_seconds": 300},
    )
    html = response.content.decode()
    assert response.status_code == 400
    group = html.split('class="group group-trigger"')[1].split('class="group group-filters"')[0]
    assert "the spike trigger needs k" in group and "field-spike_factor has-error" in group


def test_an_existing_rule_is_edited_in_the_same_layout(member, world):
    r = rule(world.project, slack_channel(world.project.organization), name="checkout")
    html = member.get(f"/alerts/rules/{r.pk}/").content.decode()
    assert legends(html)[-4:] == ["Rule", "1. Trigger", "2. Filters", "3. Channels"]
    assert 'value="new_issue"' in html.split('class="group group-trigger"')[1].split('class="group group-filters"')[0]
