"""Query AST -> a Django ``Q`` over ``StoredEvent`` (the SQL event store).

The same search language as the search engines (see ``dsl.py``), answered by
PostgreSQL and SQLite alike:

- fields with their own column (level, release, trace_id ...) are plain lookups;
- other scalar fields (platform, user.id, request.url ...) read ``body`` with the
  vendor's JSON path function;
- list fields (exception types/values, frame functions ...) use an ``EXISTS``
  over the JSON array, so ``error.type:KeyError`` means "one exception of the
  chain is a KeyError", exactly like a keyword array in the engine;
- tags are ``EventTag`` rows (indexed on key/value);
- free text is full-text search on ``search_text``: PostgreSQL ``tsvector`` with
  the ``simple`` config, SQLite the FTS5 table of migration 0002. User text is
  always quoted, so it never becomes FTS operators.

Wildcards are case-sensitive whole-value regexes on both vendors (``*`` is the
only wildcard), matching the engine's ``wildcard`` query on keywords.
Issue-level terms (``is:``, ``assigned:``, first/last seen) and ``project:`` are
left to ``errorhub/issue_search.py`` and the caller's ``project_ids``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from errorhub.events.models import EventTag
from ingest.protocol.search.query import FieldTerm, HasTerm, Query, Term, TextTerm, TimeTerm, event_terms

TABLE = "ingest_storedevent"
FTS_TABLE = "ingest_storedevent_fts"
# The tsvector expression PostgreSQL's GIN index (migration 0002) is built on;
# queries must use this exact text for the index to serve them. Punctuation is
# turned into spaces first so ``PaymentService.charge`` yields ``charge``
# (the stock parser would keep it as one "file" token).
PG_TSVECTOR = "to_tsvector('simple'::regconfig, regexp_replace(search_text, '[^[:alnum:]]+', ' ', 'g'))"

# Query keys stored in their own StoredEvent column.
COLUMNS: dict[str, str] = {
    "level": "level",
    "release": "release",
    "environment": "environment",
    "trace_id": "trace_id",
    "request_id": "request_id",
    "transaction": "transaction",
    "source": "source",
    "event_id": "event_id",
    "issue.id": "issue_id",
    "project": "project_id",
}
# Scalar fields read from the JSON body: key -> path inside the event.
BODY_PATHS: dict[str, tuple[str, ...]] = {
    "platform": ("platform",),
    "logger": ("logger",),
    "server_name": ("server_name",),
    "service": ("service",),
    "message": ("message",),
    "user.id": ("user", "id"),
    "user.email": ("user", "email"),
    "user.username": ("user", "username"),
    "user.ip_address": ("user", "ip_address"),
    "request.method": ("request", "method"),
    "request.url": ("request", "url"),
    "request.status_code": ("request", "status_code"),
}
# Fields inside the exception chain: key -> (inside frames?, path in the element).
LIST_PATHS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "error.type": (False, ("type",)),
    "error.value": (False, ("value",)),
    "error.module": (False, ("module",)),
    "stack.function": (True, ("function",)),
    "stack.module": (True, ("module",)),
    "stack.filename": (True, ("filename",)),
}
# Phrase-matched text (case-insensitive contains) rather than exact keywords.
TEXT_KEYS = {"message", "error.value"}
# has: on a whole object checks any of these keys.
HAS_KEYS: dict[str, tuple[str, ...]] = {
    "user": ("user.id", "user.email", "user.username", "user.ip_address"),
    "error": ("error.type",),
    "stack": ("stack.function", "stack.filename"),
    "request": ("request.url", "request.method"),
}
_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# Alphanumeric runs: the same tokens PostgreSQL (after regexp_replace) and FTS5 unicode61 index.
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class _Sql:
    """A boolean SQL fragment with its parameters."""

    sql: str
    params: tuple[object, ...] = ()

    def q(self) -> Q:
        # COALESCE: a missing JSON value is "does not match", so NOT(...) holds for it,
        # like ``must_not`` on an absent field in the engine.
        return Q(RawSQL(f"COALESCE(({self.sql}), FALSE)", self.params, output_field=BooleanField()))


def query_to_q(query: Query, *, vendor: str) -> Q:
    """Every event term of ``query`` as one ``Q`` (AND); ``vendor`` is ``connection.vendor``."""
    q = Q()
    for term in event_terms(query).terms:
        if not isinstance(term, (FieldTerm, TextTerm, HasTerm, TimeTerm)):
            continue
        q &= _term_q(term, vendor)
    return q


def _term_q(term: Term, vendor: str) -> Q:
    if isinstance(term, TimeTerm):
        op = "exact" if term.op == "eq" else term.op
        return Q(**{f"timestamp__{op}": term.when})
    if isinstance(term, TextTerm):
        q = _text_q(term, vendor)
    elif isinstance(term, HasTerm):
        q = _has_q(term, vendor)
    else:
        q = _field_q(term, vendor)  # type: ignore[arg-type]
    return ~q if term.negated else q  # type: ignore[union-attr]


# --- fields ------------------------------------------------------------------------


def _field_q(term: FieldTerm, vendor: str) -> Q:
    if term.is_tag:
        return _any(_tag_q(term.key, value, term.op) for value in term.values)
    if term.key == "error.handled":
        return _any(_handled_q(value == "true", vendor) for value in term.values)
    if term.key in COLUMNS:
        return _column_q(COLUMNS[term.key], term)
    if term.key in BODY_PATHS:
        leaf = _scalar_leaf(BODY_PATHS[term.key], vendor)
        return _any(_match(leaf, term.key, value, term.op, vendor).q() for value in term.values)
    frames, path = LIST_PATHS[term.key]
    return _any(
        _exists_in_chain(frames, path, vendor, lambda leaf, v=value: _match(leaf, term.key, v, term.op, vendor))
        for value in term.values
    )


def _column_q(column: str, term: FieldTerm) -> Q:
    if term.op == "wildcard":
        return _any(Q(**{f"{column}__regex": _regex(v)}) if "*" in v else Q(**{column: v}) for v in term.values)
    if term.op in _COMPARE:
        return Q(**{f"{column}__{term.op}": term.values[0]})
    return Q(**{f"{column}__in": list(term.values)})


def _match(leaf: str, key: str, value: str, op: str, vendor: str) -> _Sql:
    """One value of a JSON-held field: exact, wildcard, phrase or numeric comparison."""
    if op in _COMPARE:
        number = f"CAST({leaf} AS {'INTEGER' if vendor == 'sqlite' else 'BIGINT'})"
        return _Sql(f"{number} {_COMPARE[op]} %s", (int(value),))
    if op == "wildcard" and "*" in value:
        return _Sql(f"{leaf} {'REGEXP' if vendor == 'sqlite' else '~'} %s", (_regex(value),))
    if key in TEXT_KEYS:
        return _Sql(f"LOWER({leaf}) LIKE %s ESCAPE '\\'", (f"%{_like_escape(value.lower())}%",))
    return _Sql(f"{leaf} = %s", (value,))


def _handled_q(handled: bool, vendor: str) -> Q:
    """Same rule as the index: one unhandled link makes the chain unhandled."""
    flag = _bool_leaf(("mechanism", "handled"), vendor)
    unhandled = _exists_in_chain(False, (), vendor, lambda _: _Sql(f"{flag} = 'false'"))
    if not handled:
        return unhandled
    return _exists_in_chain(False, (), vendor, lambda _: _Sql(f"{flag} = 'true'")) & ~unhandled


def _tag_q(key: str, value: str, op: str) -> Q:
    rows = EventTag.objects.filter(event=OuterRef("pk"), key=key)
    if op == "wildcard" and "*" in value:
        return Q(Exists(rows.filter(value__regex=_regex(value))))
    return Q(Exists(rows.filter(value=value)))


def _has_q(term: HasTerm, vendor: str) -> Q:
    if term.is_tag:
        return Q(Exists(EventTag.objects.filter(event=OuterRef("pk"), key=term.key)))
    keys = HAS_KEYS.get(term.key, (term.key,))
    return _any(_present_q(key, vendor) for key in keys)


def _present_q(key: str, vendor: str) -> Q:
    if key in COLUMNS:
        return ~Q(**{COLUMNS[key]: ""}) if key not in ("issue.id", "project") else Q()
    if key == "error.handled":
        flag = _bool_leaf(("mechanism", "handled"), vendor)
        return _exists_in_chain(False, (), vendor, lambda _: _Sql(f"{flag} IN ('true', 'false')"))
    if key in BODY_PATHS:
        return _Sql(f"COALESCE({_scalar_leaf(BODY_PATHS[key], vendor)}, '') <> ''").q()
    frames, path = LIST_PATHS[key]
    return _exists_in_chain(frames, path, vendor, lambda leaf: _Sql(f"COALESCE({leaf}, '') <> ''"))


# --- JSON access -------------------------------------------------------------------


def _scalar_leaf(path: tuple[str, ...], vendor: str, source: str = f'"{TABLE}"."body"') -> str:
    """Text of a JSON value (NULL when absent) on either vendor."""
    if vendor == "sqlite":
        return f"CAST(json_extract({source}, '$.{'.'.join(path)}') AS TEXT)"
    return f"({source} #>> '{{{','.join(path)}}}')"


def _bool_leaf(path: tuple[str, ...], vendor: str) -> str:
    """'true'/'false' for a JSON boolean on either vendor (SQLite's json_extract gives 1/0)."""
    if vendor == "sqlite":
        return f"json_type(e.value, '$.{'.'.join(path)}')"
    return f"(e.value #>> '{{{','.join(path)}}}')"


def _exists_in_chain(frames: bool, path: tuple[str, ...], vendor: str, cond) -> Q:  # type: ignore[no-untyped-def]
    """EXISTS one exception (``e``) — or one of its frames (``f``) — whose value meets ``cond``."""
    alias = "f" if frames else "e"
    leaf = _scalar_leaf(path, vendor, f"{alias}.value") if path else ""
    if path and path == ("filename",):  # the index falls back to abs_path as well
        leaf = f"COALESCE({leaf}, {_scalar_leaf(('abs_path',), vendor, f'{alias}.value')})"
    inner = cond(leaf)
    if vendor == "sqlite":
        source = f'json_each("{TABLE}"."body", \'$.exception\') AS e'
        if frames:
            source += ", json_each(e.value, '$.stacktrace.frames') AS f"
    else:
        source = f"jsonb_array_elements({_pg_array(chr(34) + TABLE + chr(34) + '.body', ('exception',))}) AS e(value)"
        if frames:
            source += f", jsonb_array_elements({_pg_array('e.value', ('stacktrace', 'frames'))}) AS f(value)"
    return _Sql(f"EXISTS (SELECT 1 FROM {source} WHERE {inner.sql})", inner.params).q()


def _pg_array(source: str, path: tuple[str, ...]) -> str:
    """The JSON array at ``path``, or an empty one (jsonb_array_elements rejects scalars)."""
    value = f"({source} #> '{{{','.join(path)}}}')"
    return f"(CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} ELSE '[]'::jsonb END)"


# --- free text ---------------------------------------------------------------------


def _text_q(term: TextTerm, vendor: str) -> Q:
    text, prefix = term.text, False
    if not term.phrase and len(text) > 1 and text.endswith("*") and "*" not in text[:-1]:
        text, prefix = text[:-1], True
    words = _WORD_RE.findall(text)
    if not words:  # only punctuation: no token to search for, fall back to a substring
        return Q(search_text__contains=text)
    if vendor == "postgresql":
        return _pg_text(words, phrase=term.phrase, prefix=prefix)
    if vendor == "sqlite":
        return _fts5_text(words, phrase=term.phrase, prefix=prefix)
    return _any(Q(search_text__icontains=w) for w in words)


def _pg_text(words: list[str], *, phrase: bool, prefix: bool) -> Q:
    """tsquery built from lexemes we quote ourselves: user text is never tsquery syntax."""
    lexemes = [f"'{w.lower()}'" for w in words]  # tokens hold no quote or backslash
    if prefix:
        lexemes[-1] += ":*"
    joined = (" <-> " if phrase or prefix else " & ").join(lexemes)
    return _Sql(f"{PG_TSVECTOR} @@ to_tsquery('simple'::regconfig, %s)", (joined,)).q()


def _fts5_text(words: list[str], *, phrase: bool, prefix: bool) -> Q:
    """An FTS5 MATCH of quoted strings only (``"` is the only special char inside them)."""
    if phrase or prefix:
        expr = '"' + " ".join(words).replace('"', '""') + '"' + (" *" if prefix else "")
    else:
        expr = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
    sql = f'"{TABLE}"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)'
    return _Sql(sql, (expr,)).q()


# --- helpers -----------------------------------------------------------------------


def _regex(pattern: str) -> str:
    """``*`` wildcard -> an anchored regex both PostgreSQL (ARE) and Python's re accept."""
    return "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _any(qs) -> Q:  # type: ignore[no-untyped-def]
    """OR of the given Qs (several values of one term mean "any of")."""
    out: Q | None = None
    for q in qs:
        out = q if out is None else out | q
    return out if out is not None else Q(pk__in=[])
