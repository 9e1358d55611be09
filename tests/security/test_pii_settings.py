"""Per-project scrubbing settings: the dashboard form and the REST API switch each
rule on or off, reject a bad config with a message, and ingest follows them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ingest.protocol.scrub import DEFAULT_RULES, RULES
from tests.ingest.helpers import event, event_envelope, post_envelope
from tests.personas import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

SSN = "078-05-1120"
FORM = {"allowed_origins": "*", "rate_limit_per_minute": 0, "retention_days": 90, "quiet_period_days": 14}


def test_new_projects_get_sentrys_default_set(world: World):
    assert world.project.scrub_rules == list(DEFAULT_RULES)
    assert "email" not in world.project.scrub_rules and not world.project.scrub_ip_addresses


def test_dashboard_form_shows_and_saves_each_rule(client: Client, world: World):
    client.force_login(world.member)
    page = client.get("/projects/acme/shop/").content.decode()
    for name, label in RULES.items():
        assert f'value="{name}"' in page and label.split(" (")[0] in page
    assert page.count("checked") >= len(DEFAULT_RULES)

    rules = ["creditcard", "password", "email"]
    response = client.post(
        "/projects/acme/shop/",
        {
            **FORM,
            "scrub_rules": rules,
            "scrub_ip_addresses": "on",
            "scrub_fields": "order_ref",
            "scrub_patterns": r"ORD-\d+",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.project.refresh_from_db()
    assert world.project.scrub_rules == rules and world.project.scrub_ip_addresses
    assert (world.project.scrub_fields, world.project.scrub_patterns) == ("order_ref", r"ORD-\d+")


def test_dashboard_form_names_a_bad_pattern(client: Client, world: World):
    client.force_login(world.member)
    response = client.post(
        "/projects/acme/shop/", {**FORM, "scrub_rules": list(DEFAULT_RULES), "scrub_patterns": "(unclosed"}
    )
    assert response.status_code == 400
    assert "invalid scrub pattern &#x27;(unclosed&#x27;" in response.content.decode()
    response = client.post("/projects/acme/shop/", {**FORM, "scrub_rules": ["ssn"]})
    assert response.status_code == 400 and "ssn is not one of the available choices" in response.content.decode()
    world.project.refresh_from_db()
    assert world.project.scrub_rules == list(DEFAULT_RULES) and world.project.scrub_patterns == ""


def test_api_reads_and_changes_the_rules(world: World):
    api = world.api(world.member)
    assert api.get("/api/0/projects/acme/shop/").json()["scrub_rules"] == list(DEFAULT_RULES)
    response = api.patch("/api/0/projects/acme/shop/", {"scrub_rules": ["password", "iban", "iban"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["scrub_rules"] == ["password", "iban"]
    world.project.refresh_from_db()
    assert world.project.scrub_rules == ["password", "iban"]
    listed = {p["slug"]: p for p in api.get("/api/0/projects/").json()}
    assert listed["shop"]["scrub_rules"] == ["password", "iban"]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"scrub_rules": ["ssn"]}, "scrub_rules", "not a valid choice"),
        ({"scrub_rules": "creditcard"}, "scrub_rules", "list"),
        ({"scrub_patterns": "a*"}, "scrub_patterns", "matches the empty string"),
        ({"scrub_ip_addresses": "perhaps"}, "scrub_ip_addresses", "valid boolean"),
    ],
)
def test_api_names_what_was_wrong(world: World, body, field, fragment):
    response = world.api(world.member).patch("/api/0/projects/acme/shop/", body, format="json")
    assert response.status_code == 400, response.content
    assert fragment in json.dumps(response.json()[field])
    world.project.refresh_from_db()
    assert world.project.scrub_rules == list(DEFAULT_RULES) and world.project.scrub_patterns == ""


def test_outsider_cannot_see_or_change_the_settings(world: World):
    api = world.api(world.outsider)
    assert api.get("/api/0/projects/acme/shop/").status_code == 404
    assert api.patch("/api/0/projects/acme/shop/", {"scrub_rules": []}, format="json").status_code == 404
    world.project.refresh_from_db()
    assert world.project.scrub_rules == list(DEFAULT_RULES)


def test_ingest_follows_the_setting_changed_through_the_api(client: Client, world: World):
    def stored_messages() -> str:
        api = world.api(world.owner)
        return json.dumps(
            [
                api.get(f"/api/0/issues/{i['id']}/events/?full=true").json()
                for i in api.get("/api/0/projects/acme/shop/issues/?query=").json()
            ]
        )

    assert post_envelope(client, world, event_envelope(event(message=f"ssn {SSN} first"))).status_code == 200
    assert SSN not in stored_messages()
    rules = [rule for rule in DEFAULT_RULES if rule != "usssn"]
    assert (
        world.api(world.owner).patch("/api/0/projects/acme/shop/", {"scrub_rules": rules}, format="json").status_code
        == 200
    )
    assert post_envelope(client, world, event_envelope(event(message=f"ssn {SSN} second"))).status_code == 200
    assert f"ssn {SSN} second" in stored_messages()
