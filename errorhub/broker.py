"""The embedded default's broker: kombu's filesystem transport, made safe for
several producer processes.

kombu writes a message file in place under its final name, so a consumer can
pick up a file a web process is still writing and die on half a JSON document.
Here a message is written under a name no consumer matches and renamed into
place, which is atomic on one filesystem: a consumer sees whole messages only.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from queue import Empty

from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads


class Channel(filesystem.Channel):
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


    def _get(self, queue: str) -> dict:
        """Next message of ``queue``, oldest first.

        kombu lists and sorts the whole folder for every message and for every
        empty queue it polls, which makes each read slower as the backlog
        grows. Here one listing, split by queue, serves until it is used up,
        and the folder is listed again at most once per polling interval.
        A file another consumer took meanwhile is skipped.
        """
        pending = self._pending(queue)
        while pending:
            name = pending.pop()
            claimed = os.path.join(self.processed_folder, name)
            try:
                os.replace(os.path.join(self.data_folder_in, name), claimed)  # only one consumer wins
            except OSError:
                continue
            try:
                with open(claimed, "rb") as handle:
                    payload = handle.read()
            finally:
                if not self.store_processed:
                    os.remove(claimed)
            return loads(bytes_to_str(payload))
        raise Empty()

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


class Transport(filesystem.Transport):
    Channel = Channel

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
