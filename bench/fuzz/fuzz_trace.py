"""atheris: ``ingest.protocol.logs.stacktraces.parse_trace`` never raises (None for "not a trace")."""

import sys

import _common  # noqa: F401
import atheris

with atheris.instrument_imports(include=["ingest"]):
    from ingest.protocol.logs.stacktraces import parse_trace


def one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    result = parse_trace(text)
    assert result is None or isinstance(result, list)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
