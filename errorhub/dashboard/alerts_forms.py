"""Forms of the Alerts pages: validation only; views hand cleaned data to ``alerts.rule_services``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils import timezone

from alerts.dryrun import DryRunInputError, parse_sample_event
from alerts.models import Channel, ChannelKind, DeliveryStatus, Rule
from alerts.routing import REGEX_FIELDS
from alerts.rule_services import MAX_MUTE
from errorhub.accounts.models import Organization, Project, Team
from errorhub.issues.models import Lifecycle
from ingest.protocol.event import LEVELS
from ingest.protocol.user_regex import UserRegexError, compile_user_regex

TRIGGER_LABELS = {
    "new_issue": "New issue",
    "regression": "Regression",
    "snooze_ended": "Snooze ended",
    "frequency": "Frequency: N events in T seconds",
    "spike": "Spike: k × the usual rate",
    "inbox_sla": "Inbox SLA: untriaged for longer than",
    "queue_backlog": "System: queue backlog",
    "dead_letters": "System: dead letters",
    "ingest_stalled": "System: ingest stalled",
    "event_store_down": "System: event store down",
}
REGEX_HELP = "Regular expression, RE2 syntax (no back-references or look-around)."
SLACK_MENTION = re.compile(r"^[USW][A-Z0-9]{2,30}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")


@dataclass(frozen=True)
class Fieldset:
    """A group of a form's fields rendered as one ``<fieldset>`` with its legend and help."""

    key: str
    legend: str
    help: str
    fields: list[forms.BoundField]
    kinds: tuple[str, ...] = ()  # channel form: the kinds this group belongs to (empty = every kind)

    @property
    def kinds_attr(self) -> str:
        return " ".join(self.kinds)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", value or "") if part.strip()]


class RuleForm(forms.Form):
    """Create or edit a rule. ``scope`` is ``p<id>`` (one project) or ``o<id>`` (every project of an org)."""

    name = forms.CharField(max_length=200)
    scope = forms.ChoiceField(help_text="One project, or every project of an organisation.")
    # filters
    environments = forms.CharField(required=False, max_length=1000, help_text="Comma-separated; empty = any.")
    min_level = forms.ChoiceField(
        required=False, choices=[("", "any level")] + [(lv, lv) for lv in LEVELS], label="Minimum level"
    )
    release = forms.CharField(required=False, max_length=200)
    tags = forms.CharField(required=False, max_length=1000, help_text="key=value, comma-separated; all must match.")
    exception_type = forms.CharField(required=False, max_length=200)
    message_regex = forms.CharField(required=False, max_length=500, help_text=REGEX_HELP)
    culprit_regex = forms.CharField(required=False, max_length=500, help_text=REGEX_HELP)
    source = forms.CharField(required=False, max_length=128, help_text="Prefix of the issue source.")
    lifecycle_states = forms.MultipleChoiceField(
        required=False, choices=Lifecycle.choices, widget=forms.CheckboxSelectMultiple
    )
    # triggers
    triggers = forms.MultipleChoiceField(
        choices=[(t, TRIGGER_LABELS[t]) for t in Rule.TRIGGERS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "choose at least one trigger"},
    )
    frequency_count = forms.IntegerField(required=False, min_value=1, max_value=10_000_000, label="Frequency: N")
    frequency_seconds = forms.IntegerField(
        required=False, min_value=1, max_value=7 * 86400, label="Frequency: T (seconds)"
    )
    spike_factor = forms.FloatField(required=False, min_value=1.1, max_value=10_000, label="Spike: k")
    inbox_sla_seconds = forms.IntegerField(
        required=False, min_value=60, max_value=90 * 86400, label="Inbox SLA (seconds)"
    )
    system_threshold = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10_000_000,
        help_text="System triggers: backlog depth / dead letters / stall minutes.",
    )
    # actions
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    mention = forms.CharField(required=False, max_length=64, help_text="Slack user id U… or group id S….")
    min_interval_seconds = forms.IntegerField(
        min_value=0, max_value=30 * 86400, initial=300, label="Minimum interval per issue (seconds)"
    )

    #: the rule read in the order it works: what it watches, when it fires, for what, and where it goes
    FIELDSETS = (
        ("rule", "Rule", "A name, and the projects it watches.", ("name", "scope")),
        (
            "trigger",
            "1. Trigger",
            "When the rule fires: any ticked trigger. Frequency, spike and inbox SLA need their parameter below.",
            (
                "triggers",
                "frequency_count",
                "frequency_seconds",
                "spike_factor",
                "inbox_sla_seconds",
                "system_threshold",
            ),
        ),
        (
            "filters",
            "2. Filters",
            "For which issues: every filter you fill must match the event or its issue; empty means any.",
            (
                "environments",
                "min_level",
                "release",
                "tags",
                "exception_type",
                "message_regex",
                "culprit_regex",
                "source",
                "lifecycle_states",
            ),
        ),
        (
            "channels",
            "3. Channels",
            "Where the alert goes, whom it mentions, and how often at most per issue.",
            ("channels", "mention", "min_interval_seconds"),
        ),
    )

    def __init__(
        self, *args: Any, projects: list[Project], organizations: list[Organization], channels: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.projects = {f"p{p.pk}": p for p in projects}
        self.organizations = {f"o{o.pk}": o for o in organizations}
        self.fields["scope"].choices = [(k, f"project {p}") for k, p in self.projects.items()] + [
            (k, f"all projects of {o.name}") for k, o in self.organizations.items()
        ]
        self.fields["channels"].queryset = channels
        if not channels.exists():
            self.fields["channels"].help_text = "No channel yet: add one under Channels, then pick it here."

    def fieldsets(self) -> list[Fieldset]:
        return [Fieldset(key, legend, help, [self[n] for n in names]) for key, legend, help, names in self.FIELDSETS]

    @staticmethod
    def initial_for(rule: Rule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "scope": f"p{rule.project_id}" if rule.project_id else f"o{rule.organization_id}",
            "environments": ", ".join(rule.environments),
            "min_level": rule.min_level,
            "release": rule.release,
            "tags": ", ".join(f"{k}={v}" for k, v in rule.tags.items()),
            "exception_type": rule.exception_type,
            "message_regex": rule.message_regex,
            "culprit_regex": rule.culprit_regex,
            "source": rule.source,
            "lifecycle_states": rule.lifecycle_states,
            "triggers": rule.triggers,
            "frequency_count": rule.frequency_count or None,
            "frequency_seconds": rule.frequency_seconds or None,
            "spike_factor": rule.spike_factor or None,
            "inbox_sla_seconds": rule.inbox_sla_seconds or None,
            "system_threshold": rule.system_threshold or None,
            "channels": list(rule.channels.all()),
            "mention": rule.mention,
            "min_interval_seconds": rule.min_interval_seconds,
        }

    def clean_environments(self) -> list[str]:
        return _csv(self.cleaned_data["environments"])

    def clean_tags(self) -> dict[str, str]:
        tags = {}
        for pair in _csv(self.cleaned_data["tags"]):
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(f"'{pair}' is not key=value")
            tags[key.strip()] = value.strip()
        return tags

    def _clean_regex(self, name: str) -> str:
        """RE2 must accept the pattern: it runs in linear time on hostile event text."""
        pattern = self.cleaned_data[name]
        if pattern:
            try:
                compile_user_regex(pattern, label=REGEX_FIELDS[name])
            except UserRegexError as exc:
                raise forms.ValidationError(exc.message) from None
        return pattern

    def clean_message_regex(self) -> str:
        return self._clean_regex("message_regex")

    def clean_culprit_regex(self) -> str:
        return self._clean_regex("culprit_regex")

    def clean_mention(self) -> str:
        mention = self.cleaned_data["mention"].strip()
        if mention and not SLACK_MENTION.match(mention):
            raise forms.ValidationError("a Slack user id (U…) or user group id (S…), e.g. U024BE7LH")
        return mention

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope = data.get("scope")
        data["project"] = self.projects.get(scope)
        data["organization"] = data["project"].organization if data["project"] else self.organizations.get(scope)
        triggers = data.get("triggers") or []
        if "frequency" in triggers and not (data.get("frequency_count") and data.get("frequency_seconds")):
            self.add_error("frequency_count", "the frequency trigger needs N and T")
        if "spike" in triggers and not data.get("spike_factor"):
            self.add_error("spike_factor", "the spike trigger needs k")
        if "inbox_sla" in triggers and not data.get("inbox_sla_seconds"):
            self.add_error("inbox_sla_seconds", "the inbox SLA trigger needs a time")
        org = data["organization"]
        foreign = [c.name for c in data.get("channels") or [] if org and c.organization_id != org.pk]
        if foreign:
            self.add_error("channels", f"not in this rule's organisation: {', '.join(foreign)}")
        return data

    def preview_rule(self) -> Rule:
        """The rule as the form stands, unsaved: what the live preview evaluates."""
        data = self.cleaned_data
        return Rule(organization=data["organization"], project=data["project"], **self.rule_fields())

    def rule_fields(self) -> dict[str, Any]:
        """The cleaned values as ``Rule`` fields (numbers default to 0 when unused)."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
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
                "mention",
                "min_interval_seconds",
            )
        }
        for name in ("frequency_count", "frequency_seconds", "spike_factor", "inbox_sla_seconds", "system_threshold"):
            fields[name] = data.get(name) or 0
        return fields


class MuteForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Why this rule can be quiet (required).")
    until = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="End at this time (your time zone).",
    )
    hours = forms.IntegerField(required=False, min_value=1, max_value=MAX_MUTE.days * 24, help_text="…or for N hours.")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("muting needs a reason")
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        until: datetime | None = data.get("until")
        if data.get("hours") and not until:
            until = timezone.now() + timedelta(hours=data["hours"])
        if until is None:
            raise forms.ValidationError("a mute needs an end: a time or a number of hours (no permanent mutes)")
        if until <= timezone.now():
            raise forms.ValidationError("the mute end must be in the future")
        if until > timezone.now() + MAX_MUTE:
            raise forms.ValidationError(f"a mute can last at most {MAX_MUTE.days} days; archive the rule instead")
        data["until"] = until
        return data


class ArchiveForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Why this rule is retired (kept with the rule).")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("archiving needs a reason")
        return reason


class ChannelForm(forms.Form):
    """One form for every kind; only the fields of the chosen kind are read."""

    name = forms.CharField(max_length=200)
    organization = forms.ChoiceField(label="Organisation")
    kind = forms.ChoiceField(
        choices=[
            (ChannelKind.SLACK, "Slack (bot)"),
            (ChannelKind.SLACK_WEBHOOK, "Slack incoming webhook"),
            (ChannelKind.EMAIL, "Email"),
            (ChannelKind.WEBHOOK, "Signed webhook"),
        ]
    )
    slack_channel = forms.CharField(
        required=False,
        max_length=32,
        label="Slack channel id",
        help_text="Slack (bot): the channel id, e.g. C024BE91L.",
    )
    slack_name = forms.CharField(
        required=False,
        max_length=80,
        label="Slack channel name",
        help_text="Slack (bot): shown in the list, e.g. #ops.",
    )
    url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="URL",
        help_text="Slack incoming webhook or signed webhook: the URL to POST to.",
    )
    addresses = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Email: addresses, comma- or line-separated.",
    )
    team = forms.ChoiceField(required=False, help_text="Email: also every member of this team.")
    rotate_secret = forms.BooleanField(
        required=False, label="Generate a new signing secret", help_text="Signed webhook: the new secret is shown once."
    )

    KIND_FIELDS = {
        ChannelKind.SLACK: ("slack_channel", "slack_name"),
        ChannelKind.SLACK_WEBHOOK: ("url",),
        ChannelKind.EMAIL: ("addresses", "team"),
        ChannelKind.WEBHOOK: ("url", "rotate_secret"),
    }
    #: the fields of each kind as the page groups them; alerts.js shows only the chosen kind's groups
    KIND_GROUPS = (
        ("slack", "Slack (bot)", "The bot posts here: invite it to the channel first.", (ChannelKind.SLACK,)),
        (
            "url",
            "Webhook URL",
            "Where ErrorHub POSTs each alert.",
            (ChannelKind.SLACK_WEBHOOK, ChannelKind.WEBHOOK),
        ),
        ("email", "Email", "Who receives the alert mail.", (ChannelKind.EMAIL,)),
        ("secret", "Signing secret", "Receivers verify each POST with it.", (ChannelKind.WEBHOOK,)),
    )
    GROUP_FIELDS = {
        "slack": ("slack_channel", "slack_name"),
        "url": ("url",),
        "email": ("addresses", "team"),
        "secret": ("rotate_secret",),
    }

    def __init__(
        self, *args: Any, organizations: list[Organization], teams: list[Team], editing: str = "", **kwargs: Any
    ) -> None:
        """``editing``: the kind of the channel being edited (only its fields are shown), or ''."""
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.organizations = {str(o.pk): o for o in organizations}
        self.teams = {str(t.pk): t for t in teams}
        self.fields["organization"].choices = [(k, o.name) for k, o in self.organizations.items()]
        self.fields["team"].choices = [("", "no team")] + [
            (k, f"{t.organization.name} / {t.name}") for k, t in self.teams.items()
        ]
        if editing:  # a channel stays in its organisation and kind
            keep = {"name", *self.KIND_FIELDS[editing]}
            for name in [n for n in self.fields if n not in keep]:
                del self.fields[name]
        else:
            del self.fields["rotate_secret"]

    def fieldsets(self) -> list[Fieldset]:
        """The common fields, then one group per kind (only the groups with fields on this form)."""
        common = [self[n] for n in ("name", "organization", "kind") if n in self.fields]
        groups = [Fieldset("channel", "Channel", "", common)]
        for key, legend, help, kinds in self.KIND_GROUPS:
            fields = [self[n] for n in self.GROUP_FIELDS[key] if n in self.fields]
            if fields:
                groups.append(Fieldset(key, legend, help, fields, kinds=tuple(str(k) for k in kinds)))
        return groups

    def clean(self) -> dict[str, Any]:
        """Only the chosen kind's fields count: another kind's (shown without JS, or left
        over from switching kinds) neither fail the form nor reach the channel's config."""
        data = super().clean()
        kind = self.editing or data.get("kind")
        if kind in self.KIND_FIELDS:
            for name in {n for names in self.KIND_FIELDS.values() for n in names} - set(self.KIND_FIELDS[kind]):
                self.errors.pop(name, None)
                data.pop(name, None)
        return data

    @staticmethod
    def initial_for(channel: Channel) -> dict[str, Any]:
        config = channel.config or {}
        return {
            "name": channel.name,
            "slack_channel": config.get("channel", ""),
            "slack_name": config.get("name", ""),
            "url": config.get("url", ""),
            "addresses": ", ".join(config.get("addresses") or []),
            "team": str(config.get("team") or ""),
        }

    def clean_organization(self) -> Organization:
        return self.organizations[self.cleaned_data["organization"]]

    def clean_team(self) -> Team | None:
        return self.teams.get(self.cleaned_data["team"])

    def clean_addresses(self) -> list[str]:
        addresses = _csv(self.cleaned_data["addresses"])
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                raise forms.ValidationError(f"'{address}' is not an email address") from None
        return addresses

    def config_for(self, kind: str, organization: Organization) -> dict[str, Any]:
        """The channel config of ``kind`` from the cleaned data; errors go on the form."""
        data = self.cleaned_data
        if kind == ChannelKind.SLACK:
            channel_id = data.get("slack_channel", "").strip()
            if not SLACK_CHANNEL_ID.match(channel_id):
                self.add_error("slack_channel", "a Slack channel id such as C024BE91L (channel details → bottom)")
            return {"channel": channel_id, "name": data.get("slack_name", "").strip()}
        if kind in (ChannelKind.SLACK_WEBHOOK, ChannelKind.WEBHOOK):
            if not data.get("url"):
                self.add_error("url", "this kind of channel needs a URL")
            return {"url": data.get("url", "")}
        team = data.get("team")
        if team is not None and team.organization_id != organization.pk:
            self.add_error("team", "that team is in another organisation")
        if not data.get("addresses") and team is None:
            self.add_error("addresses", "give at least one address or a team")
        return {"addresses": data.get("addresses") or [], **({"team": team.pk} if team else {})}


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "any status")] + list(DeliveryStatus.choices))
    channel = forms.ChoiceField(required=False)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, channels: list[Channel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "any channel")] + [(str(c.pk), f"{c.name} ({c.kind})") for c in channels]


class DryRunForm(forms.Form):
    project = forms.ChoiceField(required=False, help_text="Needed with a pasted event.")
    event = forms.CharField(
        required=False,
        max_length=200_000,
        label="Sample event (JSON)",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
    )
    issue = forms.IntegerField(
        required=False,
        min_value=1,
        label="…or the latest event of issue",
        help_text="An issue id; its project is used.",
    )

    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.projects = {str(p.pk): p for p in projects}
        self.fields["project"].choices = [("", "choose a project")] + [(k, str(p)) for k, p in self.projects.items()]

    def clean_event(self) -> dict[str, Any] | None:
        text = self.cleaned_data["event"].strip()
        if not text:
            return None
        try:
            return parse_sample_event(text)
        except DryRunInputError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["project"] = self.projects.get(data.get("project") or "")
        if data.get("event") is None and not data.get("issue"):
            raise forms.ValidationError("paste an event or give an issue id")
        if data.get("event") is not None and data.get("issue"):
            raise forms.ValidationError("paste an event or give an issue id, not both")
        if data.get("event") is not None and data["project"] is None:
            self.add_error("project", "choose the project the event belongs to")
        return data
