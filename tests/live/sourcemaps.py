"""Build the source-map shop (tests/fixtures/sourcemaps/app) with the real esbuild, process it with
the real sentry-cli, and send events shaped as the JavaScript SDK sends them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.live.conftest import LiveProject
from tests.live.server import REPO

APP_DIR = REPO / "tests" / "fixtures" / "sourcemaps" / "app"
TOOLS = REPO / "tests" / "clients" / "sentry-tools" / "node_modules"
ESBUILD = TOOLS / ".bin" / "esbuild"
SENTRY_CLI = TOOLS / ".bin" / "sentry-cli"
_NODE_FRAME = re.compile(r"^\s+at (?:(\S+) \()?(.+?):(\d+):(\d+)\)?$", re.MULTILINE)


def build(into: Path, entry: str, *, platform: str = "browser", extra: list[str] | None = None) -> Path:
    """esbuild ``src/<entry>`` (with ``@sentry/browser`` resolved from sentry-tools) minified with a source map."""
    shutil.copytree(APP_DIR, into, dirs_exist_ok=True)
    (into / "node_modules").symlink_to(TOOLS, target_is_directory=True)
    proc = subprocess.run(
        [
            str(ESBUILD),
            f"src/{entry}",
            "--bundle",
            "--minify",
            "--sourcemap",
            f"--platform={platform}",
            "--format=iife",
            "--outdir=dist",
            *(extra or []),
        ],
        cwd=into,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return into / "dist"


def sentry_cli(project: LiveProject, *args: str, cwd: Path) -> str:
    """Run the real sentry-cli against the live ErrorHub as the project's member; its output."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "SENTRY_URL": project.base_url,
        "SENTRY_AUTH_TOKEN": project.token,
        "SENTRY_ORG": project.org,
        "SENTRY_PROJECT": project.slug,
        "SENTRY_LOAD_DOTENV": "0",
        "SENTRYCLI_SKIP_DOWNLOAD": "1",
    }
    proc = subprocess.run([str(SENTRY_CLI), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, (
        f"sentry-cli {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    )
    return proc.stdout + proc.stderr


def node_stack(script: Path) -> list[dict[str, Any]]:
    """Run a node build and read its error's stack: frames (innermost first) with file, line, column."""
    proc = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [
        {"function": fn, "path": path, "lineno": int(line), "colno": int(col)}
        for fn, path, line, col in _NODE_FRAME.findall(proc.stdout)
        if path == str(script)
    ]


def js_event(frames: list[dict[str, Any]], url: str, *, release: str, debug_id: str | None) -> dict[str, Any]:
    """An error event as @sentry/browser sends it: frames caller first, ``debug_meta`` when injected."""
    event: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "platform": "javascript",
        "level": "error",
        "release": release,
        "sdk": {"name": "sentry.javascript.browser", "version": "11.12.0"},
        "exception": {
            "values": [
                {
                    "type": "Error",
                    "value": "cart total over the limit: 120",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": url,
                                "abs_path": url,
                                "function": f["function"],
                                "lineno": f["lineno"],
                                "colno": f["colno"],
                                "in_app": True,
                            }
                            for f in reversed(frames)
                        ]
                    },
                }
            ]
        },
    }
    if debug_id:
        event["debug_meta"] = {"images": [{"type": "sourcemap", "code_file": url, "debug_id": debug_id}]}
    return event


def send(project: LiveProject, event: dict[str, Any]) -> str:
    """POST the event to the project's store endpoint with its DSN key; the event id."""
    key = urlsplit(project.dsn).username
    answer = requests.post(
        f"{project.base_url}/api/{project.project_id}/store/",
        json=event,
        timeout=10,
        headers={"X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={key}"},
    )
    assert answer.status_code == 200, answer.text
    return event["event_id"]


def debug_id_of(minified: Path) -> str:
    """The ``//# debugId=`` comment sentry-cli injected."""
    found = re.search(r"//# debugId=([0-9a-f-]{36})", minified.read_text())
    assert found, f"no debugId comment in {minified}"
    return found.group(1)
