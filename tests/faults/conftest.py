"""Fault tests: a real ErrorHub (gunicorn + Celery) on PRIVATE PostgreSQL/Redis/OpenSearch
instances that the tests stop, kill and restart while a stream of events arrives.

Nothing here is skipped: the main run leaves this directory out (``--ignore=tests/faults``)
and ``make faults`` (scripts/run_faults.sh) runs it. Every test appends its figures to
``$ERRORHUB_FAULTS_RESULTS`` (JSON lines) for docs/faults.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.private_services import REPO, PrivatePostgres, PrivateRedis, base_dir
from tests.live.server import BIN, QUEUES, LiveServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: stops/kills private services mid-stream (make faults)")


class FaultServer(LiveServer):
    """LiveServer plus what the faults need: more workers, beat, kill -9, RSS of process trees."""

    def add_worker(self, name: str) -> None:
        self._spawn(
            name,
            [
                str(BIN / "python"),
                "-m",
                "errorhub.worker",
                "-n",
                f"{name}@%h",
                "--concurrency",
                "1",
                "-Q",
                QUEUES,
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )

    def add_beat(self) -> None:
        self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "errorhub",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.log_dir / "celerybeat-schedule"),
            ],
        )

    def kill9(self, name: str) -> None:
        """SIGKILL the whole process group (the worker and any child)."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def rss_bytes(self, name: str) -> int:
        """Resident memory of a process and all its descendants."""
        root = self.procs[name].pid
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            todo.extend(int(c) for c in children)
        return total

    def logs(self, tail: int = 6000) -> str:
        out = [super().logs(tail)]
        for path in sorted(self.log_dir.glob("*.log")):
            if path.stem not in ("gunicorn", "celery"):
                out.append(f"----- {path.stem} log (tail) -----\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(out)


@dataclass
class FaultWorld:
    """What one fault test works with."""

    server: FaultServer
    pg: PrivatePostgres
    redis: PrivateRedis
    db_url: str
    project_id: int
    public_key: str
    data_dir: Path

    def manage(self, *argv: str, timeout: float = 120) -> str:
        return _manage(self.server.env, *argv, timeout=timeout)


def _manage(env: dict[str, str], *argv: str, timeout: float = 120) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    if out.returncode:
        raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


@pytest.fixture(scope="session")
def fault_root() -> Iterator[Path]:
    root = base_dir()
    yield root
    if os.environ.get("ERRORHUB_FAULTS_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def private_pg(fault_root: Path) -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres(fault_root)
    pg.init()
    pg.start()
    try:
        pg.create_database()
        yield pg
    finally:
        if pg.running():
            pg.stop()


@pytest.fixture(scope="session")
def private_redis(fault_root: Path) -> Iterator[PrivateRedis]:
    r = PrivateRedis(fault_root)
    r.start()
    yield r
    r.stop()


@pytest.fixture(scope="session")
def migrated(private_pg: PrivatePostgres, private_redis: PrivateRedis) -> str:
    env = _base_env(private_pg, private_redis, Path(private_pg.root))
    _manage(env, "migrate", "--noinput", timeout=300)
    return private_pg.url()


def _base_env(pg: PrivatePostgres, redis: PrivateRedis, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERRORHUB_", "CELERY_", "DATABASE_"))}
    return {
        **env,
        "DATABASE_URL": pg.url(),
        "CELERY_BROKER_URL": redis.url,
        "ERRORHUB_TASKS_EAGER": "0",
        "ERRORHUB_DATA_DIR": str(data_dir),
        "ERRORHUB_500_LOG": str(data_dir / "500.log"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "ERRORHUB_LOG_LEVEL": "INFO",
        "ERRORHUB_OUTBOUND_ALLOW_PRIVATE": "1",
        # messages a lost worker held come back after this long (production: 300 s);
        # shortened so a run settles in minutes — it changes when, never whether
        "ERRORHUB_BROKER_VISIBILITY_TIMEOUT": "60",
    }


@pytest.fixture
def world_factory(
    request: pytest.FixtureRequest,
    migrated: str,
    private_pg: PrivatePostgres,
    private_redis: PrivateRedis,
    fault_root: Path,
) -> Iterator[Any]:
    """``world_factory(**env)``: flush the broker, start ErrorHub with ``env`` on top, make a project."""
    started: list[FaultWorld] = []

    def make(**extra_env: str) -> FaultWorld:
        import redis

        redis.Redis.from_url(private_redis.url, socket_timeout=2).flushdb()
        name = request.node.name.replace("_", "-")[:40] + "-" + uuid.uuid4().hex[:4]
        data_dir = fault_root / name
        data_dir.mkdir()
        env = {**_base_env(private_pg, private_redis, data_dir), **extra_env}
        created = json.loads(_manage(env, "createproject", "--org", "Faults", "--name", name, "--json"))
        server = FaultServer(env=env, log_dir=data_dir / "logs")
        world = FaultWorld(
            server=server,
            pg=private_pg,
            redis=private_redis,
            db_url=migrated,
            project_id=int(created["id"]),
            public_key=created["dsn"].split("//")[1].split("@")[0],
            data_dir=data_dir,
        )
        started.append(world)
        server.start()
        return world

    yield make
    for world in started:
        world.server.stop()
        if request.node.rep_call_failed if hasattr(request.node, "rep_call_failed") else False:
            print(world.server.logs())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call_failed = report.failed


@pytest.fixture
def record_result(request: pytest.FixtureRequest) -> Any:
    """``record_result(fault, figures)``: print them and append them to $ERRORHUB_FAULTS_RESULTS."""

    def record(fault: str, figures: dict[str, Any]) -> None:
        line = {
            "fault": fault,
            "test": request.node.name,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **figures,
        }
        print(f"\n[faults] {json.dumps(line)}")
        target = os.environ.get("ERRORHUB_FAULTS_RESULTS")
        if target:
            with open(target, "a") as fh:
                fh.write(json.dumps(line) + "\n")

    return record
