"""An issue deleted between grouping and counting fails the batch whole (to be retried),
rather than committing claims and documents that point at the deleted issue."""

from __future__ import annotations

import pytest

from errorhub.models import Issue
from errorhub.services import grouping_store
from errorhub.services.grouping_store import events_record
from ingest.models import SeenEvent
from tests.core.events import sentry_event
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_batch_on_a_deleted_issue_rolls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    project = ProjectFactory()
    (issue_id,) = events_record(project=project, events=[sentry_event(project, fingerprint="gone")]).changes
    stale = Issue.objects.get(pk=issue_id)
    Issue.objects.filter(pk=issue_id).delete()
    # grouping still believes the issue exists (it read GroupHash before the delete committed)
    monkeypatch.setattr(grouping_store, "_known_issues", lambda project, hashes_: {h: stale for h in hashes_})
    claimed_before = SeenEvent.objects.count()

    with pytest.raises(Issue.DoesNotExist, match=str(issue_id)):
        events_record(project=project, events=[sentry_event(project, fingerprint="gone")])

    assert SeenEvent.objects.count() == claimed_before, "nothing of the failed batch was committed"
