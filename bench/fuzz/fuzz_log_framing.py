"""atheris: ``ingest.protocol.logs.formats.frame`` raises only ``LogParseError`` (answered 400), in any format."""

import sys

import _common  # noqa: F401
import atheris

with atheris.instrument_imports(include=["ingest"]):
    from ingest.protocol.logs.formats import FORMATS, frame
    from ingest.protocol.logs.model import LogParseError

NAMES = [None, *FORMATS]
CONTENT_TYPES = [None, "text/plain", "application/json", "application/logplex-1", "application/x-ndjson"]


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    fmt = NAMES[fdp.ConsumeIntInRange(0, len(NAMES) - 1)]
    content_type = CONTENT_TYPES[fdp.ConsumeIntInRange(0, len(CONTENT_TYPES) - 1)]
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    try:
        frame(body, fmt, content_type=content_type)
    except LogParseError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
