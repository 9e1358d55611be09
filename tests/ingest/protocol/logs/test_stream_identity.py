"""Two writers crashing in the same second, their lines interleaved one by one in one body:
every identity a wrapper offers keeps them apart (container in Docker ``attrs``, pod and
container in a shipper's Kubernetes envelope, journald unit and pid, a thread in a logging
prefix, a bare ``pid N:`` prefix), so each gives its whole trace. Read with no hint."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from ingest.protocol.logs.pipeline import extract
from tests.ingest.protocol.logs.runtime_corpus import ROOT

FIRST = (ROOT / "recorded" / "python" / "chained_cause.txt").read_text().splitlines()
SECOND = (ROOT / "recorded" / "python" / "uncaught_keyerror.txt").read_text().splitlines()
TIME = "2024-05-17T09:12:33.{:06d}Z"


def _interleave(wrap: Callable[[str, int, int], str]) -> bytes:
    out: list[str] = []
    for index in range(max(len(FIRST), len(SECOND))):
        for writer, lines in ((0, FIRST), (1, SECOND)):
            if index < len(lines):
                out.append(wrap(lines[index], writer, index))
    return ("\n".join(out) + "\n").encode()


def _docker_attrs(line: str, writer: int, index: int) -> str:
    return json.dumps(
        {"log": line + "\n", "stream": "stderr", "attrs": {"tag": f"shop-{writer}"}, "time": TIME.format(index)}
    )


def _fluentbit_k8s(line: str, writer: int, index: int) -> str:
    return json.dumps(
        {
            "log": line + "\n",
            "stream": "stderr",
            "time": TIME.format(index),
            "kubernetes": {"namespace_name": "shop", "pod_name": f"api-7d9-{writer}", "container_name": "api"},
        }
    )


def _journald(line: str, writer: int, index: int) -> str:
    micros = 1715937153000000 + index
    return json.dumps(
        {
            "__REALTIME_TIMESTAMP": str(micros),
            "_PID": str(700 + writer),
            "_HOSTNAME": "web-1",
            "SYSLOG_IDENTIFIER": "shop",
            "_SYSTEMD_UNIT": "shop.service",
            "MESSAGE": line,
        }
    )


def _thread_prefix(line: str, writer: int, index: int) -> str:
    return f"2024-05-17 09:12:33,{index:03d} ERROR [worker-{writer}] {line}"


def _pid_prefix(line: str, writer: int, index: int) -> str:
    return f"pid {4242 + writer}: {line}"


@pytest.mark.parametrize(
    "wrap",
    [_docker_attrs, _fluentbit_k8s, _journald, _thread_prefix, _pid_prefix],
    ids=lambda wrap: wrap.__name__.strip("_"),
)
def test_two_writers_in_the_same_second_give_two_whole_traces(wrap: Callable[[str, int, int], str]) -> None:
    events = extract(_interleave(wrap), fmt=None, content_type=None, defaults={}).events
    found = sorted(
        (e["exception"][-1]["type"], len(e["exception"]), len(e["exception"][-1]["stacktrace"]["frames"]))
        for e in events
        if e.get("exception")
    )
    assert found == [("ConfigError", 2, 2), ("KeyError", 1, 5)]
    if wrap is not _pid_prefix:  # the one writer prefix here without a time
        assert all(e["timestamp"].startswith("2024-05-17T09:12:33") for e in events)
