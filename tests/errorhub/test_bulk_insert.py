"""``errorhub.bulk.bulk_insert``: COPY on PostgreSQL, bulk_create elsewhere, same rows either way
(dead letters: a JSON column; outbox rows: JSON text)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from errorhub.bulk import bulk_insert
from errorhub.events.models import IndexOutbox
from ingest.models import DeadLetter

pytestmark = pytest.mark.django_db

# what attacker-controlled event text can hold: COPY's own delimiters and escapes included
AWKWARD = "tab\there\nnew line \\N back\\slash \"quoted\" 'single' \u00e9\u4e2d\U0001f600 \x7f end"


def _document(n: int) -> dict:
    return {
        "event_id": f"{n:032x}",
        "message": AWKWARD,
        "tags": [f"k{n}={AWKWARD}"],
        "nested": {"a": [1, 2.5, None, True, {"deep": AWKWARD}]},
        "empty": {},
        "none": None,
        7: "int key",
    }


@pytest.mark.sqlite
def test_json_rows_come_back_exactly_as_given() -> None:
    bulk_insert([DeadLetter(task="t", project_id=n, payload=_document(n), error=AWKWARD) for n in range(50)])

    rows = list(DeadLetter.objects.order_by("project_id"))
    assert [r.project_id for r in rows] == list(range(50))
    expected = _document(3)
    expected["7"] = expected.pop(7)  # JSON object keys are strings, as json.dumps would write them
    assert rows[3].payload == expected
    assert rows[3].error == AWKWARD
    assert all(r.first_failed_at is not None and r.attempts == 0 and r.traceback == "" for r in rows)


@pytest.mark.sqlite
def test_outbox_rows_keep_their_json_text() -> None:
    bulk_insert(
        [
            IndexOutbox.of(project_id=1, issue_id=n, document={**_document(n), "timestamp": "2026-11-26T10:00:00Z"})
            for n in range(50)
        ]
    )

    rows = list(IndexOutbox.objects.order_by("issue_id"))
    assert [r.issue_id for r in rows] == list(range(50))
    expected = _document(3)
    expected["7"] = expected.pop(7)
    assert rows[3].decoded() == {**expected, "timestamp": "2026-11-26T10:00:00Z"}
    assert (rows[3].event_id, rows[3].timestamp) == (f"{3:032x}", "2026-11-26T10:00:00Z")
    assert all(r.created_at is not None and r.attempts == 0 and r.last_error == "" for r in rows)


@pytest.mark.sqlite
def test_empty_list_is_a_no_op() -> None:
    bulk_insert([])
    assert IndexOutbox.objects.count() == 0


@pytest.mark.sqlite
def test_rows_roll_back_with_the_callers_transaction() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        bulk_insert([IndexOutbox.of(project_id=1, issue_id=1, document={"event_id": "a" * 32})])
        raise RuntimeError("the batch failed later")
    assert IndexOutbox.objects.count() == 0


def test_postgresql_uses_copy() -> None:
    """The main run is on PostgreSQL (the SQLite run selects only ``sqlite``-marked tests)."""
    assert connection.vendor == "postgresql"

    with CaptureQueriesContext(connection) as queries:
        bulk_insert([IndexOutbox.of(project_id=1, issue_id=n, document={"n": n}) for n in range(20)])
        bulk_insert([DeadLetter(task="t", payload={"n": n}, error="e") for n in range(5)])
    assert IndexOutbox.objects.count() == 20 and DeadLetter.objects.count() == 5
    assert not any("INSERT" in q["sql"].upper() for q in queries.captured_queries)
