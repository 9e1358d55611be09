"""ErrorHub reports its own exceptions to ERRORHUB_SELF_DSN, except inside
``selfmonitor.suppressed()`` (the loop guard), and at most 60 a minute (the budget).

A subprocess does ``django.setup()`` with the self DSN pointing at a recording
HTTP server started here, so sentry-sdk really sends over the wire.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "errorhub.settings"
import django
django.setup()
import sentry_sdk
from errorhub.selfmonitor import suppressed

def fail(message):
    try:
        raise RuntimeError(message)
    except RuntimeError as exc:
        sentry_sdk.capture_exception(exc)

with suppressed():
    fail("suppressed-one")
fail("reported-one")
sentry_sdk.flush(timeout=10)
print("phase1", flush=True)
sys.stdin.readline()  # the test counts what arrived, then lets the storm go
for i in range(int(sys.argv[1])):
    fail(f"storm-{i}")
sentry_sdk.flush(timeout=20)
"""


class Recorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[str] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        body = gzip.decompress(body) if encoding == "gzip" else brotli.decompress(body) if encoding == "br" else body
        for line in body.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            for exc in (item.get("exception") or {}).get("values", []) if isinstance(item, dict) else []:
                with self.server.lock:
                    self.server.messages.append(exc.get("value", ""))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "0"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_self_reports_skip_suppressed_and_respect_the_budget(recorder, tmp_path):
    port = recorder.server_address[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "ERRORHUB_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "test-self-monitoring",
        "ERRORHUB_SELF_DSN": f"http://{'ab' * 16}@127.0.0.1:{port}/1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "80"],
        cwd=REPO,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout.readline().strip() == "phase1", proc.stderr.read() if proc.poll() is not None else ""
        with recorder.lock:
            assert recorder.messages == ["reported-one"], "the suppressed exception must not be sent"
        _, stderr = proc.communicate("go\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr[-2000:]
    with recorder.lock:
        storm = [m for m in recorder.messages if m.startswith("storm-")]
    assert len(storm) == 59, f"the budget is 60 reports a minute in all; got {len(storm)} + 1"
    assert set(storm) == {f"storm-{i}" for i in range(59)}, "the first 59 of the storm, no more"
