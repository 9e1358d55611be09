"""A bug in ErrorHub (TypeError, KeyError ... from our own code) is never dressed up as the
client's bad data: the payload is retried, then dead-lettered with the error, and the
failure is logged at error level with its traceback (what sentry-sdk reports)."""

from __future__ import annotations

import logging
import uuid

import pytest

from errorhub.events.models import StoredEvent
from ingest import processing
from ingest.models import DeadLetter, IngestCounter
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def _buggy_handler(*args, **kwargs):
    raise KeyError("monitor_config")  # stands in for a bug of ours in a handler


def test_key_error_in_a_handler_dead_letters_the_payload(client, world, monkeypatch, caplog):
    monkeypatch.setitem(processing._ITEM_HANDLERS, "check_in", _buggy_handler)
    body = event()
    check_in = {"check_in_id": uuid.uuid4().hex, "monitor_slug": "nightly-export", "status": "ok"}
    with caplog.at_level(logging.ERROR, logger="ingest.processing"):
        response = post_envelope(
            client,
            world,
            envelope(
                ({"type": "event"}, body), ({"type": "check_in"}, check_in), headers={"event_id": body["event_id"]}
            ),
        )
    assert response.status_code == 200
    letter = DeadLetter.objects.get(project_id=world.project.pk)
    assert letter.error.startswith("KeyError") and "monitor_config" in letter.traceback
    assert letter.payload["kind"] == "envelope"
    assert not IngestCounter.objects.filter(project_id=world.project.pk, outcome="invalid").exists()
    assert not StoredEvent.objects.filter(event_id=body["event_id"]).exists(), "kept in the dead letter, replayable"
    reported = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert reported and reported[0].exc_info[0] is KeyError
