"""``errorhub.brokers.filesystem`` (the embedded default's filesystem broker): a message a consumer
took waits in that consumer's in-flight folder until it is acknowledged, so a consumer
killed with SIGKILL loses nothing — the next consumer puts its messages back — while a
live consumer's messages are never taken from it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue

REPO = Path(__file__).resolve().parents[2]
TRANSPORT = "errorhub.brokers.filesystem:Transport"


def _options(root: Path) -> dict:
    options = {
        "data_folder_in": str(root / "out"),
        "data_folder_out": str(root / "out"),
        "processed_folder": str(root / "processed"),
        "inflight_folder": str(root / "inflight"),
        "control_folder": str(root / "control"),
        "store_processed": False,
        "polling_interval": 0.01,
    }
    for key in ("data_folder_in", "processed_folder", "inflight_folder", "control_folder"):
        os.makedirs(options[key], exist_ok=True)
    return options


@pytest.fixture
def root(tmp_path: Path) -> Path:
    _options(tmp_path)
    return tmp_path


def _connection(root: Path) -> Connection:
    return Connection("filesystem://", transport=TRANSPORT, transport_options=_options(root))


QUEUE = Queue("work", Exchange("work"), routing_key="work")


def _publish(root: Path, *bodies: dict) -> None:
    with _connection(root) as conn:
        producer = Producer(conn.channel())
        for body in bodies:
            # straight to the queue by name, as ingest/queue.py publishes
            producer.publish(body, exchange="", routing_key=QUEUE.name)


def _queued(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "out").iterdir() if p.name.endswith(".msg"))


def _in_flight(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "inflight").rglob("*.msg"))


def _drain(conn: Connection, received: list, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(received) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"got {len(received)} of {count} messages within {timeout} s")
        try:
            conn.drain_events(timeout=0.2)
        except TimeoutError:
            pass


def _nothing_more(conn: Connection, seconds: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with pytest.raises(TimeoutError):
            conn.drain_events(timeout=0.1)


def test_a_taken_message_waits_in_flight_until_acknowledged(root):
    _publish(root, {"n": 1})
    name = _queued(root)[0]
    seen = []

    def on_message(body, message):
        seen.append((_queued(root), _in_flight(root)))
        message.ack()

    with _connection(root) as conn, Consumer(conn, [QUEUE], callbacks=[on_message]):
        _drain(conn, seen, 1)
        assert seen == [([], [name])]
        assert _queued(root) == [] and _in_flight(root) == []


def _consume_then_die(root: Path, *, ack_first: int, fork_child: bool = False) -> subprocess.CompletedProcess:
    """A consumer process that acknowledges ``ack_first`` messages, then SIGKILLs itself on
    the next one (optionally after forking a child that outlives it, as a pool process can)."""
    code = textwrap.dedent(f"""
        import os, signal, time
        from kombu import Connection, Consumer, Exchange, Queue
        received = []
        def on_message(body, message):
            received.append(body)
            if len(received) <= {ack_first}:
                message.ack()
                print(body["n"], flush=True)  # acknowledged
                return
            if {fork_child!r} and os.fork() == 0:
                with open({str(root / "child.pid")!r}, "w") as fh:
                    fh.write(str(os.getpid()))
                devnull = os.open(os.devnull, os.O_RDWR)
                os.dup2(devnull, 1), os.dup2(devnull, 2)  # the test waits for the parent's output only
                time.sleep(30)
                os._exit(0)
            os.kill(os.getpid(), signal.SIGKILL)
        queue = Queue("work", Exchange("work"), routing_key="work")
        with Connection("filesystem://", transport={TRANSPORT!r}, transport_options={_options(root)!r}) as conn:
            with Consumer(conn, [queue], callbacks=[on_message], prefetch_count=10):
                while True:
                    conn.drain_events(timeout=10)
    """)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, start_new_session=True
    )


def test_consumer_killed_before_acknowledging_loses_nothing(root):
    _publish(root, *({"n": n} for n in range(10)))
    died = _consume_then_die(root, ack_first=2)
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert len(_in_flight(root)) == 1 and len(_queued(root)) == 7

    received = []
    with (
        _connection(root) as conn,
        Consumer(conn, [QUEUE], callbacks=[lambda b, m: (received.append(b["n"]), m.ack())]),
    ):
        _drain(conn, received, 8)
        _nothing_more(conn)
    acknowledged = [int(n) for n in died.stdout.split()]
    assert len(acknowledged) == 2
    assert sorted(received) == sorted(set(range(10)) - set(acknowledged))  # each once, the acknowledged never
    assert _queued(root) == [] and _in_flight(root) == []
    assert list((root / "inflight").iterdir()) == []  # the dead consumer's folder and lock are gone too


def test_a_child_outliving_the_killed_consumer_does_not_keep_its_messages(root):
    _publish(root, {"n": 1})
    died = _consume_then_die(root, ack_first=0, fork_child=True)
    assert died.returncode == -signal.SIGKILL, died.stderr
    child = int((root / "child.pid").read_text())
    received = []
    try:
        with _connection(root) as conn, Consumer(conn, [QUEUE], callbacks=[lambda b, m: (received.append(b), m.ack())]):
            _drain(conn, received, 1)
    finally:
        os.kill(child, signal.SIGKILL)
    assert received == [{"n": 1}]


def test_a_live_consumers_messages_are_never_taken(root):
    _publish(root, {"n": 1})
    held = []
    with _connection(root) as first, Consumer(first, [QUEUE], callbacks=[lambda b, m: held.append(m)]):
        _drain(first, held, 1)
        with _connection(root) as second, Consumer(second, [QUEUE], callbacks=[lambda b, m: held.append(m)]):
            _nothing_more(second, 1.0)  # looks for orphans at its first read: the first consumer is alive
        assert len(held) == 1 and len(_in_flight(root)) == 1
        held[0].ack()
    assert _in_flight(root) == [] and _queued(root) == []


def test_requeued_message_is_delivered_again(root):
    _publish(root, {"n": 1})
    received = []

    def on_message(body, message):
        received.append(body["n"])
        message.requeue() if len(received) == 1 else message.ack()

    with _connection(root) as conn, Consumer(conn, [QUEUE], callbacks=[on_message]):
        _drain(conn, received, 2)
    assert received == [1, 1] and _queued(root) == [] and _in_flight(root) == []


def test_closing_puts_unacknowledged_messages_back(root):
    _publish(root, {"n": 1}, {"n": 2})
    held = []
    with _connection(root) as conn, Consumer(conn, [QUEUE], callbacks=[lambda b, m: held.append(b)]):
        _drain(conn, held, 2)
        assert len(_in_flight(root)) == 2
    assert len(_queued(root)) == 2 and list((root / "inflight").iterdir()) == []


def test_no_ack_consumer_and_synchronous_get(root):
    _publish(root, {"n": 1}, {"n": 2})
    received = []
    with _connection(root) as conn:
        with Consumer(conn, [QUEUE], no_ack=True, callbacks=[lambda b, m: received.append(b)]):
            _drain(conn, received, 1)
        assert _in_flight(root) == []  # a no-ack message is gone once read
        message = conn.SimpleQueue(QUEUE).get(timeout=2)
        assert len(_in_flight(root)) == 1
        message.ack()
    # published within one millisecond: their order is not defined
    assert sorted([*received, message.payload], key=str) == [{"n": 1}, {"n": 2}]
    assert _queued(root) == [] and _in_flight(root) == []


def test_celery_worker_killed_mid_stream_every_task_still_runs(root, tmp_path):
    """A real ``celery worker`` (prefork) on the filesystem broker, ``kill -9`` of its process
    group mid-stream, a second worker: every task runs. A task running or finished but not yet
    acknowledged at the kill runs again (acks_late): at most two here, never the 50 prefetched."""
    done = tmp_path / "done.txt"
    (tmp_path / "fsapp.py").write_text(
        textwrap.dedent(f"""
        import time
        from celery import Celery
        app = Celery("fsapp", broker="filesystem://")
        app.conf.update(broker_transport={TRANSPORT!r}, broker_transport_options={_options(root)!r},
                        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=50,
                        # a name of its own: kombu remembers bindings per process, not per folder
                        task_default_queue="work-{tmp_path.name}", worker_enable_remote_control=False,
                        worker_hijack_root_logger=False)
        @app.task
        def record(n):
            time.sleep(0.05)
            with open({str(done)!r}, "a") as fh:
                fh.write(f"{{n}}\\n")
    """)
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"}

    def worker() -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "fsapp",
                "worker",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "WARNING",
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    sys.path.insert(0, str(tmp_path))
    try:
        import fsapp  # noqa: PLC0415 (the module the workers run, written above)

        for n in range(60):
            fsapp.record.delay(n)
        first = worker()
        deadline = time.monotonic() + 60
        while (not done.exists() or len(done.read_text().split()) < 10) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        assert _in_flight(root), "the killed worker held prefetched messages"
        second = worker()
        try:
            while len(set(done.read_text().split())) < 60 and time.monotonic() < deadline + 60:
                time.sleep(0.1)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(30)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("fsapp", None)
    runs = [int(n) for n in done.read_text().split()]
    assert sorted(set(runs)) == list(range(60))
    assert len(runs) - len(set(runs)) <= 2, runs
