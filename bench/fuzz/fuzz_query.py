"""atheris: ``ingest.protocol.search.query.parse_query`` raises only ``QueryError`` (answered 400)."""

import sys
from datetime import UTC, datetime

import _common  # noqa: F401
import atheris

with atheris.instrument_imports(include=["ingest"]):
    from ingest.protocol.search.query import QueryError, parse_query

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicode(len(data))
    try:
        parse_query(text, now=NOW)
    except QueryError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
