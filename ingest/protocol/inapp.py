"""Decide ``in_app`` for frames the sender did not mark (log traces, some SDKs).

A frame is in-app when the project's include prefixes match its module or
path, or, with no rule matching, when its path does not look like a
dependency or the runtime's own library.
"""

from __future__ import annotations

import re

from ingest.protocol.event import Event, Frame

_LIBRARY = re.compile(
    r"(site-packages|dist-packages|/lib/python\d|node_modules|/vendor/|/gems/|/\.cargo/registry/|/rustc/"
    r"|/usr/lib/|/usr/local/go/src/|/go/pkg/mod/|<frozen |^internal/|^node:|^java\.|^javax\.|^jdk\.|^sun\."
    r"|^kotlin\.|^scala\.|^org\.springframework\.|^org\.apache\.|^System\.|^Microsoft\.|^runtime\.|^std::|^core::"
    r"|^tokio::|^alloc::)"
)


def _frame_key(frame: Frame) -> str:
    return str(frame.get("module") or frame.get("abs_path") or frame.get("filename") or "")


def apply_in_app(event: Event, include: list[str]) -> None:
    for exc in event.get("exception") or []:
        for frame in (exc.get("stacktrace") or {}).get("frames") or []:
            key = _frame_key(frame)
            if include and any(key.startswith(p) or str(frame.get("abs_path") or "").startswith(p) for p in include):
                frame["in_app"] = True
            elif frame.get("in_app") is None:
                frame["in_app"] = (
                    bool(key) and not _LIBRARY.search(key) and not _LIBRARY.search(str(frame.get("function") or ""))
                )
