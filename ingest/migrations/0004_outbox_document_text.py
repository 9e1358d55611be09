"""The outbox keeps each document as the JSON text sent to the engine (see ``IndexOutbox``)."""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce


def copy_timestamps(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rows waiting while this runs keep their day (read while ``document`` is still JSON):
    one statement, however long the backlog (the table is locked meanwhile)."""
    outbox = apps.get_model("ingest", "IndexOutbox")
    outbox.objects.update(timestamp=Coalesce(KT("document__timestamp"), Value("")))


def store_uncompressed(apps, schema_editor):  # type: ignore[no-untyped-def]
    """PostgreSQL: out of line but not compressed. The rows live for milliseconds;
    pglz compression of each document cost more CPU than the bytes it saved."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE "ingest_indexoutbox" ALTER COLUMN "document" SET STORAGE EXTERNAL')


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0003_eventtag_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="indexoutbox",
            name="timestamp",
            # a database default too: workers still on the old code keep inserting during a rollout
            field=models.CharField(blank=True, default="", db_default="", max_length=40),
        ),
        migrations.RunPython(copy_timestamps, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="indexoutbox",
            name="document",
            field=models.TextField(),
        ),
        migrations.RunPython(store_uncompressed, migrations.RunPython.noop),
    ]
