"""An issue deleted while a batch is grouping onto it fails the batch whole (to be
retried, when it regroups), rather than committing claims and documents that point
at the deleted issue.

A real race on PostgreSQL: another connection holds the issue's row lock, the batch
reads the fingerprint, writes its outbox rows and then waits for that lock; the
other connection deletes the issue and commits; the batch's lock query then finds
no row. Run on both stores: the SQL store's foreign key would also refuse the
commit, the search-engine store has nothing but this check to stop it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from errorhub.events.models import IndexOutbox, SeenEvent
from errorhub.events.stores import get_event_store
from errorhub.issues.digest import events_record
from errorhub.issues.models import Issue
from ingest.protocol.search.query import parse_query
from tests.events.stores.conftest import engine_configured
from tests.factories import ProjectFactory
from tests.issues.events import sentry_event
from tests.races import issue_row_held_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["sql", "opensearch"])
def store(request: pytest.FixtureRequest, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sql":
        yield "sql"
        return
    with engine_configured(settings, "opensearch", request.getfixturevalue("opensearch_url")):
        yield "opensearch"


def test_batch_on_an_issue_deleted_meanwhile_rolls_back(store: str) -> None:
    assert connection.vendor == "postgresql", "row locks: the PostgreSQL run only"
    project = ProjectFactory()
    first = sentry_event(project, fingerprint="gone")
    (issue_id,) = events_record(project=project, events=[first]).changes
    claimed_before, waiting_before = SeenEvent.objects.count(), IndexOutbox.objects.count()

    def delete() -> None:
        Issue.objects.filter(pk=issue_id).delete()

    with issue_row_held_elsewhere(issue_id, then=delete, who="the batch"):
        with pytest.raises(Issue.DoesNotExist, match=str(issue_id)):
            events_record(project=project, events=[sentry_event(project, fingerprint="gone")])

    assert not Issue.objects.filter(pk=issue_id).exists()
    assert SeenEvent.objects.count() == claimed_before, "nothing of the failed batch was committed"
    assert IndexOutbox.objects.count() == waiting_before
    if store == "opensearch":  # only the first, committed event was indexed
        engine = get_event_store()
        engine.refresh()  # type: ignore[attr-defined]
        found = engine.search(parse_query(""), [project.pk], limit=100).events
        assert [e["event_id"] for e in found] == [first["event_id"]], found
