"""Start and stop the systems under test, each in a temporary data directory.

* ``errorhub-embedded``: what ``make run`` starts (gunicorn as errorhub/gunicorn_conf.py, a Celery
  worker with concurrency 2, Celery beat), SQLite and the filesystem broker.
* ``errorhub-prod``: the same processes on PostgreSQL (a database created and
  dropped here), Redis (an empty logical database, flushed afterwards) and the
  OpenSearch event store when this checkout has one (else the SQL store; noted).

Either ErrorHub target runs the code of this checkout, or of another source tree
(``ErrorHub(tree=...)``: a ``git worktree`` of another commit, for an A/B run) with
this checkout's virtualenv.
* ``bugsink``: Bugsink's documented single-server setup (gunicorn 2 workers,
  ``bugsink-runsnappea``, SQLite) from its own virtualenv, quotas raised.

Every process is started in its own session and stopped by its process group.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
PG_ADMIN_URL = "postgres://errorhub:errorhub@127.0.0.1:5433/errorhub"
PG_BENCH_BASE = "postgres://errorhub:errorhub@127.0.0.1:5433/"
REDIS_URL = "redis://127.0.0.1:6380"
OPENSEARCH_URL = "http://127.0.0.1:9201"
BUGSINK_VENV = Path(os.environ.get("BENCH_BUGSINK_VENV", "/tmp/bugsink-venv"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


class Target:
    """Common process handling; subclasses set ``name``, ``dsn`` and the queries."""

    name = "target"
    notes: list[str]

    def __init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"storm-{self.name}-"))
        self.port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.dsn = ""
        self.notes = []
        self.keep = False  # set when the run failed: the logs stay in data_dir

    def _spawn(self, role: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        log = open(self.data_dir / f"{role}.log", "wb")
        self.procs[role] = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def roots(self) -> dict[str, list[int]]:
        """Process-tree roots per role (for RSS)."""
        return {role: [p.pid] for role, p in self.procs.items()}

    def dead_roles(self) -> dict[str, int]:
        """Roles whose process exited while it should be serving, with its exit code."""
        return {role: p.returncode for role, p in self.procs.items() if p.poll() is not None}

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.time() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.cleanup()
        if not (self.keep or os.environ.get("BENCH_KEEP_DATA")):
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def cleanup(self) -> None:
        pass

    def processed(self) -> int:
        raise NotImplementedError

    def is_stored(self, event_id: str) -> bool:
        raise NotImplementedError

    def stored_seqs(self, run_id: str) -> list[int]:
        raise NotImplementedError


#: Where the search-engine event store lives, newest layout first (it moved in #18).
ENGINE_STORE_PATHS = ("errorhub/events/stores/engine.py", "ingest/stores/engine.py")


def has_engine_store(tree: Path) -> bool:
    """Whether the source tree has the search-engine event store (older checkouts had only SQL)."""
    return any((tree / path).exists() for path in ENGINE_STORE_PATHS)


class ErrorHub(Target):
    """ErrorHub started like ``make run`` (embedded) or on the production stack, from
    this checkout or from ``tree`` (another source tree, run with this virtualenv)."""

    def __init__(self, prod: bool = False, tree: Path | None = None) -> None:
        self.name = "errorhub-prod" if prod else "errorhub-embedded"
        super().__init__()
        self.prod = prod
        self.tree = (tree or REPO).resolve()
        self.db_name = f"storm_{uuid.uuid4().hex[:10]}"
        self.redis_db: int | None = None
        self.index_prefix = f"storm-{uuid.uuid4().hex[:8]}"
        self._conn: Any = None
        self.engine = prod and has_engine_store(self.tree)
        self.extra_env: dict[str, str] = {}  # settings a benchmark run sets on top (e.g. the backlog limit)

    def env(self) -> dict[str, str]:
        """The environment its processes run with (this data directory, database, broker, store)."""
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ERRORHUB_", "DATABASE_", "CELERY_", "DJANGO_"))
        }
        env.update(
            ERRORHUB_DATA_DIR=str(self.data_dir),
            ERRORHUB_BASE_URL=f"http://127.0.0.1:{self.port}",
            ERRORHUB_STATIC_ROOT=str(self.data_dir / "static"),
            ERRORHUB_LOG_LEVEL="WARNING",
            PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
            **self.extra_env,
        )
        env["PYTHONPATH"] = str(self.tree)  # the tree's packages, whatever the working directory
        if self.prod:
            env.update(DATABASE_URL=PG_BENCH_BASE + self.db_name, CELERY_BROKER_URL=f"{REDIS_URL}/{self.redis_db}")
            if self.engine:
                env.update(
                    ERRORHUB_EVENT_STORE="opensearch",
                    ERRORHUB_EVENT_STORE_URL=OPENSEARCH_URL,
                    ERRORHUB_EVENT_STORE_INDEX_PREFIX=self.index_prefix,
                )
            else:
                self.notes.append(
                    f"{self.tree} has no search-engine store (none of {', '.join(ENGINE_STORE_PATHS)}: "
                    "get_event_store() would fail for 'opensearch'), so errorhub-prod uses the SQL "
                    "event store on PostgreSQL"
                )
        return env

    def prepare_prod(self) -> None:
        """A PostgreSQL database and an empty Redis database of its own (``cleanup`` drops both)."""
        import psycopg
        import redis

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        for db in range(15, 7, -1):  # an empty logical database of our own
            client = redis.Redis.from_url(f"{REDIS_URL}/{db}")
            if client.dbsize() == 0:
                client.set("storm:owner", self.db_name)
                self.redis_db = db
                return
        raise RuntimeError("no empty Redis database in 8..15 for the benchmark broker")

    def start(self) -> None:
        if self.prod:
            self.prepare_prod()
        env = self.env()
        py = str(VENV_BIN / "python")
        subprocess.run([py, "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=self.tree, check=True)
        out = subprocess.run(
            [py, "manage.py", "bootstrap"], env=env, cwd=self.tree, check=True, capture_output=True, text=True
        ).stdout
        self.dsn = re.search(r"DSN:\s+(\S+)", out).group(1)
        self._spawn(
            "web",
            [str(VENV_BIN / "gunicorn"), "-c", "python:errorhub.gunicorn_conf", "--bind", f"127.0.0.1:{self.port}"],
            env,
            self.tree,
        )
        celery = [
            str(VENV_BIN / "python"),
            "-m",
            "errorhub.worker",
            "--loglevel",
            os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
        ]
        schedule = ["--beat-thread", "--schedule", str(self.data_dir / "celerybeat-schedule")]
        if self.prod:  # as docker/compose.yml: ingest and alerts in separate workers (beat as a thread here)
            self._spawn(
                "worker", [*celery, *schedule, "-n", "ingest@%h", "-Q", "ingest,ingest-retry,index"], env, self.tree
            )
            self._spawn(
                "worker-alerts",
                [*celery, "-n", "alerts@%h", "-Q", "alerts,housekeeping", "--concurrency", "1"],
                env,
                self.tree,
            )
        else:  # as the Procfile (make run): one worker, beat as a thread of it
            self._spawn("worker", [*celery, *schedule], env, self.tree)
        wait_http(f"http://127.0.0.1:{self.port}/")
        time.sleep(3)  # let the Celery worker connect and start consuming

    def cleanup(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if not self.prod:
            return
        import psycopg
        import redis

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        if self.redis_db is not None:
            client = redis.Redis.from_url(f"{REDIS_URL}/{self.redis_db}")
            if client.get("storm:owner") == self.db_name.encode():
                client.flushdb()
        try:
            req = urllib.request.Request(f"{OPENSEARCH_URL}/{self.index_prefix}-*", method="DELETE")
            urllib.request.urlopen(req, timeout=10)
        except OSError:
            pass

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.prod:
            import psycopg

            if self._conn is None:
                self._conn = psycopg.connect(PG_BENCH_BASE + self.db_name, autocommit=True)
            return self._conn.execute(sql.replace("?", "%s"), params).fetchall()
        if self._conn is None:
            self._conn = sqlite3.connect(
                f"file:{self.data_dir / 'errorhub.sqlite3'}?mode=ro", uri=True, timeout=30, check_same_thread=False
            )  # the sampler polls from its thread
        return self._conn.execute(sql, params).fetchall()

    def processed(self) -> int:
        """Events claimed, grouped and stored (the claim gets its issue id in the storing transaction);
        with a search engine, minus those still waiting in the index outbox."""
        grouped = self._query("SELECT count(*) FROM ingest_seenevent WHERE issue_id > 0")[0][0]
        if self.engine:
            grouped -= self._query("SELECT count(*) FROM ingest_indexoutbox")[0][0]
        return grouped

    def is_stored(self, event_id: str) -> bool:
        outbox = (
            " AND NOT EXISTS (SELECT 1 FROM ingest_indexoutbox o WHERE o.event_id = s.event_id)" if self.engine else ""
        )
        return bool(
            self._query(
                "SELECT 1 FROM ingest_seenevent s WHERE s.event_id = ? AND s.issue_id > 0" + outbox, (event_id,)
            )
        )

    def stored_seqs(self, run_id: str) -> list[int]:
        if self.engine:
            return self._engine_seqs(run_id)
        rows = self._query(
            "SELECT s.value FROM ingest_eventtag s JOIN ingest_eventtag r ON r.event_id = s.event_id "
            "WHERE s.key = 'bench_seq' AND r.key = 'bench_run' AND r.value = ?",
            (run_id,),
        )
        return [int(v) for (v,) in rows]

    def _engine_seqs(self, run_id: str) -> list[int]:
        """``bench_seq`` of every indexed document of this run (tags are stored as ``key=value``)."""
        import json

        base = f"{OPENSEARCH_URL}/{self.index_prefix}-*"
        urllib.request.urlopen(urllib.request.Request(f"{base}/_refresh", method="POST"), timeout=30)
        query = {"size": 10000, "_source": ["tags"], "query": {"term": {"tags": f"bench_run={run_id}"}}}
        req = urllib.request.Request(
            f"{base}/_search",
            data=json.dumps(query).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        hits = json.load(urllib.request.urlopen(req, timeout=60))["hits"]["hits"]
        return [
            int(t.split("=", 1)[1]) for h in hits for t in h["_source"].get("tags", []) if t.startswith("bench_seq=")
        ]


_BUGSINK_CONF = """\
# Bugsink's singleserver template (bugsink-create-conf --template=singleserver), adapted for a
# loopback benchmark: plain HTTP, no reverse proxy, event quotas raised so nothing is dropped.
from bugsink.settings.default import *  # noqa

SECRET_KEY = "storm-benchmark-not-secret-{secret}"
DATABASES["default"]["NAME"] = "{base}/db.sqlite3"
DATABASES["snappea"]["NAME"] = "{base}/snappea.sqlite3"
SENTRY_DSN = None
TIME_ZONE = "UTC"
SNAPPEA = {{
    "TASK_ALWAYS_EAGER": False,
    "NUM_WORKERS": 4,
    "PID_FILE": None,
    "WAKEUP_CALLS_DIR": "{base}/snappea/wakeup",
    "STATS_RETENTION_MINUTES": 60,
}}
EMAIL_BACKEND = "bugsink.email_backends.QuietConsoleEmailBackend"
_MANY = 1_000_000_000
BUGSINK = {{
    "BASE_URL": "http://127.0.0.1:{port}",
    "SINGLE_USER": True,
    "INGEST_STORE_BASE_DIR": "{base}/ingestion",
    "MAX_EVENTS_PER_PROJECT_PER_5_MINUTES": _MANY,
    "MAX_EVENTS_PER_PROJECT_PER_HOUR": _MANY,
    "MAX_EVENTS_PER_PROJECT_PER_MONTH": _MANY,
    "MAX_EVENTS_PER_5_MINUTES": _MANY,
    "MAX_EVENTS_PER_HOUR": _MANY,
    "MAX_EVENTS_PER_MONTH": _MANY,
}}
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
"""

_BUGSINK_PROJECT = (
    "from projects.models import Project; "
    "p = Project.objects.create(name='storm', slug='storm', retention_max_event_count=1_000_000_000); "
    "print('DSN', p.dsn)"
)


class Bugsink(Target):
    """Bugsink 2.6.2, single-server setup, from its own virtualenv (see bench/peer/README.md)."""

    name = "bugsink"

    def __init__(self) -> None:
        super().__init__()
        self._conn: sqlite3.Connection | None = None

    def start(self) -> None:
        bin_dir = BUGSINK_VENV / "bin"
        if not (bin_dir / "bugsink-manage").exists():
            raise RuntimeError(f"Bugsink is not installed in {BUGSINK_VENV}; see bench/peer/README.md")
        (self.data_dir / "bugsink_conf.py").write_text(
            _BUGSINK_CONF.format(base=self.data_dir, port=self.port, secret=uuid.uuid4().hex)
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIRTUAL_ENV"))}
        env.update(
            DJANGO_SETTINGS_MODULE="bugsink_conf",
            PYTHONPATH=str(self.data_dir),
            PATH=f"{bin_dir}:{env.get('PATH', '')}",
        )
        manage = str(bin_dir / "bugsink-manage")
        run = dict(env=env, cwd=self.data_dir, check=True, capture_output=True, text=True)
        subprocess.run([manage, "migrate", "--noinput", "-v0"], **run)
        subprocess.run([manage, "migrate", "snappea", "--database=snappea", "--noinput", "-v0"], **run)
        out = subprocess.run([manage, "shell", "-c", _BUGSINK_PROJECT], **run).stdout
        self.dsn = re.search(r"DSN\s+(\S+)", out).group(1)
        self._spawn(
            "web",
            [
                str(bin_dir / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                "bugsink.wsgi",
            ],
            env,
            self.data_dir,
        )
        self._spawn("worker", [str(bin_dir / "bugsink-runsnappea")], env, self.data_dir)
        wait_http(f"http://127.0.0.1:{self.port}/")
        time.sleep(2)

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self._conn is None:
            self._conn = sqlite3.connect(
                f"file:{self.data_dir / 'db.sqlite3'}?mode=ro", uri=True, timeout=30, check_same_thread=False
            )
        return self._conn.execute(sql, params).fetchall()

    def cleanup(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def processed(self) -> int:
        return self._query("SELECT count(*) FROM events_event")[0][0]

    def is_stored(self, event_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM events_event WHERE event_id = ?", (event_id.replace("-", ""),)))

    def stored_seqs(self, run_id: str) -> list[int]:
        rows = self._query(
            "SELECT json_extract(data, '$.tags.bench_seq') FROM events_event "
            "WHERE json_extract(data, '$.tags.bench_run') = ?",
            (run_id,),
        )
        return [int(v) for (v,) in rows if v is not None]


def make(name: str, tree: Path | None = None) -> Target:
    """The target called ``name``; an ErrorHub one runs the code of ``tree`` (default: this checkout)."""
    factories = {
        "errorhub-embedded": lambda: ErrorHub(prod=False, tree=tree),
        "errorhub-prod": lambda: ErrorHub(prod=True, tree=tree),
        "bugsink": Bugsink,
    }
    if name not in factories:
        raise SystemExit(f"unknown target {name!r}; choose from {', '.join(factories)}")
    if tree is not None and name == "bugsink":
        raise SystemExit("bugsink has no source tree: --tree applies to the errorhub targets only")
    return factories[name]()
