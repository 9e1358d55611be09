"""Shapes shared by the log-ingest parsers (pure: no Django import).

A log body is first *framed* (plain lines, NDJSON, syslog, logplex, CloudWatch,
CRI, Docker json-file, journald JSON, GELF; line by line when no format is named) into
``LogLine`` records; records are then either
structured (a parsed JSON/logfmt object in ``fields``) or text, and text lines of
one stream are assembled into multi-line stack traces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.protocol.errors import ClientError


@dataclass(slots=True)
class LogLine:
    """One record of a log stream after framing.

    ``stream`` keeps interleaved processes apart (CRI/Docker stream, syslog
    app+procid, a ``[pid]`` prefix); lines of one stream are assembled together.
    """

    text: str
    stream: str = ""
    timestamp: str | None = None  # ISO 8601 UTC when the framing carried one
    fields: dict[str, Any] | None = None  # structured record (JSON, logfmt, GELF ...)
    source: str = "plain"  # framing format name: plain, ndjson, syslog, logplex, ...
    meta: dict[str, Any] = field(default_factory=dict)  # host, app, level, service ...


class LogParseError(ClientError, ValueError):
    """A log body that cannot be read at all (the request is bad, answer 4xx)."""
