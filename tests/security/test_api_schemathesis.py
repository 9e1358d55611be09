"""Schemathesis over the whole REST API: no operation answers 500, whatever it is sent.

The schema is the one drf-spectacular serves at ``/api/schema/`` (generated
in-process, same generator). Every operation is called through the real WSGI
application with a valid Bearer token; half of the cases get the path
parameters of real objects (org ``acme``, project ``shop``, a real issue and
event) so the generated bodies and query strings reach the views' inner
branches instead of stopping at a 404.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from errorhub.accounts.services import api_token_create
from errorhub.wsgi import application
from tests.issues.events import record

pytestmark = pytest.mark.django_db(transaction=True)  # a DB error in one case must not poison the next

# The views are plain APIViews, so the schema declares no request bodies; these
# are the fields the views read, with hostile values, so POST/PUT get real bodies.
_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = [
    "status",
    "statusDetails",
    "assignedTo",
    "reason",
    "merge",
    "issues",
    "hash",
    "text",
    "name",
    "organization",
    "team",
    "platform",
    "inRelease",
    "ignoreUntil",
    "ignoreDuration",
    "ignoreCount",
]
_STATUS = st.sampled_from(["resolved", "resolvedInNextRelease", "unresolved", "ignored", "acknowledged"])
_DETAILS = st.fixed_dictionaries(
    {},
    optional={
        "inRelease": _scalars,
        "inNextRelease": _scalars,
        "ignoreUntil": _scalars | st.just("2030-01-01T00:00:00Z"),
        "ignoreDuration": _scalars,
        "ignoreCount": _scalars,
        "ignoreUntilCount": _scalars,
        "ignoreReason": _scalars,
        "assignee": _scalars | st.sampled_from(["olivia", "mike", "nobody"]),
    },
)
BODIES = st.one_of(
    _json,
    st.dictionaries(st.sampled_from(_FIELDS), _json, max_size=4),
    st.fixed_dictionaries(
        {},
        optional={
            "status": _STATUS | _scalars,
            "statusDetails": _DETAILS | _json,
            "assignedTo": _scalars | st.sampled_from(["olivia", "mike"]),
            "reason": _scalars,
            "merge": _scalars,
            "issues": _json,
            "hash": _json,
            "text": _scalars,
            "name": _scalars,
            "organization": _scalars | st.just("acme"),
            "team": _scalars,
            "platform": _scalars,
        },
    ),
)
EXAMPLES = settings(
    max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def _schema() -> Any:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(_jsonable(raw))
    schema.app = application
    return schema


def _jsonable(value: Any) -> Any:
    """drf-spectacular returns lazy strings and tuples; schemathesis wants plain JSON."""
    import json

    import orjson
    from django.core.serializers.json import DjangoJSONEncoder

    return orjson.loads(json.dumps(value, cls=DjangoJSONEncoder))


@pytest.fixture
def real_params(world) -> dict[str, str]:
    result = record(world.project, "schemathesis")
    (issue_id,) = result.changes
    from errorhub.events.stores import get_event_store
    from errorhub.issues.models import Issue

    event = get_event_store().list_for_issue(issue_id, None, 1).events[0]
    assert Issue.objects.filter(pk=issue_id).exists()
    return {"org": "acme", "project": "shop", "issue_id": str(issue_id), "event_id": event["event_id"]}


def test_schema_lists_every_api_operation():
    operations = [result.ok() for result in _schema().get_all_operations()]
    paths = {op.path for op in operations}
    assert "/api/0/issues/{issue_id}/" in paths and "/api/0/projects/" in paths
    assert len(operations) >= 14


def test_no_operation_answers_500(world, real_params):
    token = api_token_create(user=world.owner)
    headers = {"Authorization": f"Bearer {token}"}
    tried: list[str] = []
    failures: list[str] = []
    for result in _schema().get_all_operations():
        operation = result.ok()
        tried.append(f"{operation.method.upper()} {operation.path}")

        @EXAMPLES
        @given(case=operation.as_strategy(), use_real=st.booleans(), body=BODIES)
        def run(case: Any, use_real: bool, body: Any) -> None:
            if use_real and case.path_parameters:
                case.path_parameters = {
                    name: real_params.get(name, value) for name, value in case.path_parameters.items()
                }
            sent = dict(headers)
            if case.method.upper() in ("POST", "PUT", "PATCH"):
                case.body, case.media_type = body, "application/json"
                sent["Content-Type"] = "application/json"
            case.call_and_validate(headers=sent, checks=[not_a_server_error])

        cache.clear()  # DRF throttle counters: this test is one user making hundreds of calls
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collected: one run reports every failing operation
            failures.append(f"{tried[-1]}: {exc}"[:3000])
    assert len(tried) >= 14, tried
    assert not failures, "\n\n".join(failures)
