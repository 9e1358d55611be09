"""A transaction's HTTP status code is read only from an integer or ASCII digits: a Unicode
digit such as "²" (``str.isdigit`` says yes, ``int`` says no) leaves it unset instead of
failing the whole envelope in the worker."""

from __future__ import annotations

import uuid

import pytest

from errorhub.events.models import StoredEvent, TraceLink
from ingest.models import DeadLetter
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def transaction(status_code: object, where: str = "data") -> dict:
    trace = {"trace_id": uuid.uuid4().hex, "span_id": "a" * 16, "op": "http.server", "status": "ok"}
    body = {
        "event_id": uuid.uuid4().hex,
        "type": "transaction",
        "transaction": "GET /cart",
        "start_timestamp": 1_764_000_000.0,
        "timestamp": 1_764_000_000.5,
        "contexts": {"trace": trace},
    }
    if where == "data":
        trace["data"] = {"http.response.status_code": status_code}
    else:
        body["tags"] = {"http.status_code": status_code}
    return body


@pytest.mark.parametrize(
    ("status_code", "where", "kept"),
    [
        ("²", "data", None),
        ("١٢٣", "tags", None),
        ("404", "tags", 404),
        (503, "data", 503),
        (10**12, "data", None),
        (True, "data", None),
    ],
)
def test_status_code_is_kept_only_when_it_is_one(client, world, status_code, where, kept):
    body, error = transaction(status_code, where), event()
    response = post_envelope(
        client,
        world,
        envelope(({"type": "event"}, error), ({"type": "transaction"}, body), headers={"event_id": error["event_id"]}),
    )
    assert response.status_code == 200, response.content
    link = TraceLink.objects.get(project=world.project, trace_id=body["contexts"]["trace"]["trace_id"])
    assert link.http_status == kept
    assert StoredEvent.objects.filter(project=world.project, event_id=error["event_id"]).exists()
    assert not DeadLetter.objects.exists()
