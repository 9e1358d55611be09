"""Bulk inserts: new rows whose ids nobody needs back, fast on PostgreSQL; and
multi-row insert-or-conflict statements (one round trip for a whole batch).

Django 5.2 bulk-inserts on PostgreSQL through ``UNNEST`` of one array per
column, and psycopg builds those array literals in Python, escaping every
value with a regular expression: for the search outbox (~4 KB JSON documents)
that was ~0.5–0.9 ms per row, the largest single cost of processing an event
on the production stack. ``COPY ... FROM STDIN`` sends the rows as they are
(~0.1 ms per row, measured with ``bench/storm/profile.py --prod``). Other
databases keep ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not (f.primary_key and f.db_returning)]


def _copy_value(field: models.Field, obj: models.Model) -> Any:
    value = field.pre_save(obj, add=True)  # applies auto_now / defaults as save() would
    return field.get_db_prep_save(value, connection)  # JSON fields: psycopg's Jsonb, as bulk_create sends


def bulk_insert(objs: Sequence[models.Model]) -> None:
    """Insert new rows of one model (ids are not set on ``objs``).

    Runs inside the caller's transaction, like ``bulk_create``.
    """
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    fields = _insert_fields(model)
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            copy.write_row([_copy_value(f, obj) for f in fields])


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    on_conflict: str,
    returning: str = "",
) -> list[tuple[Any, ...]]:
    """``INSERT INTO <model's table> (columns) VALUES (...), (...) ON CONFLICT <on_conflict>
    [RETURNING <returning>]``: one statement on PostgreSQL and SQLite alike.

    ``columns`` and ``on_conflict`` are SQL written by the caller (never event data);
    values are parameters, already adapted for the database (e.g. datetimes through
    ``connection.ops.adapt_datetimefield_value``). Returns the ``RETURNING`` rows.
    """
    values = [value for row in rows for value in row]
    if not values:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        f"{', '.join([placeholders] * (len(values) // len(columns)))} ON CONFLICT {on_conflict}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql + (f" RETURNING {returning}" if returning else ""), values)
        return cursor.fetchall() if returning else []
