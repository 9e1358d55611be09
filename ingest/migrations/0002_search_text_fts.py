"""Full-text search on ``StoredEvent.search_text`` for the SQL event store.

SQLite: an external-content FTS5 table kept in step by triggers (the rows stay
in ``ingest_storedevent``; FTS5 holds only the inverted index).
PostgreSQL: a GIN index on exactly the tsvector expression ``ingest.search.sql``
queries with, so free-text search never scans the table.
Other vendors get nothing (search falls back to ``icontains``).
"""

from __future__ import annotations

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ingest_storedevent_fts USING fts5("
    "search_text, content='ingest_storedevent', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS ingest_storedevent_fts_ai AFTER INSERT ON ingest_storedevent BEGIN "
    "INSERT INTO ingest_storedevent_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS ingest_storedevent_fts_ad AFTER DELETE ON ingest_storedevent BEGIN "
    "INSERT INTO ingest_storedevent_fts(ingest_storedevent_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    # Only search_text matters to the index: an issue move (UPDATE issue_id) costs nothing here.
    "CREATE TRIGGER IF NOT EXISTS ingest_storedevent_fts_au AFTER UPDATE OF search_text ON ingest_storedevent BEGIN "
    "INSERT INTO ingest_storedevent_fts(ingest_storedevent_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO ingest_storedevent_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    # Index rows stored before this migration.
    "INSERT INTO ingest_storedevent_fts(ingest_storedevent_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ingest_storedevent_fts_ai",
    "DROP TRIGGER IF EXISTS ingest_storedevent_fts_ad",
    "DROP TRIGGER IF EXISTS ingest_storedevent_fts_au",
    "DROP TABLE IF EXISTS ingest_storedevent_fts",
]
# Must stay identical to ingest.search.sql.PG_TSVECTOR.
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS ingest_storedevent_search_text_fts ON ingest_storedevent USING gin "
    "(to_tsvector('simple'::regconfig, regexp_replace(search_text, '[^[:alnum:]]+', ' ', 'g')))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS ingest_storedevent_search_text_fts"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A RunPython step executing the statements of the connection's vendor only."""

    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("ingest", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
