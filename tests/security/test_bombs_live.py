"""Decompression bombs and malformed bodies on every ingest door of the live
server (issue #24): each is answered 4xx, the server stays up, and no web or
worker process grows past ``RSS_LIMIT``.

The doors are found in the URL conf (every ``ingest-*`` and ``otlp-*`` route), all
authenticated with the project's real DSN key (``?sentry_key=``). Bombs expand
to ``BOMB_SIZE`` of zeros, more than any door's decompressed limit.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
import requests
import zstandard

from tests.live.conftest import make_live_project
from tests.live.server import LiveServer
from tests.security.attack import walk

pytestmark = [pytest.mark.live, pytest.mark.django_db]
MiB = 1024 * 1024
BOMB_SIZE = 160 * MiB
RSS_LIMIT = 400 * MiB
CONTENT_TYPES = {
    "envelope": "application/x-sentry-envelope",
    "logs": "text/plain",
    "security": "application/csp-report",
    "otlp": "application/json",
}


def _zeros(total: int, piece: int = 4 * MiB) -> Iterator[bytes]:
    block = bytes(piece)
    for _ in range(total // piece):
        yield block


def _stream(compressor, flush) -> bytes:
    return b"".join(compressor(chunk) for chunk in _zeros(BOMB_SIZE)) + flush()


def bombs() -> dict[str, tuple[str, bytes]]:
    """name → (Content-Encoding, body): each expands to BOMB_SIZE."""
    gz = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    df = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    br = brotli.Compressor(quality=1)
    zs = zstandard.ZstdCompressor(level=3).compressobj()
    member = gzip.compress(bytes(MiB), 9)
    return {
        "gzip": ("gzip", _stream(gz.compress, gz.flush)),
        "deflate": ("deflate", _stream(df.compress, df.flush)),
        "br": ("br", _stream(br.process, br.finish)),
        "zstd": ("zstd", _stream(zs.compress, zs.flush)),
        "gzip members": ("gzip", member * (BOMB_SIZE // MiB)),
        "gzip of gzip": ("gzip, gzip", gzip.compress(gzip.compress(bytes(32 * MiB), 9), 9)),
    }


MALFORMED = {
    "deep array": b"[" * 200_000,
    "deep object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "invalid utf-8": b'{"message": "\xff\xfe\xc3\x28 broken", "level": "error"}',
    "lone surrogate": b'{"message": "\\ud800", "level": "error"}',
    "huge number": b'{"message": "n", "timestamp": 1' + b"0" * 5000 + b"}",
    "huge exponent": b'{"message": "n", "timestamp": 1e999999, "level": 123456789012345678901234567890}',
    "nan": b'{"message": "n", "timestamp": NaN}',
    "not json": b"\x00\x01\x02 this is not json",
    "truncated": b'{"message": "cut',
}


@pytest.fixture(scope="module")
def live(errorhub_server: LiveServer, django_db_blocker, live_cleanup):
    """The live server and a committed project with a DSN key."""
    return errorhub_server, make_live_project("bombs", errorhub_server, django_db_blocker)


def doors(project) -> dict[str, str]:
    """Every ingest door of the URL conf, as a URL with the project's key."""
    found = {}
    for route in walk():
        if route.name and (route.name.startswith("ingest-") or route.name.startswith("otlp-")):
            path = route.route.replace("<int:project_id>", str(project.project_id))
            found[route.name] = f"{project.base_url}/{path}?sentry_key={project.dsn.split('//')[1].split('@')[0]}"
    assert {"ingest-store", "ingest-envelope", "ingest-logs", "ingest-security", "otlp-logs"} <= set(found)
    return found


def content_type(door: str) -> str:
    return next((t for key, t in CONTENT_TYPES.items() if key in door), "application/json")


def processes(server: LiveServer) -> dict[int, str]:
    """pid → name of gunicorn's master and workers and Celery's processes."""
    found: dict[int, str] = {}
    for name, proc in server.procs.items():
        found[proc.pid] = name
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        for child in children.read_text().split() if children.exists() else []:
            found[int(child)] = f"{name} child"
    return found


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def assert_bounded(server: LiveServer) -> None:
    server.check_alive()
    assert requests.get(f"{server.base_url}/healthz", timeout=30).status_code == 200
    sizes = {f"{name} {pid}": rss(pid) for pid, name in processes(server).items()}
    assert all(size < RSS_LIMIT for size in sizes.values()), {k: f"{v / MiB:.0f} MiB" for k, v in sizes.items()}


def test_bombs_are_refused_on_every_door(live):
    server, project = live
    wrong: list[str] = []
    for name, (encoding, body) in bombs().items():
        for door, url in doors(project).items():
            response = requests.post(
                url, data=body, timeout=120, headers={"Content-Encoding": encoding, "Content-Type": content_type(door)}
            )
            if not 400 <= response.status_code < 500:
                wrong.append(f"{name} ({len(body)} bytes) → {door}: {response.status_code} {response.text[:200]}")
        assert_bounded(server)
    assert not wrong, "bombs not refused:\n" + "\n".join(wrong)


def test_malformed_bodies_are_refused_on_every_door(live):
    server, project = live
    wrong: list[str] = []
    for name, body in MALFORMED.items():
        for door, url in doors(project).items():
            if door == "ingest-logs":
                continue  # any bytes are a log line there: tests/ingest/protocol/logs cover its parsing
            data = body
            if door == "ingest-envelope":
                data = b'{}\n{"type":"event","length":%d}\n' % len(body) + body + b"\n"
            response = requests.post(url, data=data, timeout=120, headers={"Content-Type": content_type(door)})
            if not 400 <= response.status_code < 500:
                wrong.append(f"{name} → {door}: {response.status_code} {response.text[:200]}")
    assert_bounded(server)
    assert not wrong, "malformed bodies not refused:\n" + "\n".join(wrong)
