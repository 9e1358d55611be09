"""`issue_ids_matching`: the issue list's event-field and tag filters get issue ids from the store
(a DISTINCT / terms aggregation), every matching issue, on the SQL store and on OpenSearch."""

from __future__ import annotations

import os

import pytest

from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue
from errorhub.issues.search import filter_issues, parse_issue_query
from tests.dashboard.conftest import crash, record_event
from tests.events.stores.conftest import engine_configured

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture(params=["sql", "opensearch"])
def store(request, settings):
    if request.param == "sql":
        yield get_event_store()
        return
    url = os.environ.get("ERRORHUB_TEST_OPENSEARCH_URL")
    if not url:
        pytest.fail("ERRORHUB_TEST_OPENSEARCH_URL is not set (. .services/env)")
    with engine_configured(settings, "opensearch", url):
        yield get_event_store()


def _record(project, capture, group: str, **tags):
    with capture(execute=True):
        issue, _ = record_event(project, **crash(tags=tags, fingerprint=[group]))
    return issue


def test_every_issue_with_a_matching_event_once(world, store, django_capture_on_commit_callbacks):
    firefox = _record(world.project, django_capture_on_commit_callbacks, "ff", browser="Firefox")
    for _ in range(3):  # several matching events of one issue: still one id
        _record(world.project, django_capture_on_commit_callbacks, "ff", browser="Firefox")
    chrome = _record(world.project, django_capture_on_commit_callbacks, "chrome", browser="Chrome", region="eu")
    _record(world.other_project, django_capture_on_commit_callbacks, "elsewhere", browser="Firefox")
    store.refresh()

    ids = [world.project.pk]
    assert store.issue_ids_matching(parse_issue_query("browser:Firefox", project_ids=ids), ids) == {firefox.pk}
    both = store.issue_ids_matching(parse_issue_query("browser:[Firefox,Chrome]", project_ids=ids), ids)
    assert both == {firefox.pk, chrome.pk}
    found = filter_issues(
        Issue.objects.filter(project_id__in=ids),
        parse_issue_query("!browser:Chrome", project_ids=ids),
        me=world.member,
        project_ids=ids,
    )
    assert firefox in set(found)


def test_the_limit_bounds_the_answer(world, store, django_capture_on_commit_callbacks):
    for name in ("a", "b", "c"):
        _record(world.project, django_capture_on_commit_callbacks, name, browser="Firefox")
    store.refresh()
    ids = [world.project.pk]
    query = parse_issue_query("browser:Firefox", project_ids=ids)
    assert len(store.issue_ids_matching(query, ids)) == 3
    assert len(store.issue_ids_matching(query, ids, limit=2)) == 2
