"""``manage.py createapitoken --user USERNAME [--scope S ...] [--organization SLUG]``: print a
Bearer token (for sentry-cli: ``SENTRY_AUTH_TOKEN``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from errorhub.accounts.models import TOKEN_SCOPES, Organization
from errorhub.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user; use it as 'Authorization: Bearer <token>'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--label", default="cli")
        parser.add_argument("--read-only", action="store_true")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            choices=TOKEN_SCOPES,
            help="a scope the token has (repeat); none: every scope, or the read ones",
        )
        parser.add_argument("--organization", help="an organisation token: it reaches this organisation only")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"no user {opts['user']!r}")
        organization = None
        if opts["organization"]:
            organization = Organization.objects.filter(slug=opts["organization"]).first()
            if organization is None:
                raise CommandError(f"no organisation {opts['organization']!r}")
        self.stdout.write(
            api_token_create(
                user=user,
                label=opts["label"],
                can_write=not opts["read_only"],
                scopes=opts["scope"],
                organization=organization,
            )
        )
