"""Sentry's legacy user-feedback API: ``/api/0/projects/<org>/<project>/user-feedback/``.

``POST {event_id, name, email, comments}`` stores what a user wrote about an event
(a crash-report dialog, a support form); feedback for that event already stored, by the
API or by an SDK's ``user_report``, is kept and the POST answered 409, as Sentry does; ``GET`` lists the
project's feedback, newest first. The event may arrive later than its feedback: the link to the issue
is resolved when the issue is read (see ``ingest.feedback``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework import status as http
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errorhub.accounts import selectors
from errorhub.api.auth import TokenScopePermission
from errorhub.events.models import UserFeedback
from ingest.feedback import feedback_for_project, feedback_record
from ingest.protocol.envelope import EnvelopeError, normalize_event_id

#: One page of the listing; feedback is read by people, not bulk-exported.
LIST_LIMIT = 100


class UserFeedbackInSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=36)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    comments = serializers.CharField(max_length=10000)

    def validate_event_id(self, value: str) -> str:
        try:
            event_id = normalize_event_id(value)
        except EnvelopeError as exc:
            raise serializers.ValidationError(exc.message) from None
        if event_id is None:
            raise serializers.ValidationError("event_id must name an event, not the nil UUID")
        return event_id


class UserFeedbackOutSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="pk")
    eventID = serializers.CharField(source="event_id")
    dateCreated = serializers.DateTimeField(source="created_at")
    issue = serializers.SerializerMethodField()

    class Meta:
        model = UserFeedback
        fields = ["id", "eventID", "name", "email", "comments", "dateCreated", "issue", "source"]

    def get_issue(self, feedback: UserFeedback) -> str | None:
        return str(feedback.issue_id) if feedback.issue_id else None


class ProjectUserFeedback(APIView):
    permission_classes = [IsAuthenticated, TokenScopePermission]
    read_scope, write_scope = "event:read", "event:write"

    def get(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        rows = feedback_for_project(proj)[:LIST_LIMIT]
        return Response(UserFeedbackOutSerializer(rows, many=True).data)

    def post(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        incoming = UserFeedbackInSerializer(data=request.data if isinstance(request.data, dict) else {})
        incoming.is_valid(raise_exception=True)
        data: dict[str, Any] = incoming.validated_data
        feedback = feedback_record(
            project=proj,
            feedback_id=data["event_id"],
            event_id=data["event_id"],
            name=data["name"],
            email=data["email"],
            comments=data["comments"],
            source="api",
            replace=False,
        )
        return Response(UserFeedbackOutSerializer(feedback).data, status=http.HTTP_201_CREATED)
