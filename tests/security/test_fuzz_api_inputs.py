"""Hypothesis through the real API views: hostile bodies and query parameters get a
2xx or a 4xx with a ``detail``, never a 500 (issue #24.5: numbers and depth unbounded)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from errorhub.issues.models import Issue
from errorhub.middleware import ServerErrorCounterMiddleware
from tests.issues.events import issue_of
from tests.security.fuzzing import FUZZ, deep, json_text

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

numbers = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),  # the test client encodes JSON
    st.sampled_from(["1e30", "-1", "NaN", "Infinity", "60", "", "x", 1e30, 10**40]),
)
huge_integers = st.one_of(
    st.integers(min_value=10**300, max_value=10**400), st.integers(min_value=-(10**400), max_value=-(10**300))
)
offsets = st.sampled_from(["", "Z", "+00:00", "-14:00", "+14:00", "-23:59", "+05:30"])
date_times = st.one_of(
    st.builds(lambda when, zone: when.isoformat() + zone, st.datetimes(), offsets),  # naive, aware, year 1 to 9999
    st.sampled_from(
        [
            "2030-01-01T00:00:00",
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "2026-13-45T99:00:00",
            "9999-12-31T23:59:59-23:59",
        ]
    ),
)
wrong_types = st.one_of(
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
status_details = st.dictionaries(
    st.sampled_from(
        [
            "ignoreDuration",
            "ignoreCount",
            "ignoreUntilCount",
            "ignoreUntil",
            "ignoreReason",
            "inRelease",
            "inNextRelease",
            "assignee",
        ]
    ),
    st.one_of(
        numbers,
        huge_integers,
        date_times,
        wrong_types,
        st.text(max_size=30),
        st.text(min_size=190, max_size=260),
        json_text,
    ),
    max_size=4,
)
update_bodies = st.one_of(
    st.fixed_dictionaries(
        {"status": st.sampled_from(["ignored", "resolved", "acknowledged", "unresolved", "x"])},
        optional={
            "statusDetails": st.one_of(status_details, wrong_types),
            "reason": st.one_of(st.text(max_size=10), wrong_types, huge_integers),
            "assignedTo": st.one_of(st.text(max_size=10), wrong_types),
        },
    ),
    json_text,
)


API_FUZZ = settings(FUZZ, max_examples=20)  # each example is a few real requests


def _no_500(response) -> None:
    """A 2xx, or a 4xx that says something (``detail``, or DRF's per-field messages)."""
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response.json(), response.content[:300]


def _api(world) -> APIClient:
    """The member's API client, one token per test."""
    if not hasattr(world, "fuzz_api"):
        world.fuzz_api = world.api(world.member)
    return world.fuzz_api


def _issue(world) -> Issue:
    """One issue per test (examples share the test's database state)."""
    return Issue.objects.filter(project=world.project).first() or issue_of(world.project, "fuzz")


@API_FUZZ
@given(body=update_bodies)
def test_issue_update_bodies(world, body):
    issue = _issue(world)
    before = ServerErrorCounterMiddleware.count
    api = _api(world)
    _no_500(api.put(f"/api/0/issues/{issue.pk}/", body, format="json"))
    _no_500(api.put(f"/api/0/projects/acme/shop/issues/?id={issue.pk}", body, format="json"))
    assert ServerErrorCounterMiddleware.count == before


@API_FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["query", "limit", "per_page", "cursor", "statsPeriod"]),
        st.one_of(st.text(max_size=40), numbers.map(str)),
        max_size=4,
    )
)
def test_issue_list_parameters(world, params):
    _issue(world)
    response = _api(world).get("/api/0/projects/acme/shop/issues/", params)
    _no_500(response)


@API_FUZZ
@given(
    raw=st.one_of(
        json_text.map(json.dumps), st.integers(1, 20_000).map(lambda n: deep("[", "]", n)), st.text(max_size=40)
    )
)
def test_any_json_body_on_the_write_endpoints(world, raw):
    issue = _issue(world)
    api = _api(world)
    for path in (
        f"/api/0/issues/{issue.pk}/comments/",
        f"/api/0/issues/{issue.pk}/merge/",
        f"/api/0/issues/{issue.pk}/unmerge/",
        "/api/0/projects/acme/shop/keys/",
        "/api/0/projects/acme/shop/alert-rules/dry-run/",
    ):
        _no_500(api.post(path, raw, content_type="application/json"))
