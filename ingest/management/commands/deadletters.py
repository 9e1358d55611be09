"""``manage.py deadletters list|replay [ID|--all]|discard ID --reason TEXT|import-files``.

Payloads that failed every processing retry wait in ``DeadLetter``; this is the
operator's way to see them, send them back through processing once the cause
is fixed, or discard them with a recorded reason.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from ingest.models import DeadLetter
from ingest.services import dead_letter_discard, dead_letter_replay, dead_letters_import_files


def _pending() -> QuerySet[DeadLetter]:
    return DeadLetter.objects.filter(replayed_at__isnull=True, discarded_at__isnull=True)


class Command(BaseCommand):
    help = "List, replay or discard payloads that failed every processing retry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="dead letters still waiting (with --all: replayed/discarded too)")
        listing.add_argument("--all", action="store_true")
        replay = sub.add_parser("replay", help="queue a dead letter's payload for processing again")
        replay.add_argument("id", nargs="?", type=int)
        replay.add_argument("--all", action="store_true", help="replay every waiting dead letter")
        discard = sub.add_parser("discard", help="give up on a dead letter; the reason is kept")
        discard.add_argument("id", type=int)
        discard.add_argument("--reason", default="")
        sub.add_parser("import-files", help="move dead letters written to files (database was down) into the table")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "list":
            self._list(show_all=opts["all"])
        elif action == "replay":
            self._replay(opts["id"], replay_all=opts["all"])
        elif action == "discard":
            self._discard(opts["id"], opts["reason"])
        else:
            moved = dead_letters_import_files()
            self.stdout.write(f"imported {moved} dead letter file(s)")

    def _list(self, *, show_all: bool) -> None:
        rows = DeadLetter.objects.all() if show_all else _pending()
        count = 0
        for row in rows.order_by("id"):
            count += 1
            state = (
                "replayed"
                if row.replayed_at
                else f"discarded ({row.discard_reason})"
                if row.discarded_at
                else "waiting"
            )
            error = row.error.splitlines()[0][:200] if row.error else ""
            self.stdout.write(
                f"{row.pk}\t{row.task}\tproject={row.project_id}\tattempts={row.attempts}\t"
                f"{row.last_failed_at:%Y-%m-%d %H:%M:%S}\t{state}\t{error}"
            )
        if not count:
            self.stdout.write("no dead letters" if show_all else "no waiting dead letters")

    def _get(self, pk: int) -> DeadLetter:
        row = DeadLetter.objects.filter(pk=pk).first()
        if row is None:
            raise CommandError(f"no dead letter {pk}")
        return row

    def _replay(self, pk: int | None, *, replay_all: bool) -> None:
        if (pk is None) == (not replay_all):
            raise CommandError("replay needs a dead letter ID or --all (not both)")
        rows = list(_pending().order_by("id")) if replay_all else [self._get(pk)]
        for row in rows:
            try:
                dead_letter_replay(dead_letter=row)
            except ValueError as exc:  # already replayed or discarded
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"replayed {row.pk}")
        if replay_all:
            self.stdout.write(f"{len(rows)} dead letter(s) replayed")

    def _discard(self, pk: int, reason: str) -> None:
        if not reason.strip():
            raise CommandError("discard needs --reason TEXT: say why this payload may be dropped")
        row = self._get(pk)
        if row.discarded_at or row.replayed_at:
            raise CommandError(f"dead letter {pk} was already replayed or discarded")
        dead_letter_discard(dead_letter=row, reason=reason)
        self.stdout.write(f"discarded {row.pk}: {row.discard_reason}")
