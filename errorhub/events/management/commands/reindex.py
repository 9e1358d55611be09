"""``manage.py reindex``: copy stored SQL events into the configured search engine.

For moving an installation from the SQL event store to Elasticsearch/OpenSearch
(or rebuilding lost indices). Rows are read by ascending id in batches and
bulk-indexed with the same ``_id`` the outbox uses, so running it twice never
duplicates. After each batch the last id done is written to a checkpoint file
in ``DATA_DIR``; an interrupted run started again with the same window resumes
there (``--restart`` ignores the checkpoint).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from errorhub.events.models import StoredEvent
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import EventStoreUnavailable
from ingest.protocol.search.mappings import document_from_event


def checkpoint_path() -> Path:
    return Path(settings.DATA_DIR) / "reindex.checkpoint.json"


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise CommandError(f"{option} must be an ISO date-time with a zone, e.g. 2026-11-01T00:00:00Z; got {value!r}")
    return parsed


def _document(row: StoredEvent) -> dict[str, Any]:
    return document_from_event({**row.body, "project_id": row.project_id}, issue_id=row.issue_id)


class Command(BaseCommand):
    help = "Copy StoredEvent rows (SQL) into the configured Elasticsearch/OpenSearch event store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="only events with timestamp >= this ISO date-time")
        parser.add_argument("--until", help="only events with timestamp < this ISO date-time")
        parser.add_argument("--batch", type=int, default=500, help="events per bulk request (default 500)")
        parser.add_argument("--restart", action="store_true", help="ignore the checkpoint of an earlier run")

    def handle(
        self, *args: Any, since: str | None, until: str | None, batch: int, restart: bool, **options: Any
    ) -> None:
        store = get_event_store()
        if store.transactional:
            raise CommandError("ERRORHUB_EVENT_STORE is 'sql': set it to elasticsearch or opensearch to reindex")
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        window = {"since": since, "until": until}
        rows = StoredEvent.objects.order_by("id")
        if (start := _when(since, "--since")) is not None:
            rows = rows.filter(timestamp__gte=start)
        if (end := _when(until, "--until")) is not None:
            rows = rows.filter(timestamp__lt=end)
        last_id = 0 if restart else self._resume_from(window)
        done = self._copy(store, rows, last_id, batch, window)
        getattr(store, "refresh", lambda: None)()
        checkpoint_path().unlink(missing_ok=True)
        self.stdout.write(self.style.SUCCESS(f"reindexed {done} events"))

    def _resume_from(self, window: dict[str, str | None]) -> int:
        path = checkpoint_path()
        if not path.exists():
            return 0
        saved = json.loads(path.read_text())
        if saved.get("window") != window:
            raise CommandError(
                f"{path} belongs to a run over {saved.get('window')}; use the same --since/--until, or --restart"
            )
        self.stdout.write(f"resuming after event row {saved['last_id']}")
        return int(saved["last_id"])

    def _copy(self, store: Any, rows: Any, last_id: int, batch: int, window: dict[str, str | None]) -> int:
        done = 0
        with tqdm(total=rows.filter(id__gt=last_id).count(), unit="ev", disable=None) as bar:
            while chunk := list(rows.filter(id__gt=last_id)[:batch]):
                try:
                    store.index_documents([_document(row) for row in chunk])
                except EventStoreUnavailable as exc:
                    raise CommandError(
                        f"search engine unavailable after row {last_id} ({exc}); run the command again to resume"
                    ) from exc
                last_id = chunk[-1].pk
                self._save(last_id, window)
                done += len(chunk)
                bar.update(len(chunk))
        return done

    @staticmethod
    def _save(last_id: int, window: dict[str, str | None]) -> None:
        path = checkpoint_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"last_id": last_id, "window": window}))
        tmp.replace(path)  # atomic: a crash never leaves half a checkpoint
