"""Typed readers for settings taken from the environment.

Every reader stops start-up with ``ImproperlyConfigured`` naming the variable
when its value is malformed, so a typo in a deployment never turns into a
silently different behaviour. ``django-environ`` does the URL parsing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import environ
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")
_env = environ.Env()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _read(name: str, default: T, parse: Callable[[str], T], what: str) -> T:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return parse(raw.strip())
    except (ValueError, TypeError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {what}: {exc}") from exc


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _read(name, default, int, "an integer")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_float(name: str, default: float) -> float:
    return _read(name, default, float, "a number")


def _parse_bool(raw: str) -> bool:
    low = raw.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def env_bool(name: str, default: bool) -> bool:
    return _read(name, default, _parse_bool, "a boolean")


def env_list(name: str, default: list[str]) -> list[str]:
    return _read(name, default, lambda raw: [p.strip() for p in raw.split(",") if p.strip()], "a list")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return raw

    return _read(name, default, parse, "a valid choice")


def env_db(name: str, default: str) -> dict[str, Any]:
    raw = os.environ.get(name) or default
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in environ.Env.DB_SCHEMES:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a database URL: expected postgres://… or sqlite:///…")
    try:
        config = _env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types on a bad URL
        raise ImproperlyConfigured(f"{name}={raw!r} is not a database URL: {exc}") from exc
    if not config.get("ENGINE") or not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a database URL: it names no database")
    return config


def persistent_secret(path: Path) -> str:
    """A secret generated on first start and kept in the data directory.

    The embedded default must run with no variable set, yet sessions must
    survive a restart, so the key is written once (mode 0600) and reused.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
