"""The runtime corpus through the real door: each wrapped file is posted to
``/api/<id>/logs/`` with no ``format=`` and no Content-Type (as ``curl --data-binary``
without ``-H`` or a bare log drain sends it), the worker turns it into events, and every
trace must be stored as its right event — type, value, frames, platform — keeping the
timestamp its wrapper gave it, though that is more than a year old."""

from __future__ import annotations

from typing import Any

import pytest

from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue
from tests.ingest.protocol.logs.runtime_corpus import WrappedFile, match_traces, wrapped_files

pytestmark = pytest.mark.sqlite

WRAPPERS = sorted({f.wrapper for f in wrapped_files()})


def _post(client: Any, world: Any, body: bytes) -> Any:
    # no content_type: Django's test client would otherwise send one
    return client.generic("POST", f"/api/{world.project.pk}/logs/?sentry_key={world.key.public_key}", body,
                          content_type="")


def _stored_events(project_id: int) -> list[dict[str, Any]]:
    store = get_event_store()
    store.refresh()
    events: list[dict[str, Any]] = []
    for issue in Issue.objects.filter(project_id=project_id):
        events.extend(store.list_for_issue(issue.id, limit=500).events)
    return events


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_every_trace_in_the_wrapper_is_stored_as_its_event(client: Any, world: Any, wrapper: str) -> None:
    files: list[WrappedFile] = wrapped_files(wrapper)
    for wrapped in files:
        response = _post(client, world, wrapped.body)
        assert response.status_code == 200, response.content
    traces = tuple(trace for wrapped in files for trace in wrapped.traces)
    report, leftover = match_traces(_stored_events(world.project.pk), traces)
    assert {program: found for program, found in report.items() if found} == {}
    assert leftover == 0
