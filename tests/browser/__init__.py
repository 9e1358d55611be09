"""Debian's Chromium driven by Playwright, shared by every browser test module.

One sync Playwright per module at a time (its event loop lives in the test thread), launched with
the flags this machine needs: no sandbox as root, and no background networking (this machine's
closed network refuses those connections).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parent / "screenshots"  # CI artefacts, ignored by git
WIDTHS = (1280, 375)  # the desk and the phone the dashboard is laid out for


@contextlib.contextmanager
def launched_chromium() -> Iterator[Any]:
    """A headless Chromium; fails (never skips) when Debian's package is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install_browser.sh (installs Debian's chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the tests' own ORM calls are synchronous
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            # While Playwright's event loop runs, asgiref counts this thread as async and Django
            # keeps its connections per context: close them before the loop ends, or the tests'
            # connection outlives it unreachable and the test database cannot be dropped.
            connections.close_all()
            browser.close()


def shoot(page: Any, name: str, widths: tuple[int, ...] = WIDTHS) -> list[Path]:
    """Full-page screenshots of the current page at each width (height follows the page), restoring the viewport."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or {"width": 1280, "height": 800}
    paths: list[Path] = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800 if width >= 600 else 740})
        path = SHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(original)
    return paths
