"""Issue and project JSON in Sentry's field names, so existing scripts work."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from errorhub.accounts import selectors
from errorhub.accounts.models import Organization, Project, ProjectKey
from errorhub.api.sentry_event import sentry_event
from errorhub.issues.models import Comment, Issue
from errorhub.issues.services import MAX_SNOOZE, MAX_SNOOZE_COUNT
from ingest.protocol.normalize import event_title
from ingest.protocol.scrub import RULES, ScrubConfig


def _user(user: Any, *, show_email: bool = True) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": str(user.pk),
        "type": "user",
        "name": user.get_username(),
        "email": user.email if show_email else None,
    }


class _OrganizationEmails:
    """A user's e-mail is shown only where they are a member of the issue's organisation: an
    assignee or comment author who left it (or was assigned before lookups were scoped to the
    organisation) keeps their name on the issue, not their address. One query per
    (organisation, user), remembered for the serializer's whole list."""

    def _shows_email(self, user: Any, organization: Organization) -> bool:
        seen = self.__dict__.setdefault("_member_of", {})
        key = (organization.pk, user.pk)
        if key not in seen:
            seen[key] = selectors.is_member(user, organization)
        return seen[key]

    def _member_json(self, user: Any, organization: Organization) -> dict[str, Any] | None:
        return _user(user, show_email=user is not None and self._shows_email(user, organization))


STATUS_OF = {
    "new": "unresolved",
    "acknowledged": "unresolved",
    "regressed": "unresolved",
    "resolved": "resolved",
    "fixed": "resolved",
    "snoozed": "ignored",
}


class IssueSerializer(_OrganizationEmails, serializers.ModelSerializer):
    id = serializers.CharField(source="pk", read_only=True)
    shortId = serializers.CharField(source="short_code", read_only=True)
    status = serializers.SerializerMethodField()
    count = serializers.CharField(source="times_seen", read_only=True)
    userCount = serializers.IntegerField(source="users_seen", read_only=True)
    firstSeen = serializers.DateTimeField(source="first_seen", read_only=True)
    lastSeen = serializers.DateTimeField(source="last_seen", read_only=True)
    project = serializers.SerializerMethodField()
    assignedTo = serializers.SerializerMethodField()
    inbox = serializers.BooleanField(source="in_inbox", read_only=True)
    statusDetails = serializers.SerializerMethodField()
    firstRelease = serializers.CharField(source="first_release", read_only=True)
    lastRelease = serializers.CharField(source="last_release", read_only=True)
    groupingVersion = serializers.CharField(source="grouping_version", read_only=True)
    permalink = serializers.SerializerMethodField()

    class Meta:
        model = Issue
        fields = [
            "id",
            "shortId",
            "title",
            "culprit",
            "level",
            "status",
            "lifecycle",
            "count",
            "userCount",
            "firstSeen",
            "lastSeen",
            "project",
            "metadata",
            "assignedTo",
            "inbox",
            "statusDetails",
            "firstRelease",
            "lastRelease",
            "platform",
            "source",
            "groupingVersion",
            "permalink",
        ]

    def get_status(self, obj: Issue) -> str:
        return STATUS_OF.get(obj.lifecycle, "unresolved")

    def get_project(self, obj: Issue) -> dict[str, Any]:
        return {"id": str(obj.project_id), "slug": obj.project.slug, "name": obj.project.name}

    def get_assignedTo(self, obj: Issue) -> dict[str, Any] | None:
        return self._member_json(obj.assignee, obj.project.organization)

    def get_statusDetails(self, obj: Issue) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if obj.resolved_in_release and not obj.resolved_in_next_release:
            details["inRelease"] = obj.resolved_in_release
        if obj.resolved_in_next_release:
            details["inNextRelease"] = True
        if obj.snooze_reason:
            details.update(
                ignoreReason=obj.snooze_reason, ignoreUntil=obj.snooze_until, ignoreUntilCount=obj.snooze_until_count
            )
        return details

    def get_permalink(self, obj: Issue) -> str:
        return f"{settings.BASE_URL}/issues/{obj.pk}/"


def event_json(event: dict[str, Any], *, full: bool) -> dict[str, Any]:
    """A stored event in Sentry's event field names; ``full`` adds Sentry's web-API shape of one
    event (typed ``entries``, contexts, user, sdk ... see ``sentry_event``) and the whole
    normalised event as ``body`` (one event's page), the summary alone serves lists."""
    summary = {
        "id": event.get("event_id"),
        "eventID": event.get("event_id"),
        "groupID": str(event.get("issue_id")),
        "projectID": str(event.get("project_id")),
        "title": event_title(event),
        "message": event.get("message"),
        "dateCreated": event.get("timestamp"),
        "dateReceived": event.get("received_at"),
        "level": event.get("level"),
        "release": event.get("release"),
        "environment": event.get("environment"),
        "tags": [{"key": k, "value": v} for k, v in (event.get("tags") or {}).items()],
        "trace_id": event.get("trace_id"),
        "request_id": event.get("request_id"),
    }
    if full:  # issue #19
        summary = {**sentry_event(event), **summary, "body": event}
    return summary


class StrictCharField(serializers.CharField):
    """Text that must arrive as a JSON string: a number or a list is the client's mistake."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AwareDateTimeField(serializers.Field):
    """An ISO 8601 date-time with its time zone (a naive one is ambiguous: which zone?),
    no later than ``MAX_SNOOZE`` from now (bounds the stored year, too)."""

    default_error_messages = {
        "invalid": "must be an ISO 8601 date-time string, e.g. 2030-01-01T00:00:00Z",
        "naive": "must include a time zone (Z or +hh:mm)",
        "too_late": "must be at most {days} days from now",
    }

    def to_internal_value(self, data: Any) -> datetime:
        try:
            when = parse_datetime(data) if isinstance(data, str) and len(data) <= 64 else None
        except ValueError:  # well-formed but impossible, e.g. month 13
            when = None
        if when is None:
            self.fail("invalid")
        if timezone.is_naive(when):
            self.fail("naive")
        if when > timezone.now() + MAX_SNOOZE:  # comparing aware datetimes never overflows
            self.fail("too_late", days=MAX_SNOOZE.days)
        return when

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


def _whole_number(highest: int) -> serializers.IntegerField:
    """1 to ``highest``; DRF parses the value as text, so a 400-digit JSON number or a float
    is refused without the float conversion that overflowed."""
    message = f"must be a whole number from 1 to {highest}"
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=highest,
        error_messages={key: message for key in ("invalid", "min_value", "max_value", "max_string_length")},
    )


class StatusDetailsSerializer(serializers.Serializer):
    """``statusDetails`` of an issue update, each field typed and bounded (Sentry's names;
    keys Sentry has and ErrorHub does not use are ignored)."""

    inRelease = StrictCharField(required=False, allow_blank=True, max_length=200)
    inNextRelease = serializers.BooleanField(required=False)
    assignee = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=254)
    ignoreReason = StrictCharField(required=False, allow_blank=True, max_length=500)
    ignoreUntil = AwareDateTimeField(required=False, allow_null=True)
    ignoreDuration = _whole_number(int(MAX_SNOOZE / timedelta(minutes=1)))  # minutes
    ignoreCount = _whole_number(MAX_SNOOZE_COUNT)
    ignoreUntilCount = _whole_number(MAX_SNOOZE_COUNT)
    ignoreUserCount = _whole_number(MAX_SNOOZE_COUNT)


def first_error(errors: Any, path: str = "") -> str:
    """One of DRF's nested validation errors as a sentence naming the field by its dotted path,
    e.g. ``statusDetails.ignoreUntil must include a time zone``."""
    if isinstance(errors, dict):
        name, inner = next(iter(errors.items()))
        field = path if name == "non_field_errors" else f"{path}.{name}".lstrip(".")
        return first_error(inner, field)
    if isinstance(errors, list):
        return first_error(errors[0], path)
    text = str(errors)
    if not path:
        return text
    return f"{path} {text}" if text[:1].islower() else f"{path}: {text}"


class IssueUpdateSerializer(serializers.Serializer):
    """PUT body: Sentry's ``status`` plus ErrorHub's lifecycle verbs."""

    status = serializers.ChoiceField(
        choices=["resolved", "resolvedInNextRelease", "unresolved", "ignored", "muted", "acknowledged"], required=False
    )  # muted: Sentry's old name
    statusDetails = StatusDetailsSerializer(required=False)
    snoozeDuration = _whole_number(int(MAX_SNOOZE / timedelta(minutes=1)))  # minutes; sentry-cli sends it (null)
    assignedTo = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=254)
    reason = StrictCharField(required=False, allow_blank=True, max_length=500)


class CommentSerializer(_OrganizationEmails, serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "text", "user", "created_at"]
        read_only_fields = ["id", "user", "created_at"]

    def get_user(self, obj: Comment) -> dict[str, Any] | None:
        return self._member_json(obj.user, obj.issue.project.organization)


class ProjectKeySerializer(serializers.ModelSerializer):
    dsn = serializers.SerializerMethodField()
    public = serializers.CharField(source="public_key", read_only=True)

    class Meta:
        model = ProjectKey
        fields = ["id", "label", "public", "is_active", "rate_limit_per_minute", "dsn", "created_at"]
        read_only_fields = ["id", "public", "dsn", "created_at"]

    def get_dsn(self, obj: ProjectKey) -> dict[str, str]:
        return {"public": obj.dsn()}


class ProjectSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "slug",
            "name",
            "platform",
            "organization",
            "rate_limit_per_minute",
            "retention_days",
            "quiet_period_days",
            "allowed_origins",
            "scrub_rules",
            "scrub_ip_addresses",
            "scrub_fields",
            "scrub_patterns",
            "created_at",
        ]
        read_only_fields = ["id", "slug", "organization", "created_at"]


class ProjectScrubSettingsSerializer(serializers.Serializer):
    """The project settings the API changes: what ingest scrubs (each field optional).

    Validated as one config (with the project's current values for the fields
    not sent), so a bad regex is a 400 naming it, never an error while events
    are processed.
    """

    scrub_rules = serializers.ListField(
        child=serializers.ChoiceField(choices=list(RULES)), required=False, max_length=len(RULES) * 2
    )
    scrub_ip_addresses = serializers.BooleanField(required=False)
    scrub_fields = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=10000)
    scrub_patterns = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=10000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project: Project = self.context["project"]
        if "scrub_rules" in attrs:
            attrs["scrub_rules"] = list(dict.fromkeys(attrs["scrub_rules"]))
        merged = {name: attrs.get(name, getattr(project, name)) for name in self.fields}
        try:
            ScrubConfig.from_settings(
                fields=merged["scrub_fields"],
                patterns=merged["scrub_patterns"],
                scrub_ip=merged["scrub_ip_addresses"],
                rules=merged["scrub_rules"],
            )
        except ValueError as exc:
            raise serializers.ValidationError({"scrub_patterns": str(exc)}) from None
        return attrs


class ProjectCreateSerializer(serializers.Serializer):
    organization = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=200)
    team = serializers.CharField(max_length=100, required=False)
    platform = serializers.CharField(max_length=64, required=False, allow_blank=True)
