"""``manage.py alerts_dryrun --project ID --event FILE.json``: which channels would get it."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from alerts.dryrun import alert_dry_run
from errorhub.accounts.models import Project


class Command(BaseCommand):
    help = "Show which alert rules and channels an event would reach, without sending anything."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", type=int, required=True)
        parser.add_argument("--event", required=True, help="a Sentry event JSON file")

    def handle(self, *args, project: int, event: str, **options) -> None:
        target = Project.objects.filter(pk=project).first()
        if target is None:
            raise CommandError(f"no project with id {project}")
        try:
            body = json.loads(Path(event).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {event}: {exc}") from exc
        result = alert_dry_run(project=target, event=body)
        self.stdout.write(f"issue: {result.issue_id or '(new)'}  change: {result.change}")
        if not result.decisions:
            self.stdout.write("no rule matches: nothing would be sent")
        for d in result.decisions:
            self.stdout.write(f"rule #{d['rule_id']} {d['rule']!r} -> {d['kind']}:{d['channel']} ({d['reason']})")
