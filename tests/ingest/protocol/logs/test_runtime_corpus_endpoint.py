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
# the format the view answers: the wrapper most lines were written in
_ANSWERED = {
    "syslog5424": "syslog",
    "syslog3164": "syslog",
    "interleaved": "syslog",
    "timestamped": "plain",
    "logprefix": "plain",
    "compose": "plain",
    "pidprefix": "plain",
    "pylogging": "plain",
}


def _post(client: Any, world: Any, body: bytes, content_type: str) -> Any:
    return client.generic(
        "POST", f"/api/{world.project.pk}/logs/?sentry_key={world.key.public_key}", body, content_type=content_type
    )


def _stored_events(project_id: int) -> list[dict[str, Any]]:
    store = get_event_store()
    store.refresh()
    events: list[dict[str, Any]] = []
    for issue in Issue.objects.filter(project_id=project_id):
        events.extend(store.list_for_issue(issue.id, limit=500).events)
    return events


# what `curl --data-binary @app.log URL` sends (curl's default for --data), and no header at all
CURL = "application/x-www-form-urlencoded"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_every_trace_in_the_wrapper_is_stored_as_its_event(client: Any, world: Any, wrapper: str) -> None:
    files: list[WrappedFile] = wrapped_files(wrapper)
    for number, wrapped in enumerate(files):
        response = _post(client, world, wrapped.body, CURL if number % 2 else "")
        assert response.status_code == 200, response.content
        assert response.json()["format"] == _ANSWERED.get(wrapper, wrapper)
    traces = tuple(trace for wrapped in files for trace in wrapped.traces)
    report, leftover = match_traces(_stored_events(world.project.pk), traces)
    assert {program: found for program, found in report.items() if found} == {}
    assert leftover == 0
