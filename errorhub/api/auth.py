"""``Authorization: Bearer <token>`` for the REST API (tokens hashed at rest)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from errorhub.accounts.models import ApiToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):  # type: ignore[override]
        header = request.headers.get("Authorization", "")
        if not header.startswith(f"{self.keyword} "):
            return None
        token = header[len(self.keyword) + 1:].strip()
        if not token:
            raise exceptions.AuthenticationFailed("empty bearer token")
        row = ApiToken.objects.select_related("user").filter(token_hash=ApiToken.hash_token(token)).first()
        if row is None or not row.user.is_active:
            raise exceptions.AuthenticationFailed("invalid or revoked API token")
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        return row.user, row

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TokenScopePermission:
    """Read-only tokens may only use safe methods."""

    def has_permission(self, request: Request, view: object) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and not token.can_write:
            return request.method in ("GET", "HEAD", "OPTIONS")
        return True

    def has_object_permission(self, request: Request, view: object, obj: object) -> bool:
        return self.has_permission(request, view)
