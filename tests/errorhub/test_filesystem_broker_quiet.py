"""The filesystem broker opens connections without kombu's "No hostname was supplied" warning.

``filesystem://`` has no host part; kombu's default transport parameters name ``localhost`` and
warned on every connection the web and the worker opened (seen in the `make run` log).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from kombu import Producer

from tests.errorhub.test_filesystem_broker import QUEUE, _connection, _options


def test_a_connection_logs_no_hostname_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _options(tmp_path)
    with caplog.at_level(logging.WARNING, logger="kombu.connection"), _connection(tmp_path) as conn:
        Producer(conn.channel()).publish({"n": 1}, exchange="", routing_key=QUEUE.name)
        conn.clone().release()  # Celery clones its connections (the pool, the worker's consumer)
        conn.info()
    assert [r.getMessage() for r in caplog.records if r.name == "kombu.connection"] == []
    assert len(list((tmp_path / "out").glob("*.msg"))) == 1, "the message was published"
