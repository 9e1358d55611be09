"""Request bodies of the release and deploy endpoints, as sentry-cli and Sentry's API send them."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from errorhub.api.serializers import AwareDateTimeField, StrictCharField
from errorhub.issues.release_services import CommitData

#: Sentry refuses these versions too: they cannot be a path segment or are reserved
_BAD_VERSION = re.compile(r"[\s/\\]|^\.{1,2}$|^latest$")
MAX_COMMITS = 10_000


def _version(value: str) -> str:
    if _BAD_VERSION.search(value):
        raise serializers.ValidationError("must not contain whitespace or slashes, nor be '.', '..' or 'latest'")
    return value


class CommitSerializer(serializers.Serializer):
    """One commit of ``set-commits --local`` (``patch_set`` and other keys are ignored)."""

    id = StrictCharField(max_length=64)
    repository = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    message = StrictCharField(
        required=False, allow_blank=True, allow_null=True, max_length=10_000, trim_whitespace=False
    )
    author_name = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    author_email = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    timestamp = AwareDateTimeField(required=False, allow_null=True)


class RefSerializer(serializers.Serializer):
    """A repository's head commit for the release (no commit history without an integration)."""

    repository = StrictCharField(max_length=200)
    commit = StrictCharField(max_length=64)
    previousCommit = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=64)


class ReleaseCreateSerializer(serializers.Serializer):
    version = StrictCharField(max_length=200, validators=[_version])
    projects = serializers.ListField(child=StrictCharField(max_length=100), min_length=1, max_length=1000)
    url = serializers.URLField(required=False, allow_blank=True, allow_null=True, max_length=500)
    dateStarted = AwareDateTimeField(required=False, allow_null=True)
    dateReleased = AwareDateTimeField(required=False, allow_null=True)
    commits = serializers.ListField(child=CommitSerializer(), required=False, max_length=MAX_COMMITS)
    refs = serializers.ListField(child=RefSerializer(), required=False, max_length=1000)


class ReleaseUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(required=False, allow_blank=True, allow_null=True, max_length=500)
    dateReleased = AwareDateTimeField(required=False, allow_null=True)
    commits = serializers.ListField(child=CommitSerializer(), required=False, max_length=MAX_COMMITS)
    refs = serializers.ListField(child=RefSerializer(), required=False, max_length=1000)
    projects = serializers.ListField(child=StrictCharField(max_length=100), required=False, max_length=1000)
    status = serializers.ChoiceField(
        choices=["open"],
        required=False,
        error_messages={"invalid_choice": "ErrorHub keeps every release open: it has no archive"},
    )


def commits_of(data: dict[str, Any]) -> list[CommitData] | None:
    """The commits a validated body sets: its ``commits``, else its ``refs`` as head commits;
    None when it sets none (the release keeps its commits)."""
    if "commits" in data:
        return [
            CommitData(
                sha=c["id"],
                repository=c.get("repository") or "",
                message=c.get("message") or "",
                author_name=c.get("author_name") or "",
                author_email=c.get("author_email") or "",
                timestamp=c.get("timestamp"),
            )
            for c in data["commits"]
        ]
    if "refs" in data:
        return [CommitData(sha=ref["commit"], repository=ref["repository"]) for ref in data["refs"]]
    return None


class DeploySerializer(serializers.Serializer):
    environment = StrictCharField(max_length=64)
    name = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    url = serializers.URLField(required=False, allow_blank=True, allow_null=True, max_length=500)
    dateStarted = AwareDateTimeField(required=False, allow_null=True)
    dateFinished = AwareDateTimeField(required=False, allow_null=True)
    projects = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, allow_null=True, max_length=1000
    )
