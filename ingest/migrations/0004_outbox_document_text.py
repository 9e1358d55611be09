"""The outbox keeps each document as the JSON text sent to the engine (see ``IndexOutbox``)."""

from django.db import migrations, models


def copy_timestamps(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Rows waiting while this runs keep their day (read while ``document`` is still JSON)."""
    outbox = apps.get_model("ingest", "IndexOutbox")
    for row in outbox.objects.only("pk", "document").iterator():
        document = row.document if isinstance(row.document, dict) else {}
        outbox.objects.filter(pk=row.pk).update(timestamp=str(document.get("timestamp", "")))


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
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RunPython(copy_timestamps, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="indexoutbox",
            name="document",
            field=models.TextField(),
        ),
        migrations.RunPython(store_uncompressed, migrations.RunPython.noop),
    ]
