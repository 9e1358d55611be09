"""Slack's interactivity payloads, parsed into small dataclasses before anything acts on them.

Pure (no Django): any Slack user can shape what reaches ``/slack/interactions/``, so every
shape that is not what Slack documents is a ``SlackPayloadError`` (a 400 naming the field),
never an ``AttributeError`` deep inside an action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ingest.protocol.errors import ClientError

MAX_SNOOZE_HOURS = 24 * 365  # the dashboard's snooze form allows the same at most
MAX_TEXT = 2000  # longer than anything Slack's inputs send; bounds what we keep and echo


class SlackPayloadError(ClientError):
    """A Slack request body that is not one of the shapes Slack sends (answered as 400)."""


@dataclass(frozen=True)
class BlockAction:
    action_id: str
    value: str


@dataclass(frozen=True)
class Interaction:
    """One interactivity request: who sent it, of which type, and its type's parts."""

    kind: str
    slack_user: str
    trigger_id: str = ""
    actions: tuple[BlockAction, ...] = ()
    callback_id: str = ""
    issue_ref: str = ""
    reason: str = ""
    hours_text: str = ""


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SlackPayloadError(f"{where} must be a JSON object")
    return value


def _text(value: Any, where: str, *, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise SlackPayloadError(f"{where} must be a string")
    return value[:MAX_TEXT]


def _action(value: Any, index: int) -> BlockAction:
    action = _object(value, f"actions[{index}]")
    return BlockAction(
        action_id=_text(action.get("action_id"), f"actions[{index}].action_id"),
        value=_text(action.get("value"), f"actions[{index}].value"),
    )


def _input_value(values: dict[str, Any], block_id: str) -> str:
    """``view.state.values.<block_id>.value.value``: what the user typed, or "" if the block is absent."""
    block = _object(values.get(block_id, {}), f"view.state.values.{block_id}")
    element = _object(block.get("value", {}), f"view.state.values.{block_id}.value")
    return _text(element.get("value"), f"view.state.values.{block_id}.value.value")


def parse_interaction(raw: str) -> Interaction:
    """The ``payload`` form field of a Slack interactivity request."""
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):  # JSONDecodeError, and integers past Python's digit limit
        raise SlackPayloadError("payload is not JSON") from None
    payload = _object(payload, "payload")
    user = _object(payload.get("user"), "payload.user")
    slack_user = _text(user.get("id"), "payload.user.id")
    if not slack_user:
        raise SlackPayloadError("payload.user.id is missing")
    kind = _text(payload.get("type"), "payload.type")
    if kind == "block_actions":
        actions = payload.get("actions") or []
        if not isinstance(actions, list):
            raise SlackPayloadError("payload.actions must be a list")
        return Interaction(
            kind=kind,
            slack_user=slack_user,
            trigger_id=_text(payload.get("trigger_id"), "payload.trigger_id"),
            actions=tuple(_action(a, i) for i, a in enumerate(actions)),
        )
    if kind == "view_submission":
        view = _object(payload.get("view"), "payload.view")
        values = _object(_object(view.get("state", {}), "view.state").get("values", {}), "view.state.values")
        return Interaction(
            kind=kind,
            slack_user=slack_user,
            callback_id=_text(view.get("callback_id"), "view.callback_id"),
            issue_ref=_text(view.get("private_metadata"), "view.private_metadata"),
            reason=_input_value(values, "reason"),
            hours_text=_input_value(values, "hours"),
        )
    return Interaction(kind=kind, slack_user=slack_user)


def snooze_hours(text: str) -> int | None:
    """Whole hours from the modal's number input, 1 to ``MAX_SNOOZE_HOURS``; None otherwise."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    hours = int(text)
    return hours if 1 <= hours <= MAX_SNOOZE_HOURS else None
