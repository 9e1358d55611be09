"""``Authorization: Bearer <token>`` for the REST API (tokens hashed at rest), and the checks
every endpoint makes of a token: its scopes, and for an organisation token, its organisation."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from errorhub.accounts.models import ApiToken, Organization
from errorhub.issues import selectors


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):  # type: ignore[override]
        header = request.headers.get("Authorization", "")
        if not header.startswith(f"{self.keyword} "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        if not token:
            raise exceptions.AuthenticationFailed("empty bearer token")
        row = (
            ApiToken.objects.select_related("user", "organization")
            .filter(token_hash=ApiToken.hash_token(token))
            .first()
        )
        if row is None or not row.user.is_active:
            raise exceptions.AuthenticationFailed("invalid or revoked API token")
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        return row.user, row

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def token_of(request: Request) -> ApiToken | None:
    """The API token the request authenticated with (None for a dashboard session)."""
    return request.auth if isinstance(request.auth, ApiToken) else None


def token_organization(request: Request) -> Organization | None:
    """The one organisation an organisation token may reach; None when the request may reach
    every organisation its user belongs to."""
    token = token_of(request)
    return token.organization if token is not None else None


def required_scope(request: Request, view: object) -> str:
    """The scope a view asks of a token for this method: ``scopes = {"GET": ..., "PUT": ...}``,
    falling back to ``read_scope`` for safe methods and ``write_scope`` for the others."""
    scopes = getattr(view, "scopes", {})
    if request.method in scopes:
        return scopes[request.method]
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return getattr(view, "read_scope", "project:read")
    return getattr(view, "write_scope", "project:write")


class TokenScopePermission:
    """A token needs the scope of the endpoint and method; an organisation token reaches only its
    organisation (anything else is a 404, as for an organisation the user is not in)."""

    message = "this API token lacks the scope this endpoint needs"

    def has_permission(self, request: Request, view: object) -> bool:
        token = token_of(request)
        if token is None:
            return True
        scope = required_scope(request, view)
        if scope not in token.effective_scopes():
            raise exceptions.PermissionDenied(f"this API token lacks the {scope!r} scope this request needs")
        if token.organization_id is not None:
            _check_organization(request, token.organization, getattr(view, "kwargs", {}))
        return True

    def has_object_permission(self, request: Request, view: object, obj: object) -> bool:
        return self.has_permission(request, view)


def _check_organization(request: Request, organization: Organization, kwargs: dict[str, str]) -> None:
    if "org" in kwargs and kwargs["org"] != organization.slug:
        raise Http404("no such organization")
    if "issue_id" in kwargs:
        issue = selectors.issue_get_for_user(request.user, kwargs["issue_id"])
        if issue.project.organization_id != organization.pk:
            raise Http404("no such issue")
