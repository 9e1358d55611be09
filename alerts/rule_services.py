"""Writes behind the Alerts pages: rules and channels created and changed by people.

Keyword-only and atomic like ``alerts.services`` (which keeps the delivery machinery;
a test alert goes through its ``delivery_attempt`` and the real transport). There is
no audit table for alert configuration, so who-did-what is kept where the model has
room (``archived_by``, ``mute_reason``) and logged otherwise.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from alerts import services
from alerts.models import Channel, ChannelKind, Delivery, Rule
from alerts.routing import REGEX_FIELDS
from alerts.selectors import clear_rule_cache
from alerts.tasks import deliver
from errorhub.accounts.models import Organization, Project
from ingest.protocol.user_regex import compile_user_regex

logger = logging.getLogger(__name__)

MAX_MUTE = timedelta(days=90)
RULE_FIELDS = {
    "name",
    "environments",
    "min_level",
    "release",
    "tags",
    "exception_type",
    "message_regex",
    "culprit_regex",
    "source",
    "lifecycle_states",
    "triggers",
    "frequency_count",
    "frequency_seconds",
    "spike_factor",
    "inbox_sla_seconds",
    "system_threshold",
    "mention",
    "min_interval_seconds",
}


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise ValueError(f"not a rule field: {', '.join(sorted(unknown))}")
    if not fields.get("triggers", ["x"]):
        raise ValueError("a rule needs at least one trigger")
    for name, label in REGEX_FIELDS.items():
        if fields.get(name):
            compile_user_regex(fields[name], label=label)  # UserRegexError (a ClientError) if RE2 refuses it


def _check_channels(organization: Organization, channels: Iterable[Channel]) -> list[Channel]:
    channels = list(channels)
    if any(c.organization_id != organization.pk for c in channels):
        raise ValueError("a rule can only notify channels of its own organisation")
    return channels


@transaction.atomic
def rule_create(
    *,
    organization: Organization,
    project: Project | None,
    channels: Iterable[Channel],
    user: AbstractBaseUser,
    **fields: Any,
) -> Rule:
    """A new rule for one project (or, with ``project=None``, every project of the organisation)."""
    _check_fields(fields)
    if project is not None and project.organization_id != organization.pk:
        raise ValueError("the project is not in that organisation")
    channels = _check_channels(organization, channels)
    rule = Rule.objects.create(organization=organization, project=project, **fields)
    rule.channels.set(channels)
    clear_rule_cache()
    logger.info("alert rule %s created by %s", rule.pk, user.get_username())
    return rule


@transaction.atomic
def rule_update(
    *, rule: Rule, project: Project | None, channels: Iterable[Channel], user: AbstractBaseUser, **fields: Any
) -> Rule:
    """Change a rule's filters, triggers and actions; it stays in its organisation."""
    _check_fields(fields)
    if project is not None and project.organization_id != rule.organization_id:
        raise ValueError("a rule cannot move to another organisation")
    channels = _check_channels(rule.organization, channels)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.project = project
    rule.save()
    rule.channels.set(channels)
    clear_rule_cache()
    logger.info("alert rule %s updated by %s", rule.pk, user.get_username())
    return rule


@transaction.atomic
def rule_mute(*, rule: Rule, until: datetime, reason: str, user: AbstractBaseUser) -> Rule:
    """Mute like a snooze: a reason and an end, at most ``MAX_MUTE`` away (no permanent mutes)."""
    if until > timezone.now() + MAX_MUTE:
        raise ValueError(f"a mute can last at most {MAX_MUTE.days} days")
    services.rule_mute(rule=rule, until=until, reason=reason)
    logger.info("alert rule %s muted by %s until %s: %s", rule.pk, user.get_username(), until, reason)
    return rule


@transaction.atomic
def rule_unmute(*, rule: Rule, user: AbstractBaseUser) -> Rule:
    rule.muted_until, rule.mute_reason = None, ""
    rule.save(update_fields=["muted_until", "mute_reason", "updated_at"])
    clear_rule_cache()
    logger.info("alert rule %s unmuted by %s", rule.pk, user.get_username())
    return rule


@transaction.atomic
def rule_archive(*, rule: Rule, reason: str, user: AbstractBaseUser) -> Rule:
    """Retire a rule: it stops matching but keeps its row, who archived it and why, and its deliveries."""
    return services.rule_archive(rule=rule, by=user.get_username(), reason=reason)


def _with_secret(kind: str, config: dict[str, Any], old: dict[str, Any], rotate: bool) -> tuple[dict, str | None]:
    """Signed webhooks get a generated secret: kept on edit, new on create or when rotated."""
    if kind != ChannelKind.WEBHOOK:
        return config, None
    if old.get("secret") and not rotate:
        return {**config, "secret": old["secret"]}, None
    secret = secrets.token_urlsafe(32)
    return {**config, "secret": secret}, secret


@transaction.atomic
def channel_create(
    *, organization: Organization, name: str, kind: str, config: dict[str, Any], user: AbstractBaseUser
) -> tuple[Channel, str | None]:
    """A new channel. Returns it and, for a signed webhook, the new secret (to be shown once)."""
    if kind not in ChannelKind.values:
        raise ValueError(f"unknown channel kind {kind!r}")
    config, secret = _with_secret(kind, config, {}, rotate=True)
    channel = Channel.objects.create(organization=organization, name=name, kind=kind, config=config)
    logger.info("alert channel %s created by %s", channel.pk, user.get_username())
    return channel, secret


@transaction.atomic
def channel_update(
    *, channel: Channel, name: str, config: dict[str, Any], user: AbstractBaseUser, rotate_secret: bool = False
) -> tuple[Channel, str | None]:
    """Change a channel's name and target. Returns it and a new secret when one was generated."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    channel.config, secret = _with_secret(channel.kind, config, channel.config or {}, rotate=rotate_secret)
    channel.name = name
    channel.save(update_fields=["name", "config"])
    clear_rule_cache()  # rules cache their channels
    logger.info("alert channel %s updated by %s", channel.pk, user.get_username())
    return channel, secret


@transaction.atomic
def channel_enable(*, channel: Channel, user: AbstractBaseUser) -> Channel:
    """Re-enable a channel disabled by a permanent failure, with a fresh circuit breaker."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    logger.info("alert channel %s re-enabled by %s (was: %s)", channel.pk, user.get_username(), channel.disabled_reason)
    channel.enabled, channel.disabled_reason = True, ""
    channel.consecutive_failures, channel.open_until = 0, None
    channel.save(update_fields=["enabled", "disabled_reason", "consecutive_failures", "open_until"])
    clear_rule_cache()
    return channel


def test_alert_send(*, channel: Channel, user: AbstractBaseUser) -> Delivery:
    """Queue a test alert through the channel's real transport, recorded in the delivery log.

    Queued (``deliver`` once the row is committed), never sent in the request: a slow or
    trickling remote would hold a web thread, which ingest shares, for up to the outbound
    deadline. The dashboard answers at once; the outcome shows in the channel's delivery log.
    """
    if not channel.enabled:
        raise ValueError("the channel is disabled: re-enable it first")
    with transaction.atomic():
        delivery = Delivery.objects.create(
            channel=channel,
            rule=None,
            issue=None,
            reason="test",
            payload={"reason": "test", "detail": f"test alert from the ErrorHub dashboard by {user.get_username()}"},
        )
        transaction.on_commit(lambda: deliver.delay(delivery.pk))
    return delivery


test_alert_send.__test__ = False  # type: ignore[attr-defined]  # a service, not a pytest test
