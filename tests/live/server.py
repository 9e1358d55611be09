"""Start a real ErrorHub (gunicorn + Celery worker) on loopback, for the live
tests and the ingest benchmark.

gunicorn, not ``runserver``: the Node SDK streams its envelopes with
``Transfer-Encoding: chunked`` and Django's development server hands the view
an empty body for those. Every wait is bounded; a process that dies or never
answers makes ``start`` raise with its log attached.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
QUEUES = "ingest,ingest-retry,index,alerts,housekeeping"


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_db(url: str, db: str | int) -> str:
    """``url`` with its path (database name or Redis db number) replaced by ``db``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _group_gone(pgid: int, timeout: float) -> bool:
    """Wait (bounded) until no process is left in process group ``pgid``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@dataclass
class LiveServer:
    """One gunicorn and one Celery worker sharing ``env``; logs go to ``log_dir``."""

    env: dict[str, str]
    log_dir: Path
    workers: int = 2
    worker_concurrency: int = 1
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, argv: list[str]) -> None:
        with open(self.log_dir / f"{name}.log", "wb") as log:  # the child holds its own copy of the descriptor
            self.procs[name] = subprocess.Popen(
                argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start(self, timeout: float = 60.0) -> LiveServer:
        """Start both processes and wait until ``/healthz`` answers."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**self.env, "ERRORHUB_BASE_URL": self.base_url}
        self._spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:errorhub.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "60",
            ],
        )
        pool = ["--pool", "solo"] if self.worker_concurrency == 1 else ["--pool", "prefork"]
        self._spawn(
            "celery",
            [
                str(BIN / "python"),
                "-m",
                "errorhub.worker",
                "--concurrency",
                str(self.worker_concurrency),
                "-Q",
                QUEUES,
                *pool,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )
        return self._wait_until_healthy(timeout)

    def _wait_until_healthy(self, timeout: float) -> LiveServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"ErrorHub did not answer /healthz within {timeout} s\n{self.logs()}")

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.logs()}")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM both process groups (gunicorn's workers, celery's children), then SIGKILL;
        return only when every process of both groups is gone, so none of them still
        holds a database connection when the test database is dropped."""
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            if not _group_gone(proc.pid, timeout):  # a worker outliving its master (or a pool child)
                os.killpg(proc.pid, signal.SIGKILL)
                _group_gone(proc.pid, 5)

    def logs(self, tail: int = 6000) -> str:
        out = []
        for name in ("gunicorn", "celery"):
            path = self.log_dir / f"{name}.log"
            text = path.read_text(errors="replace") if path.exists() else "(no log)"
            out.append(f"----- {name} log (tail) -----\n{text[-tail:]}")
        return "\n".join(out)


# --- the embedded default, as ``make run`` starts it -------------------------------

PROCFILE = REPO / "Procfile"
#: what ``make run`` runs before ``honcho -f Procfile start``
MAKE_RUN_STEPS = (("migrate", "--noinput", "-v0"), ("collectstatic", "--noinput", "-v0"), ("bootstrap",))


def procfile_commands(port: int | None = None) -> dict[str, str]:
    """The Procfile's process commands (as honcho runs them: through the shell), the
    web one bound to ``port`` instead of 8000 (when given) so runs on one machine do not collide."""
    commands = {}
    for line in PROCFILE.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            commands[name.strip()] = command.strip().replace("127.0.0.1:8000", f"127.0.0.1:{port or 8000}")
    return commands


def embedded_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of ``make run`` on a fresh data dir: none of the test run's
    ErrorHub, database or broker variables (so SQLite and the filesystem broker),
    the venv first on PATH as the Makefile puts it, plus ``settings``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ERRORHUB_", "DATABASE_", "CELERY_", "DJANGO_")) and k != "ALLOWED_HOSTS"
    }
    env.update(
        ERRORHUB_DATA_DIR=str(data_dir),
        ERRORHUB_STATIC_ROOT=str(data_dir / "static"),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    return env


@dataclass
class EmbeddedServer(LiveServer):
    """ErrorHub exactly as ``make run`` starts it: migrate, collectstatic, bootstrap, then
    the Procfile's web (gunicorn with ``errorhub.gunicorn_conf``) and worker (Celery
    with the beat thread) — SQLite and the filesystem broker in ``env``'s data dir."""

    bootstrap_output: str = ""

    def manage(self, *args: str, timeout: float = 120.0) -> str:
        """``manage.py <args>`` in the server's environment; its output (raises on failure)."""
        proc = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        return proc.stdout

    def start(self, timeout: float = 60.0) -> EmbeddedServer:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**self.env, "ERRORHUB_BASE_URL": self.base_url}
        self.bootstrap_output = "".join(self.manage(*step) for step in MAKE_RUN_STEPS)
        commands = procfile_commands(self.port)
        self._spawn("gunicorn", ["bash", "-c", f"exec {commands['web']}"])
        self._spawn("celery", ["bash", "-c", f"exec {commands['worker']}"])
        return self._wait_until_healthy(timeout)

    def log(self, name: str) -> str:
        """Everything process ``name`` (``gunicorn`` or ``celery``) wrote so far."""
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""
