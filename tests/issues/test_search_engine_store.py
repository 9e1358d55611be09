"""Issue search and autocomplete with events in OpenSearch (the search-engine store): tags
known, values suggested, and nothing from a project the caller cannot see."""

from __future__ import annotations

import os

import pytest

from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue
from errorhub.issues.search import filter_issues, parse_issue_query, tag_key_seen
from errorhub.issues.search_suggest import suggest
from ingest.protocol.search.query import QueryError
from tests.dashboard.conftest import crash, record_event
from tests.events.stores.conftest import engine_configured

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def engine(settings):
    url = os.environ.get("ERRORHUB_TEST_OPENSEARCH_URL")
    if not url:
        pytest.fail("ERRORHUB_TEST_OPENSEARCH_URL is not set (. .services/env)")
    with engine_configured(settings, "opensearch", url):
        yield get_event_store()


@pytest.fixture
def indexed(world, engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mine, _ = record_event(world.project, **crash(tags={"browser": "Firefox", "region": "eu"}))
    with django_capture_on_commit_callbacks(execute=True):
        record_event(world.other_project, **crash(tags={"tenant": "globex"}))
    engine.refresh()
    return mine


def test_tags_are_known_per_project(world, indexed):
    assert tag_key_seen("browser", [world.project.pk])
    assert not tag_key_seen("tenant", [world.project.pk])
    assert tag_key_seen("tenant", [world.other_project.pk])


def test_issue_search_with_a_tag_and_an_unknown_key(world, indexed):
    ids = [world.project.pk]
    query = parse_issue_query("browser:Firefox is:unresolved", project_ids=ids)
    found = filter_issues(Issue.objects.filter(project_id__in=ids), query, me=world.member, project_ids=ids)
    assert list(found) == [indexed]
    with pytest.raises(QueryError, match="Unknown search key `tenant`"):
        parse_issue_query("tenant:globex", project_ids=ids)


def test_autocomplete_from_the_engine_stays_in_scope(world, indexed):
    def labels(text: str) -> list[str]:
        body = suggest(user=world.member, projects=[world.project], text=text, cursor=len(text))
        return [s["label"] for s in body["suggestions"]]

    assert labels("reg") == ["region:"]
    assert labels("browser:F") == ["Firefox"]
    assert labels("ten") == [] and labels("tenant:") == []
