"""Group events into issues by fingerprint (pure: no Django import).

``compute_grouping(event)`` turns a normalised Event (``ingest/event.py``) into a
``Grouping``: the ordered *components* that identify the problem, their hash,
the algorithm version and which rule produced them. Precedence:

1. ``fingerprint`` sent by the SDK (``{{ default }}`` expands to the default
   components below; a fingerprint that is only ``{{ default }}`` *is* the default).
2. ``stacktrace``: for every exception of the chain (oldest first) its qualified
   type and its frames, when at least one frame contributes.
3. ``exception``: qualified type + normalised value of every exception.
4. ``message``: the normalised ``message_template`` (a log call's format string
   before its parameters) or else ``message``.

Frames. Only in-app frames contribute when a stack trace has any (otherwise all
do). ``in_app`` left unset (log-parsed traces) is inferred from the path:
third-party and standard-library locations are not in-app, the rest is. A frame
contributes ``frame:location:function`` and never a line or column; consecutive
repeats and short repeating cycles (recursion) collapse to one occurrence;
compiler- and runtime-generated names are normalised (see ``normalize_function``).

One bug seen by an SDK and by a log line should group together, so the frame
location is chosen to be derivable from both:

- Python: the last two parts of the file path without extension (``__init__``
  dropped), dotted: ``/srv/app/app/views.py`` and the SDK's ``abs_path`` both
  give ``app.views``. The module is used only for a frame without any path, and
  then through the same "last two parts" rule (``app.views``).
- JavaScript: the normalised file name (the browser SDK has no module, the Node
  SDK's module is itself derived from the path), e.g. ``routes/users.js``.
- JVM, .NET, Go and others: the module when there is one, else the normalised
  file name. Go log frames carry ``pkg.Func`` in one string; it is split like
  the Go SDK splits it (package = module).

Where it cannot work: a Python frame with a module but no path (rare; SDKs
always send ``abs_path``) against a log frame of a top-level module
(``settings`` vs ``app.settings``); JVM log lines without a class/module split
that the log parser did not perform; Node frames whose SDK-side file name was
rewritten (``app:///``) differently from the log path below the last two parts;
minified JavaScript without source maps (names differ per build); native
frames whose symbol is only an address.

Versioning and legacy hashes. ``GROUPING_VERSION`` names the algorithm. When it
changes, the previous version stays registered in ``_STRATEGIES`` and listed in
the deployment's active versions; the processing step calls
``compute_hashes(event, versions=active)`` and looks the issue up by *every*
returned hash, then attaches the current version's hash to the issue it found.
An existing issue therefore keeps receiving its events after an algorithm
change instead of being silently split; a legacy version is retired once its
hashes no longer match new events. The version is not part of the hash, so an
event whose components a new version leaves unchanged keeps its hash.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ingest.protocol.event import Event
from ingest.protocol.message_normalize import MESSAGE_LIMIT, normalize_message

GROUPING_VERSION = "2026-11"
# Adds the rules for events without an exception (see "Events without an exception"); an event those rules
# do not reach groups exactly as under GROUPING_VERSION, and its Grouping says so.
FRAMELESS_VERSION = "2026-12"
CURRENT_VERSION = FRAMELESS_VERSION
VERSIONS = (GROUPING_VERSION, FRAMELESS_VERSION)

KINDS = ("fingerprint", "stacktrace", "exception", "message", "threads", "csp", "request", "fallback")
# The kinds only FRAMELESS_VERSION produces: a hash of one of them is new, every other hash is unchanged.
FRAMELESS_KINDS = frozenset({"threads", "csp", "request", "fallback", "top_stacktrace"})


@dataclass(frozen=True, slots=True)
class Grouping:
    """How an event groups: its algorithm ``version``, ``hash`` (32 hex chars) and
    the ``components`` the hash was computed from, produced by rule ``kind``."""

    version: str
    hash: str
    components: tuple[str, ...]
    kind: str


def compute_grouping(event: Event) -> Grouping:
    """Group ``event`` with the current algorithm (``CURRENT_VERSION``).

    The result's ``version`` is the oldest version that gives this hash:
    ``GROUPING_VERSION`` unless a rule of ``FRAMELESS_VERSION`` decided, so an
    issue records which algorithm created it. Tolerates any dict: missing or
    mistyped fields are ignored, never raised on.
    """
    return _STRATEGIES[CURRENT_VERSION](event)


def previous_grouping(event: Event, grouping: Grouping) -> Grouping | None:
    """How ``GROUPING_VERSION`` grouped an event that ``FRAMELESS_VERSION`` regroups, when
    that named an issue of its own: the issue a deployment may already have for it (a message
    event whose stack now decides). None when the hash did not change, and for the old
    catch-all of content-free events (``message:``), which must not keep collecting them.
    """
    if grouping.version != FRAMELESS_VERSION:
        return None
    legacy = _STRATEGIES[GROUPING_VERSION](event)
    if legacy.hash == grouping.hash or legacy.components == ("message:",):
        return None
    return legacy


def compute_hashes(event: Event, versions: Iterable[str] = ()) -> dict[str, str]:
    """Hash ``event`` with the current algorithm and every legacy version in ``versions``.

    Returns ``{version: hash}``, the current result first (under the version
    it reports). An unknown version is a configuration error and raises
    ``ValueError`` naming it.
    """
    current = compute_grouping(event)
    hashes = {current.version: current.hash}
    for version in versions:
        if version in hashes:
            continue
        strategy = _STRATEGIES.get(version)
        if strategy is None:
            raise ValueError(f"unknown grouping version {version!r}; known: {', '.join(_STRATEGIES)}")
        hashes[version] = strategy(event).hash
    return hashes


def hash_components(kind: str, components: Iterable[str]) -> str:
    """Hex digest of ``kind`` and ``components``, length-prefixed so that no two
    different component lists can encode to the same bytes."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (kind, *components):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(4, "big"))
        digest.update(data)
    return digest.hexdigest()


# --- the 2026-11 algorithm -------------------------------------------------------------

_DEFAULT_VARIABLE = re.compile(r"^\{\{\s*default\s*\}\}$", re.IGNORECASE)


def _group_2026_11(event: Mapping[str, Any]) -> Grouping:
    return _group(event, frameless=False)


def _group_2026_12(event: Mapping[str, Any]) -> Grouping:
    return _group(event, frameless=True)


def _group(event: Mapping[str, Any], *, frameless: bool) -> Grouping:
    kind, components = _default_components(event, frameless=frameless)
    version = FRAMELESS_VERSION if kind in FRAMELESS_KINDS else GROUPING_VERSION
    kind = "stacktrace" if kind == "top_stacktrace" else kind
    fingerprint = event.get("fingerprint") if isinstance(event, Mapping) else None
    if isinstance(fingerprint, list) and fingerprint:
        expanded: list[str] = []
        for entry in fingerprint:
            entry = entry if isinstance(entry, str) else str(entry)
            if _DEFAULT_VARIABLE.match(entry.strip()):
                expanded.extend(components)
            else:
                expanded.append(entry)
        # ["{{ default }}"] alone asks for the default grouping: keep its hash.
        if expanded != components:
            kind, components = "fingerprint", expanded
            version = version if any(_DEFAULT_VARIABLE.match(str(e).strip()) for e in fingerprint) else GROUPING_VERSION
    return Grouping(version, hash_components(kind, components), tuple(components), kind)


def _default_components(event: Mapping[str, Any], *, frameless: bool = False) -> tuple[str, list[str]]:
    if not isinstance(event, Mapping):
        return "message", ["message:"]
    platform = _text(event.get("platform")).lower()
    chain = [exc for exc in _exceptions(event) if isinstance(exc, Mapping)]
    stacks = [_stack_components(exc, platform) for exc in chain]
    if any(stacks):
        components: list[str] = []
        for exc, frames in zip(chain, stacks):
            components.append("type:" + _exception_type(exc))
            if frames:
                components.extend(frames)
            elif value := _exception_value(exc):
                components.append("value:" + value)
        return "stacktrace", components
    components = []
    for exc in chain:
        exc_type, value = _exception_type(exc), _exception_value(exc)
        if exc_type or value:
            components += ["type:" + exc_type, "value:" + value]
    if components:
        return "exception", components
    if frameless:
        return _frameless_components(event, platform)
    message = _text(event.get("message_template")) or _text(event.get("message"))
    return "message", ["message:" + normalize_message(message)]


# --- events without an exception (FRAMELESS_VERSION) -------------------------------------


def _frameless_components(event: Mapping[str, Any], platform: str) -> tuple[str, list[str]]:
    """The strongest signal an event without an exception has, in this order: the crashed
    thread's stack, the message, the top-level stack, the CSP directive and blocked URI,
    the request method and URL pattern; else what little describes where it came from."""
    frames = _stack_components(_crashed_thread(event), platform)
    if frames:
        return "threads", frames
    message = normalize_message(_text(event.get("message_template")) or _text(event.get("message")))
    if message.strip():
        return "message", ["message:" + message]
    frames = _stack_components({"stacktrace": event.get("stacktrace")}, platform)
    if frames:
        return "top_stacktrace", frames
    csp = _csp_components(event)
    if csp:
        return "csp", csp
    request = _request_components(event)
    if request:
        return "request", request
    return "fallback", _fallback_components(event, platform)


def _crashed_thread(event: Mapping[str, Any]) -> Mapping[str, Any]:
    threads = event.get("threads")
    if isinstance(threads, Mapping):
        threads = threads.get("values")
    for thread in threads if isinstance(threads, list) else []:
        if isinstance(thread, Mapping) and thread.get("crashed") is True:
            return thread
    return {}


def _csp_components(event: Mapping[str, Any]) -> list[str]:
    """A CSP report: the directive it violated and the blocked URI's origin (or keyword)."""
    csp = event.get("csp")
    if not isinstance(csp, Mapping):
        return []
    directive = _text(csp.get("effective_directive")) or _text(csp.get("violated_directive")).split(" ", 1)[0]
    blocked = _text(csp.get("blocked_uri"))
    origin = _URL_ORIGIN.match(blocked)
    blocked = origin.group(0) if origin else blocked.split(":", 1)[0] if blocked.endswith(":") else blocked
    if not (directive or blocked):
        return []
    return ["csp:" + directive.lower(), "blocked:" + blocked.lower()]


_URL_ORIGIN = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#]*")
_URL_HOST = re.compile(r"^(?:[a-zA-Z][\w+.-]*:)?//[^/?#]*")
_VARIABLE_SEGMENT = re.compile(
    r"^(?:\d+|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{8,}|(?=[\w-]*\d)[\w-]{16,}|[^@/]+@[^@/]+)$"
)


def url_pattern(url: str) -> str:
    """A URL's path with its variable segments (numbers, UUIDs, hashes, tokens, e-mails) replaced
    by ``*``: ``https://x/users/42/orders/9f2c..`` -> ``/users/*/orders/*``; no host, query or fragment."""
    path = _URL_HOST.sub("", url.strip()).split("?", 1)[0].split("#", 1)[0]
    segments = [("*" if _VARIABLE_SEGMENT.match(part) else part) for part in path.split("/")]
    return "/".join(segments) or "/"


def _request_components(event: Mapping[str, Any]) -> list[str]:
    request = event.get("request")
    if not isinstance(request, Mapping):
        return []
    url = _text(request.get("url"))
    if not url:
        return []
    return ["method:" + _text(request.get("method")).upper(), "url:" + url_pattern(url)]


def _fallback_components(event: Mapping[str, Any], platform: str) -> list[str]:
    """An event with nothing else to go by: where it came from, so that events of different
    platforms, SDKs, loggers, transactions and levels never share one bucket."""
    sdk = event.get("sdk")
    sdk_name = _text(sdk.get("name")) if isinstance(sdk, Mapping) else ""
    return [
        "platform:" + platform,
        # the SDK's name without its version ("sdk:sentry.dart/8.1" -> "sdk:sentry.dart"), else the auth header's
        "source:" + (f"sdk:{sdk_name}" if sdk_name else _text(event.get("source")).split("/", 1)[0]),
        "logger:" + _text(event.get("logger")),
        "transaction:" + (_text(event.get("transaction")) or _text(event.get("culprit"))),
        "level:" + _text(event.get("level")),
    ]


def _exceptions(event: Mapping[str, Any]) -> list[Any]:
    # Normalised events carry a list; a raw Sentry payload wraps it in {"values": [...]}.
    value = event.get("exception")
    if isinstance(value, Mapping):
        value = value.get("values")
    return value if isinstance(value, list) else []


_UNQUALIFIED_MODULES = frozenset({"", "builtins", "__builtin__", "exceptions", "__main__"})


def _exception_type(exc: Mapping[str, Any]) -> str:
    """``module.Type`` as a log line prints it, whether the SDK sent the module
    apart (``type="IllegalStateException", module="java.lang"``) or not.

    Python prints builtins and ``__main__`` types unqualified, so those modules are dropped.
    """
    exc_type = _text(exc.get("type")).strip()
    module = _text(exc.get("module")).strip()
    if module in _UNQUALIFIED_MODULES or exc_type.startswith(module + "."):
        return exc_type
    return f"{module}.{exc_type}" if exc_type else ""


def _exception_value(exc: Mapping[str, Any]) -> str:
    return normalize_message(_text(exc.get("value")), MESSAGE_LIMIT)


def _stack_components(exc: Mapping[str, Any], platform: str) -> list[str]:
    stacktrace = exc.get("stacktrace")
    frames = stacktrace.get("frames") if isinstance(stacktrace, Mapping) else None
    if not isinstance(frames, list):
        return []
    frames = [frame for frame in frames if isinstance(frame, Mapping)]
    in_app = [frame for frame in frames if _is_in_app(frame)]
    components = []
    for frame in in_app or frames:
        component = frame_component(frame, platform)
        if component is not None:
            components.append(component)
    return _collapse_recursion(components)


# Paths of installed third-party code, runtimes and standard libraries.
_NOT_IN_APP_PATH = re.compile(
    r"(?:^|/)(?:site-packages|dist-packages|node_modules|vendor|bower_components|\.bundle|gems"
    r"|pkg/mod|jdk[^/]*|jre[^/]*)/"
    r"|^(?:/usr/(?:local/)?lib/python|/usr/(?:local/)?go/src/|/usr/lib/jvm/|internal/|node:)"
    r"|/lib/python\d[\d.]*/(?!site-packages)|^<frozen |^(?:/rustc/|/cargo/registry/)",
)


def _is_in_app(frame: Mapping[str, Any]) -> bool:
    flag = frame.get("in_app")
    if isinstance(flag, bool):
        return flag
    path = _text(frame.get("abs_path")) or _text(frame.get("filename"))
    return not (path and _NOT_IN_APP_PATH.search(path.replace("\\", "/")))


def _collapse_recursion(components: list[str], longest_cycle: int = 4) -> list[str]:
    """Drop consecutive repeats of one frame or of a short cycle of frames."""
    for period in range(1, longest_cycle + 1):
        if len(components) < 2 * period:
            break
        kept: list[str] = []
        for component in components:
            kept.append(component)
            if len(kept) >= 2 * period and kept[-period:] == kept[-2 * period : -period]:
                del kept[-period:]
        components = kept
    return components


# --- frames ---------------------------------------------------------------------------

_PYTHON_EXT = re.compile(r"\.(?:py[cowx]?|pyi)$", re.IGNORECASE)
_JS_EXT = re.compile(r"\.(?:[cm]?js|jsx|tsx?|vue|svelte)(?:[?#].*)?$", re.IGNORECASE)
_GO_EXT = re.compile(r"\.go$")
_JVM_EXT = re.compile(r"\.(?:java|kt|kts|scala|groovy|clj[cs]?)$")
# Python >= 3.12 inlines comprehensions (PEP 709): their frames vanish, so they never count.
_PY_INLINED = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>"})


def frame_component(frame: Mapping[str, Any], platform: str = "") -> str | None:
    """``"frame:location:function"`` for one frame, or ``None`` when it has nothing to say.

    Line and column numbers are never part of it.
    """
    return _frame_component(
        _text(frame.get("module")).strip(),
        (_text(frame.get("abs_path")) or _text(frame.get("filename"))).strip(),
        _text(frame.get("function")).strip(),
        _text(frame.get("platform")).lower() or platform,
    )


# Busy services send the same frames over and over: cache per distinct frame.
@lru_cache(maxsize=16384)
def _frame_component(module: str, path: str, function: str, frame_platform: str) -> str | None:
    if not (module or path or function):
        return None
    if _PYTHON_EXT.search(path) or (not path and frame_platform == "python"):
        if function in _PY_INLINED:
            return None
        location = _python_location(path, module)
        # SDKs may send the qualname (View.get, f.<locals>.<lambda>); tracebacks print the last part.
        function = normalize_function(function.rsplit(".", 1)[-1])
    elif _JS_EXT.search(path) or frame_platform in ("javascript", "node"):
        location = normalize_filename(path) if path else normalize_module(module)
        # "at /srv/x.js:1:2" (no name), "?" and "Object.<anonymous>" are one anonymous function.
        function = normalize_function(function) or "<anonymous>"
    else:
        if _GO_EXT.search(path) or frame_platform == "go":
            if not module:
                module, function = _split_go_function(function)
            function = _go_function(function)
        if module and (_JVM_EXT.search(path) or frame_platform == "java"):
            module = _JVM_MODULE_PREFIX.sub("", module)
        location = normalize_module(module) if module else normalize_filename(path)
        function = normalize_function(function)
    if not location and not function:
        return None
    return f"frame:{location}:{function}"


@lru_cache(maxsize=8192)
def _python_location(path: str, module: str) -> str:
    if path:
        parts = [part for part in path.replace("\\", "/").split("/") if part]
        if parts:
            parts[-1] = _PYTHON_EXT.sub("", parts[-1])
            if parts[-1] == "__init__" and len(parts) > 1:
                parts.pop()
        return ".".join(parts[-2:])
    return ".".join(module.split(".")[-2:])


_GO_FUNCTION = re.compile(r"^((?:.*/)?[^./()*]+)\.(.+)$")
_GO_ARGUMENTS = re.compile(r"\((?:\.\.\.|0x[^()]*)?\)$")
_GO_RECEIVER = re.compile(r"\(\*?([\w\[\]., ]+)\)\.")


def _go_function(function: str) -> str:
    """``(*job).run(...)`` and ``job.run`` are one method: drop the panic's
    argument list and the receiver's pointer/parentheses."""
    return _GO_RECEIVER.sub(r"\1.", _GO_ARGUMENTS.sub("", function))


def _split_go_function(function: str) -> tuple[str, str]:
    """``github.com/acme/app/handlers.(*H).Serve`` -> (``github.com/acme/app/handlers``, ``(*H).Serve``)."""
    match = _GO_FUNCTION.match(function)
    return (match.group(1), match.group(2)) if match else ("", function)


# A JVM frame printed by the JDK carries its module / class loader: "java.base/java.lang.Integer".
_JVM_MODULE_PREFIX = re.compile(r"^[\w.$-]*(?:@[\w.+-]*)?/+(?=[\w$])")

# (pattern, replacement) applied in order to module and function names. Each one
# removes a per-build or per-process number that would otherwise split an issue.
_GENERATED_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # JVM: lambda$main$0 -> lambda$main; Foo$$Lambda$14/0x0000000800c02a00 -> Foo$$Lambda.
        (r"\blambda\$([\w$]*?)\$\d+\b", r"lambda$\1"),
        (r"\$\$Lambda(?:\$\d+)?(?:/0x[0-9a-fA-F]+)?(?:\$\d+)?", "$$Lambda"),
        # Proxies: CGLIB, Spring CGLIB, javassist, ByteBuddy, Hibernate.
        (r"\$\$(?:(?:Enhancer|FastClass)By\w*?CGLIB|SpringCGLIB)\$\$\w+", ""),
        (r"_\$\$_(?:jvst|javassist_?)[0-9a-fA-F_]*", ""),
        (r"\$(?:ByteBuddy|HibernateProxy|MockitoMock)\$\w+", ""),
        # Clojure: myapp.core$fn__1234, $eval1234.
        (r"(\$?[\w-]+?)__\d+\b", r"\1"),
        (r"\$eval\d+\b", "$eval"),
        # Go closures: main.handler.func1.2, glob..func1, .gowrap1.
        (r"\.(func|gowrap)\d+(?:\.\d+)*", r".\1"),
        # .NET compiler-generated: <Main>b__0_0, <DoWork>d__5, <>c__DisplayClass5_0.
        (r"(<[\w>]*>[a-z])__\d+(?:_\d+)?", r"\1"),
        (r"(c__DisplayClass)\d+(?:_\d+)?", r"\1"),
        # JavaScript: Object.<anonymous>, new <anonymous>, async fn.
        (r"^(?:async\s+|new\s+)+", ""),
        # The JS SDKs print an anonymous function as "?" (Object.?), Node's own trace as <anonymous>.
        (r"^(?:[\w$]+\.)*(?:<anonymous>|\?)$", "<anonymous>"),
        # Ruby: block (2 levels) in foo -> block in foo.
        (r"\bblock \(\d+ levels\) in\b", "block in"),
        # PHP: class@anonymous\0/path/to/file.php:12$0 -> class@anonymous.
        (r"class@anonymous(?:[^$]*?\$[0-9a-fA-F]+|.*?(?=::|->|$))", "class@anonymous"),
    )
)


@lru_cache(maxsize=8192)
def normalize_function(name: str) -> str:
    """Strip generated parts from a function name (Python qualnames are cut to
    their last part by the caller); an unknown symbol (``?``, ``<unknown>``) becomes empty."""
    if name in ("?", "<unknown>", "unknown"):
        return ""
    if "<locals>" in name:
        name = name.rsplit(".", 1)[-1]
    return _strip_generated(name)


@lru_cache(maxsize=8192)
def normalize_module(module: str) -> str:
    """Strip generated class suffixes (CGLIB, javassist, lambdas ...) from a module name."""
    return _strip_generated(module)


# Every pattern above needs one of these; most names have none and skip the loop.
_GENERATED_HINT = re.compile(r"\$|__|\.func|\.gowrap|<|\?|^async |^new |block \(|class@")


def _strip_generated(name: str) -> str:
    if not _GENERATED_HINT.search(name):
        return name
    for pattern, replacement in _GENERATED_NAMES:
        if pattern.search(name):
            name = pattern.sub(replacement, name)
    return name


_URL_PREFIX = re.compile(r"^[a-zA-Z][\w+.-]*://[^/]*")
_VENDOR_ANCHOR = re.compile(r".*?/((?:node_modules|site-packages|dist-packages|vendor|gems|pkg/mod)/)")
_DRIVE = re.compile(r"^[a-zA-Z]:")
# pkg@1.2.3, github.com/x/y@v0.9.1, rails-7.1.2, python3.11 (in a directory name).
_PATH_VERSION = re.compile(r"(?<=[\w])(?:@v?\d[\w.+-]*|-v?\d+(?:\.\d+)+[\w.+-]*|\d+\.\d+)(?=/)")
# Content hashes in bundled file names: main.3f2a9c.js, chunk-BZ3k9Fq2.mjs.
_BUNDLE_HASH = re.compile(
    r"[.-](?=[\w]*\d)(?=[\w]*[a-zA-Z])[\w]{5,}(?=(?:\.chunk|\.bundle|\.min)*\.(?:[cm]?js|css|map)$)"
)


@lru_cache(maxsize=8192)
def normalize_filename(path: str) -> str:
    """A file name that survives redeploys: no scheme/host, query, absolute prefix,
    Windows separators, package versions or bundle hashes.

    Third-party code keeps its path from ``node_modules/`` (or ``site-packages/``,
    ``vendor/``, ``gems/``, ``pkg/mod/``) on; other files keep their last two parts.
    """
    if not path:
        return ""
    path = _URL_PREFIX.sub("", path.replace("\\", "/"))
    path = _DRIVE.sub("", path.split("?", 1)[0].split("#", 1)[0])
    if "node_modules/" in path:
        # The last one: pnpm nests node_modules/.pnpm/pkg@1.2.3/node_modules/pkg/.
        path = _PATH_VERSION.sub("", "node_modules/" + path.rsplit("node_modules/", 1)[1])
    elif match := _VENDOR_ANCHOR.match("/" + path):
        path = _PATH_VERSION.sub("", match.group(1) + path[match.end() - 1 :])
    else:
        path = "/".join([part for part in path.split("/") if part and part != "."][-2:])
    return _BUNDLE_HASH.sub("", path)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


_STRATEGIES: dict[str, Callable[[Mapping[str, Any]], Grouping]] = {
    GROUPING_VERSION: _group_2026_11,
    FRAMELESS_VERSION: _group_2026_12,
}
