"""Source maps: de-minify JavaScript stack frames with Sentry's ``symbolic`` (pure, no Django).

The processing step looks up, for every frame of a JavaScript event, the source map of
its minified file — by the debug ID the SDK lists in ``debug_meta.images`` (type
``sourcemap``, ``code_file`` = the frame's ``abs_path``), else by the release's uploaded
file at the frame's URL — through a ``find`` callback, so this module never touches a
store. A frame that resolves takes the original file, line, column, function and
context lines; the minified frame is kept in ``frame["data"]["sourcemap"]`` and the
whole minified stack in the exception's ``raw_stacktrace``. A missing or broken map
leaves the minified frame and is named in the event's ``errors`` (Sentry's
``js_no_source``/``js_invalid_source`` kinds): the event is never failed for it.

Artifact bundles (``sentry-cli sourcemaps upload``) are zip archives with a
``manifest.json``; ``read_artifact_bundle`` lists their files for the store.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from symbolic.sourcemap import SourceMapView, SourceView

#: Context lines shown around a resolved line (Sentry shows five on each side).
CONTEXT_LINES = 5
#: A frame's platform/file marks it as JavaScript (the SDK sends ``javascript`` or ``node``).
JS_PLATFORMS = frozenset({"javascript", "node"})
_JS_FILE = re.compile(r"\.(?:m|c)?js(?:$|\?|#)")
_DEBUG_ID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_MAPPING_URL = re.compile(rb"//[#@]\s*sourceMappingURL=(\S+)\s*$", re.MULTILINE)
_MAX_SOURCE_LINE = 300  # a context line longer than this is cut (minified code is one huge line)


class SourceMapError(Exception):
    """A source map that cannot be used (not JSON, not a map, or no token at the position)."""


class ArtifactBundleError(Exception):
    """An uploaded artifact bundle that is not a zip with a readable ``manifest.json``."""


@dataclass(frozen=True)
class MapArtifacts:
    """What the store found for one minified file: its map, and the minified source if uploaded."""

    sourcemap: bytes | None
    minified_source: bytes | None = None
    #: Why there is no map (shown on the event), when ``sourcemap`` is None.
    missing: str = ""


@dataclass(frozen=True)
class BundleFile:
    """One file of an artifact bundle, as its manifest describes it."""

    path: str
    url: str
    kind: str  # "minified_source", "source_map", "source", …
    debug_id: str
    sourcemap_ref: str
    content: bytes


#: ``find(abs_path, debug_id)`` → the artifacts of that minified file.
Finder = Callable[[str, "str | None"], MapArtifacts]


def normalize_debug_id(value: Any) -> str | None:
    """A debug ID as 32 lower-case hex digits (hyphens and an age suffix dropped), else None."""
    if not isinstance(value, str):
        return None
    match = _DEBUG_ID.match(value.strip())
    return match.group(0).replace("-", "").lower() if match else None


def debug_ids_by_file(event: dict[str, Any]) -> dict[str, str]:
    """``debug_meta.images`` of type ``sourcemap``: minified file URL → its debug ID."""
    images = (event.get("debug_meta") or {}).get("images") or []
    found: dict[str, str] = {}
    for image in images:
        if isinstance(image, dict) and image.get("type") == "sourcemap":
            debug_id = normalize_debug_id(image.get("debug_id"))
            if debug_id and isinstance(image.get("code_file"), str):
                found[image["code_file"]] = debug_id
    return found


def is_js_event(event: dict[str, Any]) -> bool:
    """True when the event's frames can be JavaScript (its platform, or a ``.js`` frame)."""
    return event.get("platform") in JS_PLATFORMS or any(
        _JS_FILE.search(str(frame.get("abs_path") or "")) for frame in _all_frames(event)
    )


def resolve_event(event: dict[str, Any], find: Finder) -> dict[str, Any]:
    """The event with its JavaScript frames resolved through their source maps.

    Each distinct minified file is looked up once. Returns a new event; the input is
    not changed. Problems are appended to ``errors`` (one entry per file and reason).
    """
    event = copy.deepcopy(event)
    debug_ids = debug_ids_by_file(event)
    cache: dict[str, _Loaded] = {}
    errors: list[dict[str, Any]] = []
    for container in _stack_containers(event):
        frames = container["stacktrace"].get("frames") or []
        resolved, caller = [], None
        for frame in frames:
            resolved.append(_resolve_frame(frame, caller, debug_ids, find, cache, errors))
            caller = frame
        if any(new is not old for new, old in zip(resolved, frames)):
            container.setdefault("raw_stacktrace", copy.deepcopy(container["stacktrace"]))
            container["stacktrace"]["frames"] = resolved
    if errors:
        event["errors"] = list(event.get("errors") or []) + errors
    return event


@dataclass
class _Loaded:
    view: SourceMapView | None
    minified: SourceView | None
    error: dict[str, Any] | None
    reported: bool = False


def _resolve_frame(
    frame: dict[str, Any],
    caller: dict[str, Any] | None,
    debug_ids: dict[str, str],
    find: Finder,
    cache: dict[str, _Loaded],
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    abs_path = frame.get("abs_path") or frame.get("filename")
    lineno, colno = frame.get("lineno"), frame.get("colno")
    if not isinstance(abs_path, str) or not _JS_FILE.search(abs_path) or not isinstance(lineno, int):
        return frame
    loaded = cache.get(abs_path)
    if loaded is None:
        loaded = cache[abs_path] = _load(abs_path, debug_ids.get(abs_path), find)
    if loaded.view is None:
        if loaded.error and not loaded.reported:
            errors.append(loaded.error)
            loaded.reported = True
        return frame
    token = loaded.view.lookup(lineno - 1, max((colno or 1) - 1, 0))
    if token is None or token.dst_line != lineno - 1:  # the nearest token of an earlier line is another's
        if not loaded.reported:
            errors.append(
                {
                    "type": "js_invalid_source",
                    "url": abs_path,
                    "reason": f"the source map has no mapping for line {lineno}, column {colno}",
                }
            )
            loaded.reported = True
        return frame
    new = _original_frame(frame, token, loaded.view)
    name = _original_function(frame, caller, loaded)
    if name:
        new["function"] = name
    return new


def _original_function(frame: dict[str, Any], caller: dict[str, Any] | None, loaded: _Loaded) -> str | None:
    """The frame's original function name, as Sentry finds it.

    A token names the identifier *at* a position, so the frame's own token names what it
    calls. The function's own name is read at its caller's call site (the caller frame in
    the same file), else at its declaration in the minified source; else it stays minified.
    """
    minified_name = _bare_name(frame.get("function"))
    if not minified_name or loaded.view is None:
        return None
    if caller is not None and _same_file(caller, frame) and loaded.minified is not None:
        line, col = caller.get("lineno"), caller.get("colno")
        if isinstance(line, int):
            col = col if isinstance(col, int) else 1
            token = loaded.view.lookup(line - 1, max(col - 1, 0), minified_name, loaded.minified)
            if token is not None and token.function_name:
                return str(token.function_name)
    return _declared_name(minified_name, loaded)


def _same_file(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool((a.get("abs_path") or a.get("filename")) == (b.get("abs_path") or b.get("filename")))


def _bare_name(function: Any) -> str | None:
    """``HTMLButtonElement.Zp`` / ``async Zp`` / ``Object.<anonymous>`` → ``Zp`` (None when anonymous)."""
    if not isinstance(function, str):
        return None
    name = function.removeprefix("async ").rsplit(".", 1)[-1].strip()
    return name if re.fullmatch(r"[A-Za-z_$][\w$]*", name) else None


def _declared_name(minified_name: str, loaded: _Loaded) -> str | None:
    """The original name at ``function <minified_name>(`` in the minified source, when the map names it."""
    if loaded.minified is None or loaded.view is None:
        return None
    pattern = re.compile(rf"function\*?\s+({re.escape(minified_name)})\s*\(")
    for index, line in enumerate(loaded.minified):
        match = pattern.search(line)
        if match:
            token = loaded.view.lookup(index, match.start(1))
            if token is not None and token.name and token.dst_line == index and token.dst_col == match.start(1):
                return str(token.name)
            return None
    return None


def _load(abs_path: str, debug_id: str | None, find: Finder) -> _Loaded:
    artifacts = find(abs_path, debug_id)
    if artifacts.sourcemap is None:
        reason = artifacts.missing or "no source map was uploaded for this file"
        return _Loaded(None, None, {"type": "js_no_source", "url": abs_path, "reason": reason})
    try:
        view = parse_sourcemap(artifacts.sourcemap)
    except SourceMapError as exc:
        return _Loaded(None, None, {"type": "js_invalid_source", "url": abs_path, "reason": str(exc)})
    minified = None
    if artifacts.minified_source:
        try:
            minified = SourceView.from_bytes(artifacts.minified_source)
        except Exception:  # unreadable minified source: positions still resolve, names stay minified
            minified = None
    return _Loaded(view, minified, None)


def parse_sourcemap(data: bytes) -> SourceMapView:
    """A source map read by symbolic; anything that is not one is a ``SourceMapError``."""
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceMapError(f"the source map is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict) or ("mappings" not in parsed and "sections" not in parsed):
        raise SourceMapError("the source map has no 'mappings' (not a source map)")
    try:
        return SourceMapView.from_json_bytes(data)
    except Exception as exc:  # symbolic raises its own error types for a malformed map
        raise SourceMapError(f"the source map cannot be read: {exc}") from None


def _original_frame(frame: dict[str, Any], token: Any, view: SourceMapView) -> dict[str, Any]:
    minified = {key: frame.get(key) for key in ("abs_path", "filename", "function", "lineno", "colno")}
    minified_url = frame.get("abs_path") or frame.get("filename") or ""
    minified["abs_path"] = minified_url
    new = dict(frame)
    src = token.src or minified_url
    new.update(
        abs_path=_source_url(minified_url, src),
        filename=_display_name(src),
        lineno=token.src_line + 1,
        colno=token.src_col + 1,
    )
    new.pop("context_line", None)
    new.pop("pre_context", None)
    new.pop("post_context", None)
    source = view.get_sourceview(token.src_id)
    if source is not None:
        new.update(_context(source, token.src_line))
    new["data"] = {**(frame.get("data") or {}), "sourcemap": minified, "resolved_with": "sourcemap"}
    return new


def _context(source: SourceView, line: int) -> dict[str, Any]:
    def get(index: int) -> str | None:
        if index < 0 or index >= len(source):
            return None
        return source[index][:_MAX_SOURCE_LINE]

    context_line = get(line)
    if context_line is None:
        return {}
    pre = [t for t in (get(i) for i in range(max(line - CONTEXT_LINES, 0), line)) if t is not None]
    post = []
    for index in range(line + 1, line + 1 + CONTEXT_LINES):
        text = get(index)
        if text is None:
            break
        post.append(text)
    return {"context_line": context_line, "pre_context": pre, "post_context": post}


def _source_url(minified_url: str, src: str) -> str:
    """The original file's URL, relative sources resolved against the minified file's URL."""
    if "://" in src or src.startswith(("/", "webpack:", "~")):
        return src
    base = minified_url.rsplit("/", 1)[0] if "/" in minified_url else ""
    parts: list[str] = []
    for part in f"{base}/{src}".split("/"):
        if part == ".." and parts and parts[-1] not in ("", "..") and not parts[-1].endswith(":"):
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _display_name(src: str) -> str:
    """What the issue page shows: the source path without the scheme, host and leading ``../``."""
    path = urlsplit(src).path if "://" in src else src
    while path.startswith(("../", "./")):
        path = path.split("/", 1)[1]
    return path.lstrip("/") or src


def _stack_containers(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("exception", "threads"):
        value = event.get(key)
        values = value.get("values") if isinstance(value, dict) else value
        for entry in values or []:
            if isinstance(entry, dict) and isinstance(entry.get("stacktrace"), dict):
                yield entry
    if isinstance(event.get("stacktrace"), dict):
        yield event


def _all_frames(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for container in _stack_containers(event):
        yield from (f for f in container["stacktrace"].get("frames") or [] if isinstance(f, dict))


def sourcemap_reference(minified: bytes) -> str | None:
    """The ``//# sourceMappingURL=`` of a minified file (its last one), if any."""
    found = _MAPPING_URL.findall(minified[-4096:])
    return found[-1].decode("utf-8", "replace") if found else None


def url_candidates(abs_path: str) -> list[str]:
    """The names an uploaded file may have for a frame URL: itself, and ``~/path`` (any host)."""
    parts = urlsplit(abs_path)
    candidates = [abs_path]
    if parts.scheme and parts.netloc:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        candidates += [f"~{path}", f"~{parts.path}"]
    elif abs_path.startswith("/"):
        candidates.append(f"~{abs_path}")
    return list(dict.fromkeys(candidates))


def resolve_reference(minified_url: str, reference: str) -> str:
    """A ``sourceMappingURL`` (often relative) resolved against its minified file's URL."""
    if "://" in reference or reference.startswith(("/", "~")):
        return reference
    base = minified_url.rsplit("/", 1)[0]
    return f"{base}/{reference}"


def read_artifact_bundle(data: bytes) -> list[BundleFile]:
    """The files of an artifact bundle zip, with their URL, type and debug ID from the manifest."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArtifactBundleError(f"not an artifact bundle (a zip with manifest.json): {exc}") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        raise ArtifactBundleError("the bundle's manifest.json has no 'files' object")
    out = []
    for path, info in files.items():
        if not isinstance(info, dict):
            continue
        headers = {str(k).lower(): v for k, v in (info.get("headers") or {}).items()}
        try:
            content = archive.read(path)
        except KeyError:
            raise ArtifactBundleError(f"the manifest names {path!r}, which is not in the bundle") from None
        out.append(
            BundleFile(
                path=path,
                url=str(info.get("url") or ""),
                kind=str(info.get("type") or ""),
                debug_id=normalize_debug_id(headers.get("debug-id")) or "",
                sourcemap_ref=str(headers.get("sourcemap") or ""),
                content=content,
            )
        )
    return out
