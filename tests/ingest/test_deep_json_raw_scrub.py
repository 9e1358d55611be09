"""JSON nested past the recursion limit, kept raw (an attachment, a dead-lettered body), is
still kept: scrubbed as text instead of walked (``ingest.protocol.scrub_raw``), never a worker crash,
never a lost dead letter."""

from __future__ import annotations

import time

import pytest

from errorhub.events.models import Attachment, StoredEvent
from ingest.deadletters import dead_letter_store
from ingest.models import DeadLetter
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

DEPTH = 5000  # json.loads raises RecursionError long before this


def deep_json(secret: str) -> bytes:
    return ('{"k":' * DEPTH + f'{{"password":"{secret}"}}' + "}" * DEPTH).encode()


def test_deeply_nested_json_attachment_is_kept_scrubbed(client, world):
    body = event()
    attachment = (
        {"type": "attachment", "filename": "state.json", "content_type": "application/json"},
        deep_json("hunter2"),
    )
    response = post_envelope(
        client, world, envelope(({"type": "event"}, body), attachment, headers={"event_id": body["event_id"]})
    )

    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
    kept = bytes(Attachment.objects.get(project=world.project, event_id=body["event_id"]).data)
    assert kept.count(b"{") == DEPTH + 1 and b"hunter2" not in kept
    assert not DeadLetter.objects.exists()


@pytest.mark.parametrize("kind", ["store", "security", "logs", "otlp"])
def test_deeply_nested_dead_lettered_body_is_stored_scrubbed(world, kind):
    payload = {
        "v": 1,
        "kind": kind,
        "project_id": world.project.pk,
        "data": deep_json("hunter2").decode(),
        "b64": False,
        "received_at": time.time(),
        "client": "tests/1.0",
    }

    dead_letter_store(task="ingest.process_batch", payload=payload, error="boom", tb="", attempts=5)

    letter = DeadLetter.objects.get()
    assert letter.payload["kind"] == kind and letter.payload["data"].count("{") == DEPTH + 1
    assert "hunter2" not in letter.payload["data"]
