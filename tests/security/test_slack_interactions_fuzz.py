"""Fuzz ``/slack/interactions/`` with correctly signed requests of every payload shape — Slack's
own shapes with wrong types inside, and arbitrary JSON — so each one reaches past the signature
check into parsing and the actions: the answer is never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from errorhub.issues.models import Issue
from tests.alerts.conftest import make_event, record, slack  # noqa: F401  (slack: the stand-in fixture)
from tests.alerts.slack_requests import interaction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
_text_or_junk = st.sampled_from(["", "1", "SHOP-1", "99999999999", "-1", "U0OLIVIA", "<!channel>"]) | _json
_action = st.fixed_dictionaries(
    {},
    optional={
        "action_id": st.sampled_from(["issue_ack", "issue_resolve", "issue_snooze", "issue_open", "dance"]) | _json,
        "value": _text_or_junk,
    },
)
_input = (
    st.fixed_dictionaries({}, optional={"value": st.fixed_dictionaries({}, optional={"value": _text_or_junk}) | _json})
    | _json
)
_view = (
    st.fixed_dictionaries(
        {},
        optional={
            "callback_id": st.just("issue_snooze") | _json,
            "private_metadata": _text_or_junk,
            "state": st.fixed_dictionaries(
                {}, optional={"values": st.fixed_dictionaries({}, optional={"reason": _input, "hours": _input}) | _json}
            )
            | _json,
        },
    )
    | _json
)
_slack_shaped = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["block_actions", "view_submission", "shortcut"]) | _json,
        "user": st.fixed_dictionaries({}, optional={"id": st.sampled_from(["U0OLIVIA", "U0NOBODY", ""]) | _json})
        | _json,
        "trigger_id": _text_or_junk,
        "actions": st.lists(_action | _json, max_size=3) | _json,
        "view": _view,
    },
)
_payload = _slack_shaped.map(json.dumps) | _json.map(json.dumps) | st.text(max_size=50)


@pytest.fixture
def issue(world) -> Issue:
    return Issue.objects.get(pk=next(iter(record(world.project, make_event()).changes)))


def test_signed_interactions_of_any_shape_never_answer_500(client, slack, issue):
    answers: list[int] = []

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=_payload)
    # Slack's own well-formed shapes, always tried: the run reaches the actions whatever is drawn
    @example(
        payload=json.dumps(
            {
                "type": "block_actions",
                "user": {"id": "U0OLIVIA"},
                "actions": [{"action_id": "issue_ack", "value": str(issue.pk)}],
            }
        )
    )
    @example(
        payload=json.dumps(
            {
                "type": "block_actions",
                "user": {"id": "U0OLIVIA"},
                "actions": [{"action_id": "issue_open", "value": "SHOP-1"}],
            }
        )
    )
    def post(payload: Any) -> None:
        response = interaction(client, payload)
        answers.append(response.status_code)
        assert response.status_code < 500, (payload, response.content[:300])
        assert response.status_code in (200, 400), (payload, response.status_code)

    post()
    assert 200 in answers and 400 in answers  # the fuzz reached both the actions and the parser's refusals
