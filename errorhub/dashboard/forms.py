"""Dashboard forms: validation only; views hand cleaned data to services."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from errorhub.accounts.models import Organization, Project
from errorhub.issues.actions import member_named
from errorhub.issues.models import Lifecycle
from errorhub.issues.services import MAX_SNOOZE, MAX_SNOOZE_COUNT, MAX_SNOOZE_HOURS
from ingest.protocol.errors import ClientError
from ingest.protocol.event import LEVELS
from ingest.protocol.scrub import RULES, ScrubConfig


def _clean_member(form: forms.Form, organizations: list[Organization]) -> Any:
    """The named member of every one of ``organizations``, or None for an empty name; refused
    with the message the API and Slack give (``member_named``)."""
    try:
        return member_named(form.cleaned_data["assignee"], organizations)
    except ClientError as exc:
        raise forms.ValidationError(exc.message) from None


class AssignForm(forms.Form):
    assignee = forms.CharField(
        required=False, max_length=150, help_text="Username; empty means yourself (acknowledge) or nobody (assign)."
    )
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, organizations: list[Organization] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = list(organizations or [])  # the issue's organisation: assignees come from it

    def clean_assignee(self):
        return _clean_member(self, self.organizations)


class ResolveForm(forms.Form):
    release = forms.CharField(required=False, max_length=200, help_text="Resolved in this release (optional).")
    next_release = forms.BooleanField(required=False, label="In the next release")
    reason = forms.CharField(required=False, max_length=500)


class SnoozeForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="Why this can wait (required).")
    until = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="End at this time (your time zone).",
    )
    hours = forms.IntegerField(required=False, min_value=1, max_value=MAX_SNOOZE_HOURS, help_text="…or after N hours.")
    count = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_SNOOZE_COUNT, help_text="…or after N more events."
    )

    def clean_until(self):
        """At most ``MAX_SNOOZE`` ahead: also keeps a far date in a zone behind UTC (year 9999
        at -05:00) from overflowing when it is stored in UTC."""
        until = self.cleaned_data.get("until")
        if until is not None and until > timezone.now() + MAX_SNOOZE:
            raise forms.ValidationError(f"a snooze lasts at most {MAX_SNOOZE.days} days")
        return until

    def clean(self):
        data = super().clean()
        if data.get("hours") and not data.get("until"):
            data["until"] = timezone.now() + timedelta(hours=data["hours"])
        if not data.get("until") and not data.get("count"):
            raise forms.ValidationError("a snooze needs an end: a time, a number of hours or a number of events")
        return data


class MergeForm(forms.Form):
    other = forms.IntegerField(min_value=1, max_value=2**63 - 1, label="Merge issue id into this one")


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "aria-label": "Comment"}), max_length=10_000)


BULK_ACTIONS = [("acknowledge", "Acknowledge"), ("assign", "Assign"), ("resolve", "Resolve"), ("snooze", "Snooze")]


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    issues = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={"required": "select at least one issue"}
    )
    assignee = forms.CharField(required=False, max_length=150)
    reason = forms.CharField(required=False, max_length=500)
    hours = forms.IntegerField(required=False, min_value=1, max_value=MAX_SNOOZE_HOURS)

    def __init__(self, *args, issue_ids: list[int], organizations: list[Organization] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issues"].choices = [(i, i) for i in issue_ids]
        self.organizations = list(organizations or [])  # of the selected issues: the assignee is in all

    def clean_assignee(self):
        return _clean_member(self, self.organizations)  # same rule as AssignForm

    def clean(self):
        data = super().clean()
        if data.get("action") == "snooze" and (not (data.get("reason") or "").strip() or not data.get("hours")):
            raise forms.ValidationError("a bulk snooze needs a reason and a number of hours")
        if data.get("action") == "assign" and not data.get("assignee"):
            raise forms.ValidationError("assigning needs a username")
        return data


class IssueFilterForm(forms.Form):
    """The issues list: the search box plus filters; every field optional."""

    query = forms.CharField(required=False, max_length=2048)
    project = forms.ChoiceField(required=False)
    environment = forms.CharField(required=False, max_length=200)
    release = forms.CharField(required=False, max_length=200)
    lifecycle = forms.ChoiceField(required=False, choices=[("", "any state")] + list(Lifecycle.choices))
    level = forms.ChoiceField(required=False, choices=[("", "any level")] + [(lv, lv) for lv in LEVELS])
    assignee = forms.CharField(required=False, max_length=150, help_text="username, 'me' or 'none'")
    source = forms.CharField(required=False, max_length=128)
    sort = forms.ChoiceField(required=False, choices=[])
    cursor = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, projects: list[Project], sorts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "all projects")] + [(str(p.pk), str(p)) for p in projects]
        self.fields["sort"].choices = list(sorts.items())


class ProjectCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    team = forms.ChoiceField()
    platform = forms.CharField(required=False, max_length=64)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        self.fields["team"].choices = [(k, str(t)) for k, t in self.teams.items()]

    def clean_team(self):
        return self.teams[self.cleaned_data["team"]]


class ProjectSettingsForm(forms.ModelForm):
    scrub_rules = forms.MultipleChoiceField(
        choices=list(RULES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Scrub",
        help_text="Built-in data scrubbing rules; matches are stored as [Filtered].",
    )

    class Meta:
        model = Project
        fields = [
            "allowed_origins",
            "rate_limit_per_minute",
            "retention_days",
            "quiet_period_days",
            "scrub_rules",
            "scrub_ip_addresses",
            "scrub_fields",
            "scrub_patterns",
        ]
        widgets = {
            "allowed_origins": forms.Textarea(attrs={"rows": 3}),
            "scrub_fields": forms.Textarea(attrs={"rows": 3}),
            "scrub_patterns": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"scrub_ip_addresses": "Scrub IP addresses"}

    def clean(self):
        """The scrubbing settings must make a valid config (a bad regex is named here, not in ingest)."""
        data = super().clean()
        try:
            ScrubConfig.from_settings(
                fields=data.get("scrub_fields") or "",
                patterns=data.get("scrub_patterns") or "",
                scrub_ip=bool(data.get("scrub_ip_addresses")),
                rules=data.get("scrub_rules") or [],
            )
        except ValueError as exc:
            self.add_error("scrub_patterns", str(exc))
        return data

    def clean_retention_days(self):
        days = self.cleaned_data["retention_days"]
        if not 1 <= days <= 3650:
            raise forms.ValidationError("retention must be between 1 and 3650 days")
        return days


class KeyCreateForm(forms.Form):
    label = forms.CharField(
        max_length=100, initial="Default", widget=forms.TextInput(attrs={"aria-label": "New key label"})
    )


class ProfileForm(forms.Form):
    timezone = forms.CharField(max_length=64, help_text="An IANA name such as Europe/Berlin.")
    digest_enabled = forms.BooleanField(required=False, label="Send me the daily digest")
    digest_hour = forms.IntegerField(min_value=0, max_value=23, help_text="Local hour the digest arrives.")
    digest_opt_out_projects = forms.ModelMultipleChoiceField(
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Leave these projects out of the digest",
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["digest_opt_out_projects"].queryset = projects

    def clean_timezone(self):
        name = self.cleaned_data["timezone"].strip()
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(f"'{name}' is not a known time zone")
        return name


class TokenCreateForm(forms.Form):
    label = forms.CharField(max_length=100)
    can_write = forms.BooleanField(required=False, initial=True, label="Can change issues")


class DiscardForm(forms.Form):
    reason = forms.CharField(max_length=1000)
