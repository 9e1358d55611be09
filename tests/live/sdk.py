"""Run the real SDK client programs (tests/clients/) and read back what ErrorHub stored.

Each client prints ``event_id=<hex>`` once per event it sends; the helpers here
run it against a live project, then poll the REST API like a user would until
every printed event is stored.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.live.conftest import LiveProject
from tests.live.server import REPO

CLIENTS_DIR = REPO / "tests" / "clients"
_EVENT_ID = re.compile(r"^event_id=([0-9a-f]{32})$", re.MULTILINE)


@dataclass(frozen=True)
class Client:
    """How to run one language's client, what must exist first, and its crash exit status."""

    lang: str
    argv: tuple[str, ...]
    artifact: Path
    crash_exit: int


CLIENTS: dict[str, Client] = {
    "python": Client(
        "python", (sys.executable, "tests/clients/python/send_events.py"), CLIENTS_DIR / "python" / "send_events.py", 1
    ),
    "node": Client(
        "node",
        ("node", "tests/clients/node/send_events.js"),
        CLIENTS_DIR / "node" / "node_modules" / "@sentry" / "node",
        1,
    ),
    "go": Client("go", ("tests/clients/go/send_events",), CLIENTS_DIR / "go" / "send_events", 2),
    "java": Client(
        "java",
        ("java", "-jar", "tests/clients/java/target/send-events.jar"),
        CLIENTS_DIR / "java" / "target" / "send-events.jar",
        1,
    ),
    "rust": Client(
        "rust",
        ("tests/clients/rust/target/release/send_events",),
        CLIENTS_DIR / "rust" / "target" / "release" / "send_events",
        101,
    ),
}


def run_client(
    lang: str, project: LiveProject, run_id: str, *, crash: bool = False, timeout: float = 90.0
) -> list[str]:
    """Run the ``lang`` client (from the repository root, so its frames count as in-app)
    and return the event ids it printed. A missing build fails, naming the script."""
    client = CLIENTS[lang]
    if not client.artifact.exists():
        pytest.fail(
            f"the {lang} SDK client is not built ({client.artifact} is missing): run scripts/build_clients.sh {lang}"
        )
    env = {"SENTRY_DSN": project.dsn, "ERRORHUB_RUN_ID": run_id, "PATH": _path(), "HOME": str(Path.home())}
    proc = subprocess.run(
        [*client.argv, *(["crash"] if crash else [])],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    expected = client.crash_exit if crash else 0
    assert proc.returncode == expected, (
        f"{lang} client exited {proc.returncode}, expected {expected}\nstdout:\n{proc.stdout[-3000:]}\n"
        f"stderr:\n{proc.stderr[-3000:]}"
    )
    ids = _EVENT_ID.findall(proc.stdout)
    assert len(ids) == (1 if crash else 2), f"{lang} client printed {ids}:\n{proc.stdout}\n{proc.stderr[-2000:]}"
    return ids


_SEND_MESSAGES = """
import sys
import sentry_sdk

dsn, title, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sentry_sdk.init(dsn=dsn)
for _ in range(count):
    print("event_id=" + sentry_sdk.capture_message(title, level="error", fingerprint=[title]), flush=True)
sentry_sdk.flush(timeout=30)
"""


def send_messages(project: LiveProject, title: str, count: int = 1, timeout: float = 90.0) -> list[str]:
    """``count`` events titled ``title`` (one issue: the fingerprint is the title), sent
    by the real ``sentry-sdk`` in a process of its own; the event ids it printed."""
    proc = subprocess.run(
        [sys.executable, "-c", _SEND_MESSAGES, project.dsn, title, str(count)],
        cwd=REPO,
        env={"PATH": _path(), "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    ids = _EVENT_ID.findall(proc.stdout)
    assert proc.returncode == 0 and len(ids) == count, f"sentry-sdk sent {ids}:\n{proc.stderr[-2000:]}"
    return ids


def _path() -> str:
    import os

    return os.environ.get("PATH", "/usr/bin:/bin")


class Api:
    """The REST API as the project's member sees it (Bearer token)."""

    def __init__(self, project: LiveProject) -> None:
        self.project = project
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {project.token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.project.base_url}/api/0/{path.lstrip('/')}", params=params, timeout=10)

    def event(self, event_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The stored event, polled until the worker has processed it (bounded)."""
        path = f"projects/{self.project.org}/{self.project.slug}/events/{event_id}/"
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            last = self.get(path)
            if last.status_code == 200:
                return last.json()
            assert last.status_code == 404, f"GET {path}: {last.status_code} {last.text[:500]}"
            time.sleep(0.3)
        raise AssertionError(
            f"event {event_id} not stored within {timeout} s (last answer: "
            f"{last.status_code if last is not None else None})"
        )

    def issues(self) -> list[dict[str, Any]]:
        response = self.get(f"projects/{self.project.org}/{self.project.slug}/issues/", query="")
        assert response.status_code == 200, response.text[:500]
        return response.json()


@dataclass(frozen=True)
class Expect:
    """What a user should see for one language's client run."""

    lang: str
    tag_lang: str
    chain: tuple[str, ...]  # exception types, oldest (root cause) first
    function: str  # the raising in-app function, e.g. process_order
    source_file: str  # the app's source file (suffix of filename / abs_path)
    crash_type: str
    crash_function: str
    crash_level: str = "fatal"
    crash_handled: bool | None = False  # None: the SDK sends no mechanism


@dataclass
class Sent:
    """One normal run (error + message) and one crash run, as stored."""

    expect: Expect
    project: LiveProject
    run_id: str
    error: dict[str, Any]
    message: dict[str, Any]
    crash: dict[str, Any]
    issues: list[dict[str, Any]]


def send_all(expect: Expect, project: LiveProject) -> Sent:
    """Run the client in both modes and wait for its three events to be stored."""
    api, run_id = Api(project), f"{expect.lang}-{uuid.uuid4().hex[:10]}"
    events = [api.event(i) for i in run_client(expect.lang, project, run_id)]
    crash = api.event(run_client(expect.lang, project, run_id, crash=True)[0])
    message = next((e for e in events if e["message"] == "checkout slow"), None)
    assert message is not None, f"no 'checkout slow' event among {[e['title'] for e in events]}"
    error = next(e for e in events if e is not message)
    return Sent(expect, project, run_id, error, message, crash, api.issues())


def frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Every frame of every exception in the chain, outermost call first per exception."""
    return [
        f for exc in event["body"].get("exception") or [] for f in (exc.get("stacktrace") or {}).get("frames") or []
    ]


def frame_file(frame: dict[str, Any]) -> str:
    return frame.get("abs_path") or frame.get("filename") or ""


def assert_chained_exception(sent: Sent) -> None:
    chain = sent.error["body"]["exception"]
    assert [e["type"] for e in chain] == list(sent.expect.chain), chain
    assert "no stock left for sku SKU-1" in chain[0]["value"]
    assert chain[-1]["value"].startswith("could not process order 1001"), chain[-1]
    raising = [f for f in frames(sent.error) if f.get("function", "").endswith(sent.expect.function)]
    assert raising, f"no {sent.expect.function} frame in {[f.get('function') for f in frames(sent.error)]}"
    assert all(frame_file(f).endswith(sent.expect.source_file) and f["in_app"] is True for f in raising), raising
    assert sent.error["level"] == "error"


def assert_in_app(sent: Sent) -> None:
    """The app's own frames are in-app; the runtime's (Node internals, Rust std) are not."""
    for event in (sent.error, sent.crash):
        app = [f for f in frames(event) if frame_file(f).endswith(sent.expect.source_file)]
        assert app and all(f["in_app"] is True for f in app), app
        runtime = [
            f
            for f in frames(event)
            if frame_file(f).startswith("node:") or str(f.get("function", "")).startswith(("std::", "core::"))
        ]
        assert all(f["in_app"] is False for f in runtime), runtime


def assert_common(sent: Sent) -> None:
    """Release, environment, tags, user and breadcrumbs on every event."""
    for event in (sent.error, sent.message, sent.crash):
        body = event["body"]
        assert event["release"] == f"errorhub-test@1.0.0-{sent.expect.lang}"
        assert event["environment"] == "ci"
        assert body["tags"]["lang"] == sent.expect.tag_lang and body["tags"]["run_id"] == sent.run_id, body["tags"]
        assert {"key": "run_id", "value": sent.run_id} in event["tags"]
        assert str(body["user"]["id"]) == "42", body["user"]
        crumbs = [c.get("message") for c in body["breadcrumbs"]]
        assert "cart loaded with 3 items" in crumbs and "payment form submitted" in crumbs, crumbs


def assert_message(sent: Sent) -> None:
    assert sent.message["level"] == "warning"
    assert sent.message["title"] == "checkout slow"


def assert_crash(sent: Sent) -> None:
    chain = sent.crash["body"]["exception"]
    assert chain[-1]["type"] == sent.expect.crash_type, chain[-1]
    assert sent.crash["level"] == sent.expect.crash_level
    assert (chain[-1].get("mechanism") or {}).get("handled") is sent.expect.crash_handled, chain[-1].get("mechanism")
    assert any(f.get("function", "").endswith(sent.expect.crash_function) and f["in_app"] for f in frames(sent.crash))


def assert_issues_listed(sent: Sent) -> None:
    """The issues list shows one issue per distinct problem, each holding its event."""
    by_id = {i["id"]: i for i in sent.issues}
    for event in (sent.error, sent.message, sent.crash):
        issue = by_id.get(event["groupID"])
        assert issue is not None, f"issue {event['groupID']} of {event['title']!r} not in {list(by_id)}"
        assert issue["title"] == event["title"]
    assert len({sent.error["groupID"], sent.message["groupID"], sent.crash["groupID"]}) == 3


def assert_nothing_dropped(sent: Sent, django_db_blocker: Any) -> None:
    """No client report of dropped events reached ErrorHub for this project."""
    from ingest.models import ClientOutcome

    with django_db_blocker.unblock():
        assert list(ClientOutcome.objects.filter(project_id=sent.project.project_id).values()) == []


def wait_for(check: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll ``check()`` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what} not met within {timeout} s")
