"""The queued raw payload's data, as bytes.

The ingest views queue ``{"data": text, "b64": bool, ...}``: UTF-8 bodies as
text, anything else base64-encoded. The worker (``ingest.processing``) and the
dead-letter scrubber (``ingest.protocol.scrub_raw``) both read it back through this one
function. Pure Python, no Django, so both can import it without a cycle.
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = ["payload_bytes"]


def payload_bytes(payload: dict[str, Any]) -> bytes:
    """The bytes the client sent (raises ValueError on data that is not valid base64)."""
    data = payload["data"]
    return base64.b64decode(data) if payload.get("b64") else data.encode("utf-8", "surrogateescape")
