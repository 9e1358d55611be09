"""``errorhub.bulk.bulk_insert``: COPY on PostgreSQL, bulk_create elsewhere, same rows either way."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from errorhub.bulk import bulk_insert
from ingest.models import IndexOutbox

pytestmark = pytest.mark.django_db

# what attacker-controlled event text can hold: COPY's own delimiters and escapes included
AWKWARD = "tab\there\nnew line \\N back\\slash \"quoted\" 'single' \u00e9\u4e2d\U0001f600 \x7f end"


def _document(n: int) -> dict:
    return {"event_id": f"{n:032x}", "message": AWKWARD, "tags": [f"k{n}={AWKWARD}"], "nested": {"a": [1, 2.5, None,
            True, {"deep": AWKWARD}]}, "empty": {}, "none": None, 7: "int key"}


@pytest.mark.sqlite
def test_rows_come_back_exactly_as_given() -> None:
    bulk_insert([IndexOutbox(project_id=1, issue_id=n, event_id=f"{n:032x}", document=_document(n))
                 for n in range(50)])

    rows = list(IndexOutbox.objects.order_by("issue_id"))
    assert [r.issue_id for r in rows] == list(range(50))
    expected = _document(3)
    expected["7"] = expected.pop(7)  # JSON object keys are strings, as json.dumps would write them
    assert rows[3].document == expected
    assert rows[3].event_id == f"{3:032x}"
    assert all(r.created_at is not None and r.attempts == 0 and r.last_error == "" for r in rows)


@pytest.mark.sqlite
def test_empty_list_is_a_no_op() -> None:
    bulk_insert([])
    assert IndexOutbox.objects.count() == 0


@pytest.mark.sqlite
def test_rows_roll_back_with_the_callers_transaction() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        bulk_insert([IndexOutbox(project_id=1, issue_id=1, event_id="a" * 32, document={"x": 1})])
        raise RuntimeError("the batch failed later")
    assert IndexOutbox.objects.count() == 0


def test_postgresql_uses_copy() -> None:
    """The main run is on PostgreSQL (the SQLite run selects only ``sqlite``-marked tests)."""
    assert connection.vendor == "postgresql"

    with CaptureQueriesContext(connection) as queries:
        bulk_insert([IndexOutbox(project_id=1, issue_id=n, event_id="b" * 32, document={"n": n}) for n in range(20)])
    assert IndexOutbox.objects.count() == 20
    assert not any("INSERT" in q["sql"].upper() for q in queries.captured_queries)
