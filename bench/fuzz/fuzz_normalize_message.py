"""atheris: ``normalize_message`` never raises and is idempotent (its documented contract:
for results shorter than ``limit``; placeholders can make a result longer than the input,
and a second pass then reads only its first ``limit`` characters)."""

import sys

import _common  # noqa: F401
import atheris

with atheris.instrument_imports(include=["ingest"]):
    from ingest.protocol.message_normalize import MESSAGE_LIMIT, normalize_message


def one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicode(len(data))
    once = normalize_message(text)
    assert isinstance(once, str)
    if len(once) < MESSAGE_LIMIT:
        assert normalize_message(once) == once, (text, once)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
