"""The embedded default's broker: kombu's filesystem transport, made safe for
several producer processes and for a consumer killed with ``kill -9``.

Atomic writes: kombu writes a message file in place under its final name, so a
consumer can pick up a file a web process is still writing and die on half a
JSON document. Here a message is written under a name no consumer matches and
renamed into place, which is atomic on one filesystem: a consumer sees whole
messages only.

Nothing lost when a consumer dies: kombu deletes a message file as soon as a
consumer reads it, so a worker killed before it acknowledged loses every message
it had prefetched. Here a consumer takes a message by renaming it into its own
in-flight folder (``<inflight>/<consumer>/``, one rename, as before); the
acknowledgement deletes it, a requeue renames it back. Each consumer holds an
exclusive ``flock`` on ``<inflight>/<consumer>.lock`` for as long as it lives; the
kernel drops the lock when the process dies, however it dies. Every consumer, at
its first read and then every few seconds, renames the files of any in-flight
folder whose lock it can take (its consumer is gone) back into the queue folder.
No visibility timeout is involved: a dead consumer's messages are back within
seconds, a live one's are never taken from it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import uuid
import weakref
from queue import Empty
from time import monotonic
from typing import Any

from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

#: kombu versions whose private methods these subclasses were read against and tested with;
#: tests/errorhub/test_broker_kombu_contract.py fails on any other installed version, so an
#: upgrade means re-reading the overridden methods in kombu's source and adding it here.
_KOMBU_CHECKED = ("5.7.0",)

logger = logging.getLogger(__name__)

#: seconds between two looks for in-flight folders of dead consumers
ORPHAN_SCAN_INTERVAL = 5.0

_locking_channels: weakref.WeakSet[Channel] = weakref.WeakSet()


def _drop_inherited_locks() -> None:
    """In a forked child (a pool process, beat), close the parent's lock files: the
    lock must die with the consumer, not linger while a child outlives it."""
    for channel in list(_locking_channels):
        if channel._lock_fd is not None:
            try:
                os.close(channel._lock_fd)
            except OSError:
                pass
    _locking_channels.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)


def restore_orphans(inflight_folder: str, queue_folder: str, *, own: str | None = None) -> int:
    """Put the in-flight messages of consumers that are gone back into ``queue_folder``.

    A consumer is gone when its lock file can be locked. Returns the number of messages
    put back. Safe to run from several processes at once: one of them wins each lock.
    """
    restored = 0
    for entry in os.scandir(inflight_folder):
        consumer = entry.name.removesuffix(".lock")
        if consumer == entry.name or consumer == own:
            continue
        try:
            fd = os.open(entry.path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:  # another consumer cleaned it up meanwhile
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # its consumer is alive
                continue
            restored += _requeue_folder(os.path.join(inflight_folder, consumer), queue_folder)
            os.unlink(entry.path)
        finally:
            os.close(fd)
    if restored:
        logger.warning("Put %d message(s) of stopped broker consumers back on their queues", restored)
    return restored


def _requeue_folder(folder: str, queue_folder: str) -> int:
    """Rename every message of ``folder`` into ``queue_folder`` (same names), remove ``folder``."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return 0
    for name in names:
        os.replace(os.path.join(folder, name), os.path.join(queue_folder, name))
    os.rmdir(folder)
    return len(names)


class QoS(virtual.QoS):
    """kombu's in-memory bookkeeping, plus the in-flight file of each message."""

    #: private kombu methods overridden here (public ones: ack, reject, restore_unacked)
    KOMBU_PRIVATE_OVERRIDES: tuple[str, ...] = ()
    KOMBU_CHECKED = _KOMBU_CHECKED

    def ack(self, delivery_tag: str) -> None:
        self.channel._settle(delivery_tag)
        super().ack(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        if requeue:
            self.channel._requeue(delivery_tag)
        else:
            self.channel._settle(delivery_tag)
        self._quick_ack(delivery_tag)

    def restore_unacked(self) -> list:
        """Rename every unacknowledged message back into the queue folder (shutdown, recover)."""
        self._flush()
        self.channel._requeue_all()
        self._delivered.clear()
        return []


class Channel(filesystem.Channel):
    QoS = QoS
    #: private kombu methods overridden here: atomic writes (_put), taking into in-flight (_get)
    KOMBU_PRIVATE_OVERRIDES = ("_put", "_get")
    KOMBU_CHECKED = _KOMBU_CHECKED

    _lock_fd: int | None = None
    _orphans_checked_at = float("-inf")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._inflight: dict[str, str] = {}  # delivery tag -> its file in our in-flight folder
        self._no_ack_queues: set[str] = set()
        super().__init__(*args, **kwargs)

    # --- producing ---------------------------------------------------------------

    def _put(self, queue: str, payload: dict, **kwargs: object) -> None:
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".partial-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb", buffering=0) as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"cannot add message {name!r} to the broker folder") from exc

    # --- consuming ---------------------------------------------------------------

    def basic_consume(self, queue: str, *args: Any, **kwargs: Any) -> Any:
        no_ack = kwargs.get("no_ack", args[0] if args else False)
        (self._no_ack_queues.add if no_ack else self._no_ack_queues.discard)(queue)
        return super().basic_consume(queue, *args, **kwargs)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        try:
            message = self.Message(self._take(queue, keep=not no_ack), channel=self)
        except Empty:
            return None
        if not no_ack:
            self.qos.append(message, message.delivery_tag)
        return message

    def _get(self, queue: str) -> dict:
        return self._take(queue, keep=queue not in self._no_ack_queues)

    def _take(self, queue: str, *, keep: bool) -> dict:
        """Next message of ``queue``, oldest first, renamed into our in-flight folder
        (``keep``: until acknowledged) or read and deleted (a no-ack consumer).

        kombu lists and sorts the whole folder for every message and for every
        empty queue it polls, which makes each read slower as the backlog
        grows. Here one listing, split by queue, serves until it is used up,
        and the folder is listed again at most once per polling interval.
        A file another consumer took meanwhile is skipped.
        """
        self._maybe_restore_orphans()
        pending = self._pending(queue)
        while pending:
            name = pending.pop()
            taken = os.path.join(self._own_inflight if keep else self.processed_folder, name)
            try:
                os.replace(os.path.join(self.data_folder_in, name), taken)  # only one consumer wins
            except OSError:
                continue
            payload = self._read(taken)
            if keep:
                self._inflight[payload["properties"]["delivery_tag"]] = taken
            elif not self.store_processed:
                os.remove(taken)
            return payload
        raise Empty()

    def _read(self, path: str) -> dict:
        try:
            with open(path, "rb") as handle:
                return loads(bytes_to_str(handle.read()))
        except (OSError, ValueError) as exc:
            # set aside where no consumer looks, so it is not taken again and again
            os.replace(path, os.path.join(self.processed_folder, os.path.basename(path) + ".unreadable"))
            raise filesystem.ChannelError(f"cannot read broker message {path!r}: {exc}") from exc

    def _pending(self, queue: str) -> list[str]:
        """Names waiting in ``queue``, newest first (so ``pop()`` takes the oldest)."""
        state = self.__dict__.setdefault("_errorhub_listing", {"at": 0.0, "queues": {}})
        names = state["queues"].get(queue)
        if not names and monotonic() - state["at"] >= self.connection.polling_interval:
            by_queue: dict[str, list[str]] = {}
            for name in os.listdir(self.data_folder_in):
                if name.endswith(".msg"):
                    by_queue.setdefault(name.partition(".")[2][:-4], []).append(name)
            for names_of_queue in by_queue.values():
                names_of_queue.sort(reverse=True)
            state["at"], state["queues"] = monotonic(), by_queue
            names = by_queue.get(queue)
        return names if names is not None else []

    # --- in-flight messages --------------------------------------------------------

    @cached_property
    def inflight_folder(self) -> str:
        default = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_in)), "inflight")
        folder = self.transport_options.get("inflight_folder") or default
        os.makedirs(folder, exist_ok=True)
        return folder

    @cached_property
    def _own_inflight(self) -> str:
        """This consumer's in-flight folder, created with its lock held (on first use)."""
        while True:
            consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            lock_path = os.path.join(self.inflight_folder, f"{consumer}.lock")
            fd = os.open(lock_path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same_file = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:  # a restorer took it for a dead consumer's: start again
                same_file = False
            if same_file:
                break
            os.close(fd)
        folder = os.path.join(self.inflight_folder, consumer)
        os.mkdir(folder)
        self._lock_fd, self._lock_pid, self._consumer = fd, os.getpid(), consumer
        _locking_channels.add(self)
        return folder

    def _mine(self) -> bool:
        """In-flight state is the consumer process's own, never a forked child's copy."""
        return self._lock_fd is not None and self._lock_pid == os.getpid()

    def _settle(self, delivery_tag: str) -> None:
        path = self._inflight.pop(delivery_tag, None)
        if path is None or not self._mine():
            return
        if self.store_processed:
            os.replace(path, os.path.join(self.processed_folder, os.path.basename(path)))
        else:
            os.remove(path)

    def _requeue(self, delivery_tag: str) -> None:
        path = self._inflight.pop(delivery_tag, None)
        if path is not None and self._mine():
            os.replace(path, os.path.join(self.data_folder_in, os.path.basename(path)))

    def _requeue_all(self) -> None:
        for tag in list(self._inflight):
            self._requeue(tag)

    def _maybe_restore_orphans(self) -> None:
        now = monotonic()
        if now - self._orphans_checked_at >= ORPHAN_SCAN_INTERVAL:
            self._orphans_checked_at = now
            restore_orphans(self.inflight_folder, self.data_folder_in, own=self.__dict__.get("_consumer"))

    def close(self) -> None:
        super().close()  # puts back what was not acknowledged (QoS.restore_unacked)
        if self._mine():
            folder = self.__dict__.pop("_own_inflight")
            try:
                _requeue_folder(folder, self.data_folder_in)  # anything kombu did not restore itself
                os.unlink(os.path.join(self.inflight_folder, f"{self._consumer}.lock"))
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None
                _locking_channels.discard(self)


class Transport(filesystem.Transport):
    Channel = Channel
    KOMBU_PRIVATE_OVERRIDES: tuple[str, ...] = ()
    KOMBU_CHECKED = _KOMBU_CHECKED

    @property
    def default_connection_params(self) -> dict[str, Any]:
        """A folder on this machine has no host. kombu's default names ``localhost`` and logs
        "No hostname was supplied. Reverting to default 'localhost'" for every connection the web
        and the worker open (``filesystem://`` has no host part, rightly)."""
        return {"port": self.default_port}

    def drain_events(self, connection: object, timeout: float | None = None) -> None:
        """Hand control back to Celery's loop after at most one polling interval.

        Without an event loop Celery runs ``synloop``: it acknowledges finished
        tasks only *between* two calls of this method, and calls it with a 2 s
        timeout. With late acknowledgement and a full prefetch window nothing can
        be fetched until those acknowledgements go out, so every full window
        stalled for up to 2 s (a backlog drained at ~200 events/s instead of
        ~700). Returning after one polling interval keeps the acknowledgements
        flowing; the folder is polled exactly as often as before. (``None``,
        block until a message, is left alone.)
        """
        if timeout is not None and timeout > self.polling_interval:
            timeout = self.polling_interval
        return super().drain_events(connection, timeout=timeout)
