"""Container runtime log files: CRI (containerd, CRI-O) and Docker json-file.

Both runtimes split a long application line into pieces: CRI marks pieces ``P``
(partial) and the last one ``F``; Docker writes pieces whose ``log`` lacks the
trailing newline. Pieces are joined per stream (stdout and stderr interleave), and
per runtime (a body may mix both, as when a node switched runtimes). A line that is
neither flushes every pending piece and is kept as plain text. Pieces still pending
at the end of the body are emitted as they are, flagged ``meta["eol"] = False``.

Record text never ends with the line's newline; ``meta["eol"]`` says whether the
runtime saw one (Docker keeps ``"aa\\n"``; we keep ``"aa"`` + eol).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.protocol.logs.formats._text import MAX_LINE_CHARS, BoundedRecords, bound, decode, split_lines
from ingest.protocol.logs.formats.jsonlike import iter_objects
from ingest.protocol.logs.formats.timestamps import normalise, parse_rfc3339
from ingest.protocol.logs.model import LogLine

CRI_LINE = re.compile(r"(\d{4}-\d\d-\d\dT\S+) (stdout|stderr) ([PF])(?::\S*)?(?: (.*))?\Z", re.S)


@dataclass(slots=True)
class _Pending:
    parts: list[str]
    timestamp: str | None
    offset: int
    meta: dict[str, Any] = field(default_factory=dict)
    size: int = 0  # characters kept; pieces past MAX_LINE_CHARS are counted, not kept
    dropped: int = 0


class Joiner:
    """Holds partial pieces per (runtime, stream) and emits completed records in order."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], _Pending] = {}
        self.records: list[LogLine] = BoundedRecords()

    def piece(
        self,
        runtime: str,
        stream: str,
        text: str,
        complete: bool,
        timestamp: str | None,
        offset: int,
        meta: dict[str, Any],
    ) -> None:
        key = (runtime, stream)
        held = self.pending.pop(key, None)
        if held is None:
            held = _Pending([], timestamp, offset, meta)
        if held.size < MAX_LINE_CHARS:  # a piece chain that never ends costs no more than one long line
            held.parts.append(text)
            held.size += len(text)
        else:
            held.dropped += len(text)
        if complete:
            self._emit(runtime, stream, held, eol=True)
        else:
            self.pending[key] = held

    def _emit(self, runtime: str, stream: str, held: _Pending, *, eol: bool) -> None:
        meta = {"offset": held.offset, "eol": eol, **held.meta}
        text = bound("".join(held.parts), meta)
        if held.dropped:
            meta["truncated"] = held.size + held.dropped
        self.records.append(LogLine(text=text, stream=stream, timestamp=held.timestamp, source=runtime, meta=meta))

    def flush(self) -> None:
        for (runtime, stream), held in self.pending.items():
            self._emit(runtime, stream, held, eol=False)
        self.pending.clear()

    def cri(self, text: str, offset: int) -> bool:
        """A CRI line's piece; False when ``text`` is not one."""
        return cri_piece(self, text, offset)

    def plain(self, text: str, offset: int) -> None:
        self.flush()
        meta: dict[str, Any] = {"offset": offset}
        self.records.append(LogLine(text=bound(text, meta), source="plain", meta=meta))


def docker_piece(joiner: Joiner, obj: dict[str, Any], offset: int) -> bool:
    piece = obj.get("log")
    if not isinstance(piece, str):
        return False
    raw_stream = obj.get("stream")
    stream = raw_stream if isinstance(raw_stream, str) else "stdout"
    complete = piece.endswith("\n")
    if complete:
        piece = piece[:-1].removesuffix("\r")
    attrs = obj.get("attrs")
    meta = {"attrs": attrs} if isinstance(attrs, dict) else {}
    writer = _docker_writer(attrs) if isinstance(attrs, dict) else ""
    joiner.piece(
        "docker", f"{writer}/{stream}" if writer else stream, piece, complete, normalise(obj.get("time")), offset, meta
    )
    return True


def _docker_writer(attrs: dict[str, Any]) -> str:
    """The container a json-file line names in its ``attrs`` (``--log-opt tag=``/``labels=``;
    compose's service label), so containers logged into one file stay apart."""
    for key in ("tag", "com.docker.compose.service", "io.kubernetes.pod.name", "name", "container_name"):
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def cri_piece(joiner: Joiner, text: str, offset: int) -> bool:
    match = CRI_LINE.match(text)
    if match is None:
        return False
    moment, stream, tag, message = match.groups()
    joiner.piece("cri", stream, message or "", tag == "F", parse_rfc3339(moment), offset, {})
    return True


def frame_containers(body: bytes) -> list[LogLine]:
    """CRI and/or Docker json-file lines -> records with partial pieces joined."""
    joiner = Joiner()
    for offset, obj, raw in iter_objects(list(split_lines(body))):
        if obj is not None and docker_piece(joiner, obj, offset):
            continue
        text = decode(raw)
        if not cri_piece(joiner, text, offset):
            joiner.plain(text, offset)
    joiner.flush()
    return joiner.records
