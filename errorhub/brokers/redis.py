"""The production broker: kombu's Redis transport without its ``kill -9`` window.

kombu takes a message off its queue with ``BRPOP`` and records it in the
``unacked`` hash only afterwards, from the client (``QoS.append``); a consumer
killed between the two loses the message. Here one Lua script pops the message
*and* records it: the same ``unacked`` hash entry (``[message, exchange,
routing key]``) and ``unacked_index`` score (the time) that ``QoS.append`` would
write. A message is therefore always in its queue or in ``unacked``, and kombu's
visibility timeout puts back whatever a dead consumer held. Acknowledge, reject
and restore are kombu's own, unchanged.

A script cannot block, so an idle consumer waits on *bells*: one list per queue
(``<queue>\\x06\\x16bell``) holding at most one token. Every message pushed by this
transport rings its queue's bell: a publish in the same round trip as its
``LPUSH``, a requeue or restore in the same transaction, and a pop that leaves
more messages behind rings it again for the next consumer. An idle consumer
``BRPOP``s the bells of its queues (popping a token loses nothing), then pops
messages with the script until its queues are empty, then waits again. The wait
has kombu's BRPOP timeout (1 s) and the queues are looked at after it anyway, so
a message pushed without a bell (by a plain kombu client) waits one second at
most, and an idle consumer sends two commands a second (kombu's own: one).

Everything else — the event-loop registration, the pause when the prefetch
window is full, priorities (``<queue>\\x06\\x16<n>`` lists, tried in the same
order as kombu's BRPOP), fanout over PUB/SUB, health checks — is kombu's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from queue import Empty
from time import monotonic, time
from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property
from redis.exceptions import NoScriptError

#: kombu versions whose private methods these subclasses were read against and tested with;
#: tests/errorhub/test_broker_kombu_contract.py fails on any other installed version, so an
#: upgrade means re-reading the overridden methods in kombu's source and adding it here.
_KOMBU_CHECKED = ("5.7.0",)

BELL = "bell"

#: A delivery older than this (seconds between the pop and the consumer seeing it,
#: e.g. a reply held while the prefetch window was full) is recorded again by
#: ``QoS.append`` with a fresh score, as kombu would, instead of keeping the pop's.
FRESH_CLAIM_SECONDS = 1.0

#: KEYS: unacked hash, unacked_index zset, the lists to try in order, one bell per queue.
#: ARGV: score; one flag per list ('1' record in unacked, '0' a no-ack consumer); number
#: of queues (list i belongs to queue (i - 1) % queues, as kombu orders priority lists).
#: Returns {list, message, recorded (1/0)} or nil. RPOP comes first: a full Redis
#: (maxmemory, noeviction) still lets a consumer drain its queues, as BRPOP does.
POP_SCRIPT = """
-- kombu writes "properties" last: decode just that tail when it parses as {"properties": ...}
-- (only a top-level key can: a nested one leaves unbalanced braces), else the whole message
local function properties_of(item)
    local at = string.find(item, '"properties":', math.max(1, #item - 4096), true)
    if at then
        local ok, tail = pcall(cjson.decode, '{' .. string.sub(item, at))
        if ok and type(tail) == 'table' then
            return tail['properties']
        end
    end
    local ok, message = pcall(cjson.decode, item)
    return ok and type(message) == 'table' and message['properties']
end

local queues = tonumber(ARGV[3])
local lists = #KEYS - 2 - queues
for i = 1, lists do
    local item = redis.call('RPOP', KEYS[i + 2])
    if item then
        local recorded = 0
        if string.sub(ARGV[2], i, i) == '1' then
            local props = properties_of(item)
            local info = type(props) == 'table' and props['delivery_info']
            local tag = type(info) == 'table' and props['delivery_tag']
            if type(tag) == 'string' then
                redis.call('HSET', KEYS[1], tag, '[' .. item .. ',' .. cjson.encode(info['exchange']) .. ','
                           .. cjson.encode(info['routing_key']) .. ']')
                redis.call('ZADD', KEYS[2], ARGV[1], tag)
                recorded = 1
            end
        end
        if redis.call('LLEN', KEYS[i + 2]) > 0 then
            local bell = KEYS[2 + lists + 1 + (i - 1) % queues]
            if redis.call('LLEN', bell) == 0 then
                redis.call('LPUSH', bell, '1')
            end
        end
        return {KEYS[i + 2], item, recorded}
    end
end
return false
"""

#: KEYS: a bell. Leaves one token on it (a script, so that a rung bell costs no write).
RING_SCRIPT = """
if redis.call('LLEN', KEYS[1]) == 0 then
    redis.call('LPUSH', KEYS[1], '1')
end
"""


class QoS(kombu_redis.QoS):
    #: private kombu methods overridden here (public one: append)
    KOMBU_PRIVATE_OVERRIDES: tuple[str, ...] = ()
    KOMBU_CHECKED = _KOMBU_CHECKED

    def append(self, message: Any, delivery_tag: str) -> None:
        if delivery_tag == self.channel._claimed_tag:
            # the pop script has already recorded it in unacked: no second round trip
            virtual.QoS.append(self, message, delivery_tag)
        else:
            super().append(message, delivery_tag)


class Channel(kombu_redis.Channel):
    QoS = QoS
    #: private kombu methods overridden here: the BRPOP cycle (_brpop_start/_brpop_read), the
    #: scripted pop (_get), bells rung on every push (_put, _do_restore_message), _delete's bells
    KOMBU_PRIVATE_OVERRIDES = ("_brpop_start", "_brpop_read", "_get", "_put", "_do_restore_message", "_delete")
    KOMBU_CHECKED = _KOMBU_CHECKED

    #: the command in flight on the BRPOP connection is a wait on bells (else a pop)
    _waiting = False
    #: the last pop found every queue empty: wait on the bells next
    _wait_next = False
    #: queue whose bell rang: its lists are tried first by the next pop
    _rang = None
    #: delivery tag of the message being delivered, already recorded in unacked
    _claimed_tag = None

    def __init__(self, connection: Any, **kwargs: Any) -> None:
        if connection.client.transport_options.get("global_keyprefix"):
            # kombu prefixes only the first key of a script call; this transport
            # would read and write unprefixed keys
            raise ValueError("errorhub.brokers.redis does not support the global_keyprefix transport option")
        self._no_ack_queues: set[str] = set()
        super().__init__(connection, **kwargs)

    # --- consuming -----------------------------------------------------------------

    def basic_consume(self, queue: str, *args: Any, **kwargs: Any) -> Any:
        no_ack = kwargs.get("no_ack", args[0] if args else False)
        (self._no_ack_queues.add if no_ack else self._no_ack_queues.discard)(queue)
        return super().basic_consume(queue, *args, **kwargs)

    def _brpop_start(self, timeout: float | None = None) -> None:
        if not self.ack_emulation:
            return super()._brpop_start(timeout)
        queues = self._queue_cycle.consume(len(self.active_queues))
        if not queues:
            return
        if self._rang in queues:
            queues = [self._rang, *(q for q in queues if q != self._rang)]
        self._rang = None
        if self._wait_next:
            wait = timeout if timeout is not None else self.brpop_timeout
            command = ["BRPOP", *(self._bell(q) for q in queues), wait or 0]
        else:
            keys, args = self._pop_arguments(queues)
            command = ["EVALSHA", self._pop_script.sha, len(keys), *keys, *args]
        connection = self.client.connection
        self._in_poll = connection
        self._brpop_sent_at = monotonic()
        self._waiting = self._wait_next
        connection.send_command(*command)

    def _brpop_read(self, **options: Any) -> bool:
        if not self.ack_emulation:
            return super()._brpop_read(**options)
        waited, self._waiting = self._waiting, False
        client = self.client
        try:
            try:
                reply = client.parse_response(client.connection, "BRPOP" if waited else "EVALSHA", **options)
            except self.connection_errors:
                client.connection.disconnect()  # the next poll reconnects
                raise
            except NoScriptError:  # Redis restarted or its scripts were flushed
                with self.conn_or_acquire() as sync_client:
                    self._pop_script.sha = sync_client.script_load(POP_SCRIPT)
                raise Empty() from None
            if waited:
                self._wait_next = False
                if reply:
                    self._rang = bytes_to_str(reply[0]).rsplit(self.sep, 1)[0]
                raise Empty()
            if not reply:
                self._wait_next = True
                raise Empty()
            fresh = monotonic() - self._brpop_sent_at < FRESH_CLAIM_SECONDS
            self._deliver_popped(reply, fresh=fresh)
            return True
        finally:
            self._in_poll = None
            self._flush_brpop_reauth()

    def _deliver_popped(self, reply: list[Any], *, fresh: bool) -> None:
        key, item, recorded = reply
        queue = bytes_to_str(key).rsplit(self.sep, 1)[0]
        self._queue_cycle.rotate(queue)
        message = loads(bytes_to_str(item))
        self._claimed_tag = message["properties"]["delivery_tag"] if recorded and fresh else None
        try:
            self.connection._deliver(message, queue)
        finally:
            self._claimed_tag = None

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        """One message of ``queue`` (synchronous), recorded in unacked by the same atomic pop."""
        if not self.ack_emulation:
            return super().basic_get(queue, no_ack, **kwargs)
        reply = self._pop_now(queue, record=not no_ack)
        if not reply:
            return None
        _, item, recorded = reply
        message = self.Message(loads(bytes_to_str(item)), channel=self)
        if not no_ack:
            self._claimed_tag = message.delivery_tag if recorded else None
            try:
                self.qos.append(message, message.delivery_tag)
            finally:
                self._claimed_tag = None
        return message

    def _get(self, queue: str) -> dict:
        if not self.ack_emulation:
            return super()._get(queue)
        reply = self._pop_now(queue)
        if not reply:
            raise Empty()
        return loads(bytes_to_str(reply[1]))

    def _pop_now(self, queue: str, record: bool | None = None) -> list[Any] | None:
        keys, args = self._pop_arguments([queue], record=record)
        with self.conn_or_acquire() as client:
            reply = self._pop_script(keys=keys, args=args, client=client)
            self._maybe_update_queues_expire(client, queue)
        return reply

    def _pop_arguments(self, queues: list[str], record: bool | None = None) -> tuple[list[str], list[Any]]:
        """Keys and arguments of the pop script for ``queues``, lists in kombu's BRPOP order.

        ``record`` None: record unless the queue's consumer is no-ack.
        """
        lists = [(queue, self._q_for_pri(queue, pri)) for pri in self.priority_steps for queue in queues]
        if record is None:
            flags = "".join("0" if queue in self._no_ack_queues else "1" for queue, _ in lists)
        else:
            flags = ("1" if record else "0") * len(lists)
        keys = [
            self.unacked_key,
            self.unacked_index_key,
            *(key for _, key in lists),
            *(self._bell(queue) for queue in queues),
        ]
        return keys, [repr(time()), flags, len(queues)]

    @cached_property
    def _pop_script(self) -> Any:
        return self._create_client().register_script(POP_SCRIPT)

    # --- producing -------------------------------------------------------------------

    def _put(self, queue: str, message: dict, **kwargs: Any) -> None:
        """kombu's push of ``message`` (and the queue's expiry), then the queue's bell: one round trip."""
        key = self._q_for_pri(queue, self._get_message_priority(message, reverse=False))
        commands: list[tuple[Any, ...]] = [("lpush", key, dumps(message))]
        if queue in self._expires:
            commands += [("pexpire", self._q_for_pri(queue, pri), self._expires[queue]) for pri in self.priority_steps]
        commands.append(("eval", RING_SCRIPT, 1, self._bell(queue)))
        batch = kwargs.get("_publish_batch")
        if batch is not None:
            for name, *args in commands:
                batch.add(name, *args)
            return
        with self.conn_or_acquire() as client, client.pipeline(transaction=False) as pipe:
            for name, *args in commands:
                getattr(pipe, name)(*args)
            pipe.execute()

    def _do_restore_message(
        self, payload: dict, exchange: str, routing_key: str, pipe: Any, leftmost: bool = False
    ) -> None:
        super()._do_restore_message(payload, exchange, routing_key, pipe, leftmost)
        try:
            queues = self._lookup(exchange, routing_key)
        except self.connection_errors:
            raise
        except Exception:  # kombu has logged why the message could not be restored
            return
        for queue in queues:
            self._ring(pipe, queue)

    def _delete(self, queue: str, *args: Any, **kwargs: Any) -> None:
        super()._delete(queue, *args, **kwargs)
        with self.conn_or_acquire(client=kwargs.get("client")) as client:
            client.delete(self._bell(queue))

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        """kombu builds a new redis-py client for every publish and every acknowledgement
        (~0.05 ms of a ~0.27 ms publish with redis-py 7); they all use this channel's one
        connection pool, so one client, rebuilt only when the pool is, does the same."""
        if client:
            yield client
            return
        cached = self.__dict__.get("_sync_client")
        if cached is None or cached.connection_pool is not self.pool:
            cached = self.__dict__["_sync_client"] = self._create_client()
        yield cached

    def _bell(self, queue: str) -> str:
        return f"{queue}{self.sep}{BELL}"

    def _ring(self, pipe: Any, queue: str) -> Any:
        return pipe.eval(RING_SCRIPT, 1, self._bell(queue))


class Transport(kombu_redis.Transport):
    Channel = Channel
    KOMBU_PRIVATE_OVERRIDES: tuple[str, ...] = ()
    KOMBU_CHECKED = _KOMBU_CHECKED
