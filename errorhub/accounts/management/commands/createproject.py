"""``manage.py createproject --org ORG --name NAME [--team TEAM] [--json]``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from errorhub.accounts.services import project_create


class Command(BaseCommand):
    help = "Create a project (and its organisation and team when missing) and print its DSN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--team")
        parser.add_argument("--platform", default="")
        parser.add_argument("--json", action="store_true", help='print one line: {"id", "slug", "dsn"}')

    def handle(self, *args: Any, **opts: Any) -> None:
        created = project_create(
            org_name=opts["org"], name=opts["name"], team_name=opts["team"], platform=opts["platform"]
        )
        dsn = created.key.dsn()
        if opts["json"]:
            self.stdout.write(json.dumps({"id": created.project.pk, "slug": created.project.slug, "dsn": dsn}))
        else:
            verb = "Created" if created.created else "Found"
            self.stdout.write(f"{verb} project {created.project}\nDSN: {dsn}")
