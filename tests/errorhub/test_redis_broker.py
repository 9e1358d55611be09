"""``errorhub.brokers.redis``: a message is always in its queue or in ``unacked``, so a
consumer killed with SIGKILL right after taking it loses nothing; an idle consumer
waits without polling Redis and still gets a new message at once.

Real Redis (the shared test server, logical db 9); every key a test creates
carries its own prefix and is deleted afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.common import Broadcast

from tests.live.server import with_db

REPO = Path(__file__).resolve().parents[2]
BROKER_DB = 9
TRANSPORT = "errorhub.brokers.redis:Transport"


@dataclass
class Broker:
    """A namespace on the test Redis: queue names and kombu's unacked keys of one test."""

    url: str
    prefix: str
    options: dict = field(default_factory=dict)

    @property
    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def queue(self, name: str, **kwargs) -> Queue:
        full = f"{self.prefix}-{name}"
        return Queue(full, Exchange(full), routing_key=full, **kwargs)

    def connection(self, transport: str = TRANSPORT, **options) -> Connection:
        return Connection(self.url, transport=transport, transport_options={**self.options, **options})

    def unacked(self) -> dict[str, list]:
        return {k.decode(): json.loads(v) for k, v in self.client.hgetall(self.options["unacked_key"]).items()}

    def publish(self, queue: Queue, body: dict, transport: str = TRANSPORT, **kwargs) -> None:
        with self.connection(transport) as conn:
            Producer(conn.channel()).publish(
                body, exchange=queue.exchange, routing_key=queue.routing_key, declare=[queue], **kwargs
            )


@pytest.fixture
def broker() -> Iterator[Broker]:
    prefix = f"rb{uuid.uuid4().hex[:8]}"
    b = Broker(
        url=with_db(os.environ["ERRORHUB_TEST_REDIS_URL"], BROKER_DB),
        prefix=prefix,
        options={
            "unacked_key": f"{prefix}-unacked",
            "unacked_index_key": f"{prefix}-unacked_index",
            "unacked_mutex_key": f"{prefix}-unacked_mutex",
            "visibility_timeout": 3,
        },
    )
    yield b
    client = b.client
    for key in client.scan_iter(match=f"*{prefix}*", count=1000):
        client.delete(key)


def _drain(conn: Connection, received: list, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(received) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"got {len(received)} of {count} messages within {timeout} s")
        try:
            conn.drain_events(timeout=min(left, 1.0))
        except TimeoutError:
            pass


def test_pop_records_the_message_in_unacked_before_the_consumer_sees_it(broker):
    queue = broker.queue("work")
    broker.publish(queue, {"n": 1})
    seen = []

    def on_message(body, message):
        seen.append((body, broker.unacked().get(message.delivery_tag), broker.client.llen(queue.name)))
        message.ack()

    with broker.connection() as conn, Consumer(conn, [queue], callbacks=[on_message]):
        _drain(conn, seen, 1)
    body, entry, still_queued = seen[0]
    assert body == {"n": 1} and still_queued == 0
    # what kombu's QoS.append writes: [raw message, exchange, routing key]
    message, exchange, routing_key = entry
    assert (exchange, routing_key) == (queue.name, queue.name)
    assert message["properties"]["delivery_info"]["routing_key"] == queue.name
    assert broker.unacked() == {} and broker.client.zcard(broker.options["unacked_index_key"]) == 0  # acked


def _consume_and_die(broker: Broker, queue: Queue, transport: str) -> subprocess.CompletedProcess:
    """A consumer process that SIGKILLs itself the moment the transport hands it a message:
    after the pop, before kombu (or the task) could do anything with it."""
    code = textwrap.dedent(f"""
        import os, signal
        from kombu import Connection, Consumer, Exchange, Queue
        from kombu.transport import virtual
        virtual.Transport._deliver = lambda self, message, queue: os.kill(os.getpid(), signal.SIGKILL)
        queue = Queue({queue.name!r}, Exchange({queue.name!r}), routing_key={queue.name!r})
        with Connection({broker.url!r}, transport={transport!r}, transport_options={broker.options!r}) as conn:
            with Consumer(conn, [queue], callbacks=[lambda body, message: None]):
                conn.drain_events(timeout=20)
    """)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)


def test_consumer_killed_right_after_the_pop_loses_nothing(broker, time_machine):
    queue = broker.queue("work")
    broker.publish(queue, {"event": "e-1"})

    died = _consume_and_die(broker, queue, TRANSPORT)
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert broker.client.llen(queue.name) == 0
    assert len(broker.unacked()) == 1, "the popped message waits in unacked"

    received = []
    with broker.connection() as conn:
        # what every worker's restore timer does once the visibility timeout has passed
        time_machine.move_to(time.time() + broker.options["visibility_timeout"] + 0.5)
        conn.default_channel.qos.restore_visible(num=100, interval=1)

        def on_message(body, message):
            received.append((body, message.delivery_info.get("redelivered")))
            message.ack()

        with Consumer(conn, [queue], callbacks=[on_message]):
            _drain(conn, received, 1)
            with pytest.raises(TimeoutError):
                conn.drain_events(timeout=1.5)  # exactly once
    assert received == [({"event": "e-1"}, True)]
    assert broker.unacked() == {} and broker.client.llen(queue.name) == 0


def test_kombus_own_transport_loses_that_message(broker):
    """Why errorhub.brokers.redis exists: the same kill with kombu's transport loses the
    message (if kombu ever closes the window, this fails and the subclass can go)."""
    queue = broker.queue("work")
    broker.publish(queue, {"event": "e-1"}, transport="redis")
    died = _consume_and_die(broker, queue, "redis")
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert broker.client.llen(queue.name) == 0 and broker.unacked() == {}


def _commands_seen(broker: Broker, seconds: float) -> list[str]:
    """Commands naming this test's keys that clients sent (MONITOR) during ``seconds``."""
    marker = f"{broker.prefix}-monitor-end"
    seen = []
    with redis.Redis.from_url(broker.url, socket_timeout=30).monitor() as monitor:
        threading.Timer(seconds, lambda: broker.client.echo(marker)).start()
        while True:
            seen_by_monitor = monitor.next_command()
            command = seen_by_monitor["command"]
            if marker in command:
                return seen
            if broker.prefix in command and seen_by_monitor.get("client_type") != "lua":  # not inside a script
                seen.append(command.split(" ", 1)[0])


def test_idle_consumer_waits_without_polling_and_wakes_at_once(broker):
    queues = [broker.queue(name) for name in ("ingest", "alerts", "housekeeping")]
    received: list[str] = []

    def on_message(body, message):
        received.append(body["queue"])
        message.ack()

    def consume(stop: threading.Event, **options) -> None:
        with broker.connection(**options) as conn, Consumer(conn, queues, callbacks=[on_message]):
            while not stop.is_set():
                try:
                    conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass

    def consumer(**options) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=consume, args=(stop,), kwargs=options, daemon=True)
        thread.start()
        return thread, stop

    thread, stop = consumer()
    try:
        time.sleep(1.0)  # declared, first pop done, waiting on the bells
        commands = _commands_seen(broker, 4.0)
        # kombu's own transport sends one BRPOP a second; this one a bell wait and a pop
        assert 0 < len(commands) <= 12, commands
    finally:
        stop.set()
        thread.join(10)
    # the fallback wait (1 s by default) pushed beyond the deadline: only a bell wakes it in time
    thread, stop = consumer(brpop_timeout=60)
    try:
        time.sleep(1.0)
        for queue in queues:  # each queue's bell wakes the consumer, not the fallback
            broker.publish(queue, {"queue": queue.name})
            deadline = time.monotonic() + 30  # generous, and well inside the 60 s fallback
            while queue.name not in received and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        stop.set()
        thread.join(70)
    assert received == [q.name for q in queues]


def test_a_message_pushed_without_a_bell_arrives_within_the_wait(broker):
    """A plain kombu producer rings no bell: the consumer's 1 s wait ends and it looks anyway."""
    queue = broker.queue("work")
    received = []
    with broker.connection() as conn, Consumer(conn, [queue], callbacks=[lambda b, m: (received.append(b), m.ack())]):
        try:
            conn.drain_events(timeout=0.3)  # now waiting on the bell
        except TimeoutError:
            pass
        broker.publish(queue, {"n": 1}, transport="redis")
        _drain(conn, received, 1, timeout=30)  # the 1 s wait ends without a bell, and it looks
    assert received == [{"n": 1}]


def test_priority_lists_are_recorded_and_taken_in_kombus_order(broker):
    queue = broker.queue("work", max_priority=9)
    broker.publish(queue, {"n": "low"}, priority=9)
    broker.publish(queue, {"n": "high"}, priority=0)
    assert broker.client.llen(f"{queue.name}\x06\x169") == 1
    received = []

    def on_message(body, message):
        received.append((body["n"], message.delivery_tag in broker.unacked()))
        message.ack()

    with broker.connection() as conn, Consumer(conn, [queue], callbacks=[on_message]):
        _drain(conn, received, 2)
    assert received == [("high", True), ("low", True)]


def test_broadcast_and_plain_queues_on_one_consumer(broker):
    plain = broker.queue("work")
    fanout = Broadcast(f"{broker.prefix}-bcast")
    received = []
    with (
        broker.connection() as conn,
        Consumer(conn, [plain, fanout], callbacks=[lambda b, m: (received.append(b), m.ack())]),
    ):
        try:
            conn.drain_events(timeout=0.3)  # subscribed
        except TimeoutError:
            pass
        with broker.connection() as producer_conn:
            producer = Producer(producer_conn.channel())
            producer.publish({"to": "all"}, exchange=fanout.exchange, declare=[fanout])
            producer.publish({"to": "one"}, exchange=plain.exchange, routing_key=plain.routing_key, declare=[plain])
        _drain(conn, received, 2)
    assert sorted(b["to"] for b in received) == ["all", "one"]
    assert broker.unacked() == {}


def test_no_ack_consumer_leaves_nothing_in_unacked(broker):
    queue = broker.queue("replies")
    broker.publish(queue, {"n": 1})
    received = []
    with broker.connection() as conn, Consumer(conn, [queue], no_ack=True, callbacks=[lambda b, m: received.append(b)]):
        _drain(conn, received, 1)
    assert received == [{"n": 1}] and broker.unacked() == {}


def test_requeued_message_is_delivered_again(broker):
    queue = broker.queue("work")
    broker.publish(queue, {"n": 1})
    broker.publish(queue, {"n": 2})
    received = []

    def on_message(body, message):
        received.append(body["n"])
        if len(received) == 1:
            message.requeue()
        else:
            message.ack()

    with broker.connection() as conn, Consumer(conn, [queue], callbacks=[on_message]):
        _drain(conn, received, 3)
    assert received == [1, 2, 1]  # kombu requeues at the back of the queue
    assert broker.unacked() == {} and broker.client.llen(queue.name) == 0


def test_synchronous_get_records_in_unacked_too(broker):
    queue = broker.queue("work")
    broker.publish(queue, {"n": 1})
    with broker.connection() as conn:
        message = conn.SimpleQueue(queue).get(timeout=2)
        assert message.payload == {"n": 1}
        assert message.delivery_tag in broker.unacked()
        message.ack()
    assert broker.unacked() == {}


def test_pop_script_missing_from_redis_is_loaded_again(broker):
    """After a Redis restart (or SCRIPT FLUSH) the first pop answers NOSCRIPT."""
    queue = broker.queue("work")
    broker.publish(queue, {"n": 1})
    received = []
    with broker.connection() as conn:
        conn.default_channel._pop_script.sha = "0" * 40  # a script Redis does not know
        with Consumer(conn, [queue], callbacks=[lambda b, m: (received.append(b), m.ack())]):
            _drain(conn, received, 1)
    assert received == [{"n": 1}]


def test_celery_task_round_trip_on_a_real_worker(broker, tmp_path):
    """A real ``celery worker`` (event loop, prefork pool) on this transport: tasks run,
    and a task sent to an idle worker wakes it through its queue's bell — the worker's
    fallback wait is set to a minute, beyond the test's deadline for each task."""
    done_key = f"{broker.prefix}-done"
    (tmp_path / "rbapp.py").write_text(
        textwrap.dedent(f"""
        import time, redis
        from celery import Celery
        app = Celery("rbapp", broker={broker.url!r})
        app.conf.update(broker_transport={TRANSPORT!r},
                        broker_transport_options={{**{broker.options!r}, "brpop_timeout": 60}},
                        task_acks_late=True, task_default_queue="{broker.prefix}-tasks",
                        worker_hijack_root_logger=False, worker_enable_remote_control=False)
        @app.task
        def record(n, sent):
            redis.Redis.from_url({broker.url!r}).rpush({done_key!r}, str(n))
    """)
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rbapp",
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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        sys.path.insert(0, str(tmp_path))
        import rbapp  # noqa: PLC0415 (the module the worker runs, written above)

        client = broker.client
        for n in range(3):
            time.sleep(1.5)  # the worker is idle, waiting on its bells
            rbapp.record.delay(n, time.time())
            deadline = time.monotonic() + 30  # generous, and inside the 60 s fallback wait
            while client.llen(done_key) <= n and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.01)
        results = [v.decode() for v in client.lrange(done_key, 0, -1)]
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("rbapp", None)
        os.killpg(worker.pid, signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert results == ["0", "1", "2"], output
    assert broker.unacked() == {}, output
