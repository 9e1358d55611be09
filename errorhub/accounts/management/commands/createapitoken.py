"""``manage.py createapitoken --user USERNAME``: print a Bearer token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from errorhub.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user; use it as 'Authorization: Bearer <token>'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--label", default="cli")
        parser.add_argument("--read-only", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"no user {opts['user']!r}")
        self.stdout.write(api_token_create(user=user, label=opts["label"], can_write=not opts["read_only"]))
