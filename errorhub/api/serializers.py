"""Issue and project JSON in Sentry's field names, so existing scripts work."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from errorhub import selectors
from errorhub.models import Comment, Issue, Organization, Project, ProjectKey
from ingest.scrub import RULES, ScrubConfig


def _user(user: Any, *, show_email: bool = True) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": str(user.pk), "type": "user", "name": user.get_username(),
            "email": user.email if show_email else None}


class _OrganizationEmails:
    """A user's e-mail is shown only where they are a member of the issue's organisation: an
    assignee or comment author who left it (or was assigned before lookups were scoped to the
    organisation) keeps their name on the issue, not their address. One query per
    (organisation, user), remembered for the serializer's whole list."""

    def _shows_email(self, user: Any, organization: Organization) -> bool:
        seen = self.__dict__.setdefault("_member_of", {})
        key = (organization.pk, user.pk)
        if key not in seen:
            seen[key] = selectors.organization_members(organization).filter(pk=user.pk).exists()
        return seen[key]

    def _member_json(self, user: Any, organization: Organization) -> dict[str, Any] | None:
        return _user(user, show_email=user is not None and self._shows_email(user, organization))


STATUS_OF = {"new": "unresolved", "acknowledged": "unresolved", "regressed": "unresolved",
             "resolved": "resolved", "fixed": "resolved", "snoozed": "ignored"}


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
        fields = ["id", "shortId", "title", "culprit", "level", "status", "lifecycle", "count", "userCount",
                  "firstSeen", "lastSeen", "project", "metadata", "assignedTo", "inbox", "statusDetails",
                  "firstRelease", "lastRelease", "platform", "source", "groupingVersion", "permalink"]

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
            details.update(ignoreReason=obj.snooze_reason, ignoreUntil=obj.snooze_until,
                           ignoreUntilCount=obj.snooze_until_count)
        return details

    def get_permalink(self, obj: Issue) -> str:
        from django.conf import settings

        return f"{settings.BASE_URL}/issues/{obj.pk}/"


class IssueUpdateSerializer(serializers.Serializer):
    """PUT body: Sentry's ``status`` plus ErrorHub's lifecycle verbs."""

    status = serializers.ChoiceField(choices=["resolved", "resolvedInNextRelease", "unresolved", "ignored",
                                              "acknowledged"], required=False)
    statusDetails = serializers.DictField(required=False)
    assignedTo = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True)


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
        fields = ["id", "slug", "name", "platform", "organization", "rate_limit_per_minute", "retention_days",
                  "quiet_period_days", "allowed_origins", "scrub_rules", "scrub_ip_addresses", "scrub_fields",
                  "scrub_patterns", "created_at"]
        read_only_fields = ["id", "slug", "organization", "created_at"]


class ProjectScrubSettingsSerializer(serializers.Serializer):
    """The project settings the API changes: what ingest scrubs (each field optional).

    Validated as one config (with the project's current values for the fields
    not sent), so a bad regex is a 400 naming it, never an error while events
    are processed.
    """

    scrub_rules = serializers.ListField(child=serializers.ChoiceField(choices=list(RULES)), required=False,
                                        max_length=len(RULES) * 2)
    scrub_ip_addresses = serializers.BooleanField(required=False)
    scrub_fields = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=10000)
    scrub_patterns = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=10000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project: Project = self.context["project"]
        if "scrub_rules" in attrs:
            attrs["scrub_rules"] = list(dict.fromkeys(attrs["scrub_rules"]))
        merged = {name: attrs.get(name, getattr(project, name)) for name in self.fields}
        try:
            ScrubConfig.from_settings(fields=merged["scrub_fields"], patterns=merged["scrub_patterns"],
                                      scrub_ip=merged["scrub_ip_addresses"], rules=merged["scrub_rules"])
        except ValueError as exc:
            raise serializers.ValidationError({"scrub_patterns": str(exc)}) from None
        return attrs


class ProjectCreateSerializer(serializers.Serializer):
    organization = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=200)
    team = serializers.CharField(max_length=100, required=False)
    platform = serializers.CharField(max_length=64, required=False, allow_blank=True)
