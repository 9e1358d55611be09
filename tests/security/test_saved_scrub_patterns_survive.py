"""Scrub settings saved before RE2 checked them (a look-ahead, a back-reference) do not
dead-letter a project's events: ingest leaves the refused pattern out — logged once per
process, named on the project's settings page — and every other rule still scrubs.
Saving such a pattern is still refused."""

from __future__ import annotations

import logging

import pytest

from errorhub.accounts.models import Project
from errorhub.events.models import StoredEvent
from ingest.models import DeadLetter
from ingest.protocol import scrub
from tests.ingest.helpers import event, event_envelope, post_envelope, stored_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

LOOKAHEAD = r"secret(?=word)"
BACKREFERENCE = r"(ab)\1"
CARD = "4111 1111 1111 1111"


def _saved_before_the_check(project: Project) -> None:
    """Written straight to the database, as a project upgraded from Python ``re`` has it."""
    Project.objects.filter(pk=project.pk).update(
        scrub_patterns=f"{LOOKAHEAD}\nORD-\\d{{6}}\n{BACKREFERENCE}", scrub_rules=["password", "creditcard", "gone"]
    )


def test_event_of_a_project_with_a_refused_saved_pattern_is_stored_and_scrubbed(client, world, caplog, monkeypatch):
    _saved_before_the_check(world.project)
    monkeypatch.setattr(scrub, "_warned", set())  # as in a fresh worker process
    caplog.set_level(logging.WARNING, logger="ingest.protocol.scrub")
    bodies = [event(message=f"refund ORD-123456 paid with {CARD} secretword") for _ in range(2)]
    for body in bodies:
        assert post_envelope(client, world, event_envelope(body)).status_code == 200

    assert not DeadLetter.objects.filter(project_id=world.project.pk).exists()
    assert StoredEvent.objects.filter(project=world.project).count() == 2
    message = stored_event(world, bodies[0]["event_id"])["message"]
    assert "ORD-123456" not in message and "4111" not in message and "[Filtered]" in message
    assert "secretword" in message, "the refused look-ahead pattern is left out, not half-applied"
    warned = [r.getMessage() for r in caplog.records if "scrub setting left out" in r.getMessage()]
    assert sum(LOOKAHEAD in line for line in warned) == 1, "logged once per process, not per payload"


def test_settings_page_names_the_refused_saved_patterns(client, world):
    _saved_before_the_check(world.project)
    client.force_login(world.owner)
    page = client.get("/projects/acme/shop/").content.decode()
    assert "not applied" in page
    assert "secret(?=word)" in page and "(ab)\\1" in page and "unknown scrub rule &#x27;gone&#x27;" in page


def test_saving_a_look_ahead_pattern_is_still_refused(client, world):
    response = world.api(world.owner).patch("/api/0/projects/acme/shop/", {"scrub_patterns": LOOKAHEAD}, format="json")
    assert response.status_code == 400, response.content
    assert "scrub_patterns" in response.json()
    world.project.refresh_from_db()
    assert world.project.scrub_patterns == ""
