"""atheris: ``parse_envelope`` (and each event item's JSON) raise only ``EnvelopeError``."""

import sys

import _common  # noqa: F401  (sys.path)
import atheris

with atheris.instrument_imports(include=["ingest"]):
    from ingest.protocol.envelope import EnvelopeError, event_id_from, parse_envelope, parse_event_json


def one_input(data: bytes) -> None:
    try:
        envelope = parse_envelope(data, max_item_size={"attachment": 1000, "*": 10_000})
    except EnvelopeError:
        return
    for item in envelope.items:
        try:
            event_id_from(envelope, item)
            if item.type == "event" and not item.too_large:
                parse_event_json(item.payload)
        except EnvelopeError:
            pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
