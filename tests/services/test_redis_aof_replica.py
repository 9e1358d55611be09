"""The broker Redis with its append-only file and a replica, as docs/scaling.md recommends for production.

Each test starts its own pair (never the shared Redis on 6380): a primary with ``appendonly yes`` (fsync every
second) and a replica of it, also with AOF, on ports of their own. Real task messages are queued through
ErrorHub's Redis transport (``errorhub.brokers.redis``) with Celery's ``send_task``, exactly as the ingest view
queues them. Then the primary crashes (SIGKILL, no chance to flush anything more):

- restarted on its data, it still holds every task (the AOF), and a consumer gets each one once;
- the replica already held every task, and once promoted (what Sentinel does) it serves each one.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection

from errorhub.celery import app
from tests.faults.private_services import PrivateRedis, _wait

TRANSPORT = "errorhub.brokers.redis:Transport"
TASKS = 60


class ReplicaRedis(PrivateRedis):
    """A private redis-server replicating ``primary_port``, AOF on."""

    primary_port: int = 0

    def start(self, timeout: float = 30.0) -> None:
        data = self.root / "replica"
        data.mkdir(exist_ok=True)
        log = self.root / "replica.log"
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(data)]
            + ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--logfile", str(log)]
            + ["--replicaof", "127.0.0.1", str(self.primary_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(self._linked, timeout, f"replica on {self.port}", log)

    def _linked(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=1).info("replication")["master_link_status"] == "up"
        except Exception:  # not listening yet, or still loading
            return False


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[PrivateRedis, ReplicaRedis]]:
    primary = PrivateRedis(root=tmp_path)
    primary.start()
    replica = ReplicaRedis(root=tmp_path)
    replica.primary_port = primary.port
    try:
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()


def connection(url: str) -> Connection:
    return Connection(url, transport=TRANSPORT, transport_options={"visibility_timeout": 300})


def queue_tasks(url: str) -> set[str]:
    """``TASKS`` process_payload messages on the ingest queue; their task ids."""
    ids = set()
    with connection(url) as conn:
        for n in range(TASKS):
            result = app.send_task(
                "ingest.tasks.process_payload",
                args=[{"kind": "store", "project_id": 1, "data": f'{{"message": "queued {n}"}}'}],
                queue="ingest",
                connection=conn,
            )
            ids.add(result.id)
    return ids


def crash(server: PrivateRedis) -> None:
    """SIGKILL: no shutdown, no final fsync; only what the AOF already holds survives."""
    assert server.proc is not None
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(30)


def consume(url: str) -> list[str]:
    """Take every message off the ingest queue (acknowledging each); their task ids, in order."""
    taken = []
    with connection(url) as conn, conn.SimpleQueue("ingest") as queue:
        while True:
            try:
                message = queue.get(timeout=2)
            except queue.Empty:
                return taken
            taken.append(message.headers["id"])
            message.ack()


def replicated(primary: PrivateRedis, replicas: int = 1) -> None:
    """Until the replica acknowledged every write, and one AOF fsync (every second) has passed."""
    assert redis.Redis(port=primary.port).wait(replicas, 10_000) == replicas
    time.sleep(2)


def test_queued_tasks_survive_a_broker_crash_with_aof(pair: tuple[PrivateRedis, ReplicaRedis]) -> None:
    primary, _ = pair
    ids = queue_tasks(primary.url)
    replicated(primary)

    crash(primary)
    primary.start()  # same port, same data directory: the AOF is replayed

    taken = consume(primary.url)
    assert sorted(taken) == sorted(ids)
    assert consume(primary.url) == []  # each once


def test_the_replica_holds_every_queued_task_and_serves_them_once_promoted(
    pair: tuple[PrivateRedis, ReplicaRedis],
) -> None:
    primary, replica = pair
    ids = queue_tasks(primary.url)
    replicated(primary)

    crash(primary)
    client = redis.Redis(port=replica.port)
    assert client.info("replication")["role"] == "slave"
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    client.replicaof("NO", "ONE")  # what Sentinel does on failover

    assert sorted(consume(replica.url)) == sorted(ids)
