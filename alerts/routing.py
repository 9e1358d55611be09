"""Which rules an issue change reaches, and through which channels.

``route()`` is pure apart from the frequency/spike window counter it is given,
so the same code answers the live path, the dry-run command and the API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from ingest.protocol.event import level_at_least
from ingest.protocol.user_regex import UserRegexError, compile_user_regex, user_regex_search

logger = logging.getLogger(__name__)


class ChangeLike(Protocol):
    events: int
    new: bool
    regressed: bool
    snooze_ended: bool


@dataclass(frozen=True)
class RouteDecision:
    rule: Any
    channel: Any
    reason: str


# counter(rule, issue, events_in_this_batch) -> events in the rule's current window (including these)
WindowCounter = Callable[[Any, Any, int], int]


REGEX_FIELDS = {"message_regex": "message regex", "culprit_regex": "culprit regex"}


@lru_cache(maxsize=512)
def _regex(pattern: str) -> Any:
    """The RE2-compiled pattern, or None: a pattern saved before RE2 validation (a back-reference,
    a look-around) matches nothing and is logged once per process, never raised in the worker."""
    try:
        return compile_user_regex(pattern)
    except UserRegexError as exc:
        logger.warning("alert rule pattern /%s/ ignored, it never matches: %s", pattern[:200], exc)
        return None


def rule_pattern_problems(rule: Any) -> list[str]:
    """Why the rule's saved patterns cannot run (shown on the rule's page); empty when they can."""
    problems = []
    for field, label in REGEX_FIELDS.items():
        pattern = getattr(rule, field, "")
        if pattern:
            try:
                compile_user_regex(pattern, label=label)
            except UserRegexError as exc:
                problems.append(f"{exc.message}; until it is fixed the rule matches no event")
    return problems


def _scalar_text(value: Any) -> str:
    """Text of a scalar; a list or object (however deeply nested) is no text to match, so
    matching never walks — or recurses into — a structure the sender built."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, (int, float, bool)) else ""


def event_tags(event: Mapping[str, Any]) -> dict[str, str]:
    tags = event.get("tags") or {}
    if isinstance(tags, list):
        return {_scalar_text(p[0]): _scalar_text(p[1]) for p in tags if isinstance(p, (list, tuple)) and len(p) == 2}
    return {_scalar_text(k): _scalar_text(v) for k, v in tags.items()} if isinstance(tags, dict) else {}


def event_message(event: Mapping[str, Any]) -> str:
    values = [
        f"{_scalar_text(e.get('type'))}: {_scalar_text(e.get('value'))}"
        for e in event.get("exception") or []
        if isinstance(e, dict)
    ]
    message = event.get("message")
    if isinstance(message, dict):
        message = message.get("formatted") or message.get("message")
    return "\n".join([_scalar_text(message), *values])


def rule_matches(rule: Any, event: Mapping[str, Any], issue: Any) -> bool:
    """The rule's filters against the event and the issue (empty filter = any)."""
    if rule.environments and (event.get("environment") or issue.environment or "") not in rule.environments:
        return False
    if rule.min_level and not level_at_least(event.get("level") or issue.level, rule.min_level):
        return False
    if rule.release and (event.get("release") or "") != rule.release:
        return False
    if rule.tags:
        tags = event_tags(event)
        if any(tags.get(k) != str(v) for k, v in rule.tags.items()):
            return False
    if rule.exception_type:
        types = {e.get("type") for e in event.get("exception") or []} | {(issue.metadata or {}).get("type")}
        if rule.exception_type not in types:
            return False
    if rule.message_regex and not _search(rule.message_regex, event_message(event) + "\n" + issue.title):
        return False
    if rule.culprit_regex and not _search(rule.culprit_regex, issue.culprit or ""):
        return False
    if rule.source and not (issue.source or event.get("source") or "").startswith(rule.source):
        return False
    if rule.lifecycle_states and issue.lifecycle not in rule.lifecycle_states:
        return False
    return True


def _search(pattern: str, text: str) -> bool:
    """Linear-time match (RE2) on the first ``USER_REGEX_MAX_TEXT`` characters of ``text``."""
    compiled = _regex(pattern)
    return compiled is not None and user_regex_search(compiled, text, limit=settings.USER_REGEX_MAX_TEXT)


def trigger_reason(rule: Any, issue: Any, change: ChangeLike, counter: WindowCounter | None, now: datetime) -> str:
    """The first trigger of the rule this change fires, or ''."""
    for trigger in rule.triggers:
        if trigger == "new_issue" and change.new:
            return trigger
        if trigger == "regression" and change.regressed:
            return trigger
        if trigger == "snooze_ended" and change.snooze_ended:
            return trigger
        if trigger in ("frequency", "spike") and counter is not None and change.events:
            if _window_fires(trigger, rule, issue, change, counter, now):
                return trigger
    return ""


def _window_fires(
    trigger: str, rule: Any, issue: Any, change: ChangeLike, counter: WindowCounter, now: datetime
) -> bool:
    window = rule.frequency_seconds or 3600
    total = counter(rule, issue, change.events)
    before = total - change.events
    if trigger == "frequency":
        threshold = rule.frequency_count or 1
    else:
        # spike: the window holds k × the issue's average per window over its life (approximate:
        # lifetime average from times_seen, at least one event per window)
        windows = max((now - issue.first_seen).total_seconds() / window, 1.0)
        baseline = max((issue.times_seen - total) / windows, 1.0)
        threshold = (rule.spike_factor or 10) * baseline
    return before < threshold <= total  # fire once when the window crosses the threshold


def rule_fires(
    rule: Any, event: Mapping[str, Any], issue: Any, change: ChangeLike, counter: WindowCounter | None, now: datetime
) -> str:
    """The trigger by which ``rule`` fires on this change, or '': its filters, then its triggers.
    The one decision ``route`` makes per rule, and the rule form's preview asks of recent issues."""
    if not rule_matches(rule, event, issue):
        return ""
    return trigger_reason(rule, issue, change, counter, now)


def route(
    event: Mapping[str, Any],
    issue: Any,
    change: ChangeLike,
    rules: Iterable[Any],
    counter: WindowCounter | None = None,
    now: datetime | None = None,
) -> list[RouteDecision]:
    """Every (rule, channel) this change reaches, with the trigger that fired."""
    now = now or timezone.now()
    decisions = []
    for rule in rules:
        if rule.archived or rule.is_muted(now):
            continue
        reason = rule_fires(rule, event, issue, change, counter, now)
        if reason:
            decisions += [RouteDecision(rule, channel, reason) for channel in rule.cached_channels if channel.enabled]
    return decisions
