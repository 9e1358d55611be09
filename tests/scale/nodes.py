"""Many ErrorHub "hosts" on one machine: the harness of the multi-node test.

What a separate host is here. Every node (``web-1``, ``web-2``, ``worker-1`` … ``worker-4``,
``beat``) gets

- its own **network namespace** (``ip netns``) joined to the machine's by a veth pair, with its
  own address (``10.231.N.x/30``); other nodes, the load generator and the Slack stand-in are
  reached over that link, never over a shared loopback;
- its own **hostname** (a UTS namespace: ``gethostname()`` is the node's name, as in a pod);
- its own ``ERRORHUB_DATA_DIR``, environment (its ``DATABASE_URL``, broker and search-engine URLs
  name the services by its link's address) and listening address;
- its own **process group**, so ``kill -9`` takes the whole host down at once (a Celery master
  and its pool, as an OOM-killed pod or a dead machine would).

The shared PostgreSQL, Redis and OpenSearch listen on 127.0.0.1 and are neither stopped nor
reconfigured: the kernel forwards a node's connections to its link's host address on their ports
to 127.0.0.1 (an nftables table of this run: DNAT in prerouting, SNAT to 127.0.0.1 in input so the
services still see a loopback client; ``route_localnet`` only on this run's host-side veths). No
user-space forwarder sits in the path, so none costs CPU. What the nodes still share, and real
hosts would not: the kernel, the CPUs, one filesystem (each uses only its own data directory) and
the code and virtualenv (an image).

When namespaces cannot be made (not root, no ``ip``/``nft``, no CAP_NET_ADMIN), every node runs in
the machine's namespace on 127.0.0.1 with a port, data directory and environment of its own, and
``HostLinks.mode`` says ``loopback`` (with the reason), which the test prints. It never skips.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests
import yaml

from tests.live.server import BIN, REPO, free_port, with_db

#: The Helm chart's values: its ``config`` and ``secrets`` are the production environment.
CHART_VALUES = REPO / "docker" / "helm" / "errorhub" / "values.yaml"
#: Redis logical database of this test's broker and cache (grep the suite before reusing one:
#: 0 in-process tests, 5 live, 6 backlog, 7 bench_ingest, 9 broker tests; bench/storm takes an
#: empty one of 8..15, so it skips this one while a run holds it).
SCALE_REDIS_DB = 13
#: libpq's application_name of every node's sessions: teardown waits for exactly those.
APP_NAME = "errorhub-scale-node"
WEB_PORT = 8000
_NAME_PREFIX = "ehs"  # netns and nftables names: ehs<pid>..., so a dead run's leftovers are recognisable


def _run(*argv: str, stdin: str | None = None) -> str:
    """Run a network command; raise with its stderr when it fails."""
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=30)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[:500]}")
    return done.stdout


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Link:
    """How one node is connected: ``netns`` None means the machine's own namespace (fallback)."""

    netns: str | None
    host_address: str  # where the node reaches the services (and the Slack stand-in)
    node_address: str  # where everyone else reaches the node


@dataclass
class HostLinks:
    """One network namespace per node, each on a veth link to the machine's namespace, and the
    kernel NAT that lets a node reach the services (listening on 127.0.0.1) at its link's host
    address. ``ports`` are the TCP ports forwarded; ``expose`` adds one (the Slack stand-in)."""

    names: list[str]
    ports: set[int]
    mode: str = "netns"
    reason: str = ""
    links: dict[str, Link] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: f"{_NAME_PREFIX}{os.getpid()}")

    def create(self) -> HostLinks:
        """Make the namespaces and links; on any failure undo them and fall back to loopback."""
        try:
            self._require_tools()
            _remove_leftovers()
            subnet = _free_subnet()
            for index, name in enumerate(self.names):
                self.links[name] = self._link(name, index, subnet)
            self._nat(subnet)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            self.destroy()
            self.mode, self.reason = "loopback", f"{type(exc).__name__}: {exc}"
            self.links = {name: Link(None, "127.0.0.1", "127.0.0.1") for name in self.names}
        return self

    @staticmethod
    def _require_tools() -> None:
        if os.environ.get("ERRORHUB_SCALE_NETNS") == "0":  # a machine whose namespaces misbehave
            raise RuntimeError("ERRORHUB_SCALE_NETNS=0 asks for the loopback fallback")
        if os.geteuid() != 0:
            raise RuntimeError("network namespaces need root")
        missing = [tool for tool in ("ip", "nft", "unshare") if shutil.which(tool) is None]
        if missing:
            raise RuntimeError(f"missing {', '.join(missing)} (Debian: iproute2, nftables, util-linux)")

    def _link(self, name: str, index: int, subnet: int) -> Link:
        netns, host_if = f"{self.tag}-{name}", f"{self.tag}h{index}"
        host_address, node_address = f"10.231.{subnet}.{4 * index + 1}", f"10.231.{subnet}.{4 * index + 2}"
        _run("ip", "netns", "add", netns)
        _run("ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", netns)
        _run("ip", "addr", "add", f"{host_address}/30", "dev", host_if)
        _run("ip", "link", "set", host_if, "up")
        Path(f"/proc/sys/net/ipv4/conf/{host_if}/route_localnet").write_text("1")
        _run("ip", "-n", netns, "addr", "add", f"{node_address}/30", "dev", "eth0")
        _run("ip", "-n", netns, "link", "set", "eth0", "up")
        _run("ip", "-n", netns, "link", "set", "lo", "up")
        return Link(netns, host_address, node_address)

    def _nat(self, subnet: int) -> None:
        ports = ", ".join(str(p) for p in sorted(self.ports))
        links = f"10.231.{subnet}.0/24"
        _run(
            "nft",
            "-f",
            "-",
            stdin=f"""
table ip {self.tag} {{
    set services {{ type inet_service; elements = {{ {ports} }} }}
    chain prerouting {{
        type nat hook prerouting priority dstnat; policy accept;
        iifname "{self.tag}h*" ip daddr {links} tcp dport @services dnat to 127.0.0.1
    }}
    chain input {{
        type nat hook input priority 100; policy accept;
        iifname "{self.tag}h*" ip daddr 127.0.0.1 tcp dport @services snat to 127.0.0.1
    }}
}}
""",
        )

    def expose(self, port: int) -> None:
        """Let the nodes reach a server of the test's that listens on 127.0.0.1:``port``."""
        self.ports.add(port)
        if self.mode == "netns":
            _run("nft", "add", "element", "ip", self.tag, "services", f"{{ {port} }}")

    def destroy(self) -> None:
        """Remove this run's namespaces (their veths go with them) and NAT table."""
        for netns in _list_netns():
            if netns.startswith(f"{self.tag}-"):
                subprocess.run(["ip", "netns", "del", netns], capture_output=True, timeout=30)
        if shutil.which("nft"):
            subprocess.run(["nft", "delete", "table", "ip", self.tag], capture_output=True, timeout=30)

    def describe(self) -> str:
        if self.mode == "netns":
            return "network namespaces: " + ", ".join(f"{n}={link.node_address}" for n, link in self.links.items())
        return f"loopback fallback (separate ports, data dirs, environments): {self.reason}"


def _list_netns() -> list[str]:
    if shutil.which("ip") is None:
        return []
    done = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30)
    return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]


def _remove_leftovers() -> None:
    """Namespaces and NAT tables of runs whose process is gone (a killed test run)."""
    pattern = re.compile(rf"^{_NAME_PREFIX}(\d+)")
    for netns in _list_netns():
        found = pattern.match(netns)
        if found and not _pid_alive(int(found.group(1))):
            subprocess.run(["ip", "netns", "del", netns], capture_output=True, timeout=30)
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, timeout=30).stdout
    for line in tables.splitlines():
        found = pattern.match(line.rpartition(" ")[2])
        if line.startswith("table ip ") and found and not _pid_alive(int(found.group(1))):
            subprocess.run(["nft", "delete", "table", "ip", found.group(0)], capture_output=True, timeout=30)


def _free_subnet() -> int:
    """A third octet N such that no address of the machine is in 10.231.N.0/24."""
    used = set(re.findall(r"10\.231\.(\d+)\.", _run("ip", "-4", "-o", "addr", "show")))
    for candidate in [os.getpid() % 250, *range(250)]:
        if str(candidate) not in used:
            return candidate
    raise RuntimeError("no free 10.231.N.0/24 subnet for the node links")


# --- the shared services, scoped to this run ---------------------------------------------------


@dataclass
class ScratchServices:
    """A PostgreSQL database, a Redis database and an OpenSearch index prefix of this run's own,
    on the running shared services (created here, removed by ``drop``)."""

    database_url: str  # the test database URL (ERRORHUB_TEST_DATABASE_URL): server and credentials
    redis_url: str
    opensearch_url: str
    name: str = field(default_factory=lambda: f"errorhub_scale_{os.getpid()}")

    @property
    def db_url(self) -> str:
        return with_db(self.database_url, self.name)

    @property
    def broker_url(self) -> str:
        return with_db(self.redis_url, SCALE_REDIS_DB)

    @property
    def index_prefix(self) -> str:
        return self.name.replace("_", "-")

    def create(self) -> ScratchServices:
        with psycopg.connect(with_db(self.database_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        redis.Redis.from_url(self.broker_url, socket_timeout=5).flushdb()  # an aborted run's messages
        self._drop_indices()
        return self

    def drop(self) -> None:
        """Drop the database once every node's session has ended, the indices and the broker's keys."""
        self._wait_for_node_sessions()
        with psycopg.connect(with_db(self.database_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        redis.Redis.from_url(self.broker_url, socket_timeout=5).flushdb()
        self._drop_indices()

    def _wait_for_node_sessions(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with psycopg.connect(with_db(self.database_url, "postgres"), autocommit=True) as conn:
            while time.monotonic() < deadline:
                left = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                    [self.name, APP_NAME],
                ).fetchone()
                if not left or not left[0]:
                    return
                time.sleep(0.2)
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [self.name]
            )  # a stopped node's session PostgreSQL has not noticed yet

    def _drop_indices(self) -> None:
        """The prefix's daily indices (by name: a node may refuse wildcard deletes), its index
        template and its ISM policy (named after the prefix; absent before the first event)."""
        listed = requests.get(
            f"{self.opensearch_url}/_cat/indices/{self.index_prefix}-*",
            params={"format": "json", "h": "index", "expand_wildcards": "all"},
            timeout=30,
        )
        names = [row["index"] for row in listed.json()] if listed.ok else []
        if names:
            requests.delete(f"{self.opensearch_url}/{','.join(names)}", timeout=30)
        requests.delete(f"{self.opensearch_url}/_index_template/{self.index_prefix}", timeout=30)
        requests.delete(f"{self.opensearch_url}/_plugins/_ism/policies/{self.index_prefix}", timeout=30)


def _via(url: str, address: str) -> str:
    """``url`` with its host replaced by ``address`` (the node's way to the service)."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{address}:{parts.port}" if credentials else f"{address}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


# --- nodes ---------------------------------------------------------------------------------------


@dataclass
class Node:
    """One host: its role, link, data directory, command line and (once started) its process."""

    name: str
    role: str  # web | worker-ingest | worker-alerts | beat
    link: Link
    data_dir: Path
    argv: list[str]
    env: dict[str, str]
    port: int = WEB_PORT
    proc: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "node.log"

    @property
    def base_url(self) -> str:
        return f"http://{self.link.node_address}:{self.port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = self.argv
        if self.link.netns:  # into the node's namespace, with its own hostname: still one exec chain
            script = 'hostname "$0" && exec "$@"'
            argv = ["ip", "netns", "exec", self.link.netns, "unshare", "--uts", "sh", "-c", script, self.name, *argv]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the node's whole process group at once: the host is gone."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            _group_gone(self.proc.pid, 10)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the group, SIGKILL what is left after ``timeout``; return when all is gone."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if not _group_gone(self.proc.pid, timeout):  # a pool child outliving its master
            os.killpg(self.proc.pid, signal.SIGKILL)
            _group_gone(self.proc.pid, 10)

    def log(self, tail: int = 4000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no log)"
        return f"----- {self.name} ({self.role}) log, tail -----\n{text[-tail:]}"


def _group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def chart_environment() -> dict[str, str]:
    """The Helm chart's ``config`` values: what every production pod's environment holds."""
    values = yaml.safe_load(CHART_VALUES.read_text())
    return {key: str(value) for key, value in values["config"].items()}


#: Test-site values on top of the chart's; each says why it differs from production.
SITE_OVERRIDES = {
    "ERRORHUB_SECURE": "false",  # plain HTTP on the links (production: TLS at the ingress)
    "ERRORHUB_SSL_REDIRECT": "false",
    "ERRORHUB_TRUSTED_PROXY_COUNT": "0",  # no ingress in front of the web nodes
    "ERRORHUB_EVENT_STORE": "opensearch",  # the engine this machine runs (the chart's default: Elasticsearch)
    "ERRORHUB_EVENT_STORE_REPLICAS": "0",  # one search-engine node here
    "ERRORHUB_LOG_FORMAT": "plain",
    "ERRORHUB_OUTBOUND_ALLOW_PRIVATE": "1",  # the Slack stand-in is at a private address
    "ERRORHUB_WORKER_NICE": "0",  # every "host" has the machine to itself in production
    # A lost worker's messages go back to the queue after this long. Production: 300 s (chart,
    # docker/.env.example), above the longest retry countdown (240 s). 30 s is the setting's floor:
    # it changes when the killed worker's messages come back, never whether.
    "ERRORHUB_BROKER_VISIBILITY_TIMEOUT": "30",
}


@dataclass
class Cluster:
    """Two web nodes, three ingest workers, one alerts worker and one beat, as the Helm chart runs
    them (same commands, the chart's configuration), on one database, broker and index prefix."""

    services: ScratchServices
    root: Path
    slack_api_port: int
    links: HostLinks | None = None
    nodes: dict[str, Node] = field(default_factory=dict)
    secret_key: str = field(default_factory=lambda: os.urandom(24).hex())

    WEBS = ("web-1", "web-2")
    INGEST_WORKERS = ("worker-1", "worker-2", "worker-3")
    ALERTS_WORKER = "worker-4"
    BEAT = "beat"

    @property
    def names(self) -> list[str]:
        return [*self.WEBS, *self.INGEST_WORKERS, self.ALERTS_WORKER, self.BEAT]

    def connect(self) -> HostLinks:
        ports = {urlsplit(u).port or 0 for u in (self.services.db_url, self.services.broker_url)}
        ports |= {urlsplit(self.services.opensearch_url).port or 0, self.slack_api_port}
        self.links = HostLinks(self.names, ports).create()
        return self.links

    def environment(self, name: str, link: Link, data_dir: Path, base_url: str) -> dict[str, str]:
        """The node's environment: the machine's (PATH, the venv) without ErrorHub's own
        variables, the chart's configuration, the secrets, then the site's overrides."""
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ERRORHUB_", "DATABASE_", "CELERY_", "DJANGO_", "SLACK_", "PG"))
            and k not in ("ALLOWED_HOSTS", "PROMETHEUS_MULTIPROC_DIR")
        }
        return {
            **inherited,
            **chart_environment(),
            **SITE_OVERRIDES,
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": _via(self.services.db_url, link.host_address),
            "CELERY_BROKER_URL": _via(self.services.broker_url, link.host_address),
            "ERRORHUB_EVENT_STORE_URL": _via(self.services.opensearch_url, link.host_address),
            "ERRORHUB_EVENT_STORE_INDEX_PREFIX": self.services.index_prefix,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_BASE_URL": f"http://{link.host_address}:{self.slack_api_port}/api/",
            "ERRORHUB_DATA_DIR": str(data_dir),
            "ERRORHUB_STATIC_ROOT": str(data_dir / "static"),
            "PROMETHEUS_MULTIPROC_DIR": str(data_dir / "prometheus"),
            "ALLOWED_HOSTS": f"{link.node_address},localhost",
            "ERRORHUB_BASE_URL": base_url,
            "CSRF_TRUSTED_ORIGINS": base_url,
            "ERRORHUB_500_LOG": os.environ["ERRORHUB_500_LOG"],  # a 500 on any node fails the suite
            "PGAPPNAME": APP_NAME,
            "PYTHONUNBUFFERED": "1",
        }

    def _node(self, name: str, role: str, argv: list[str], port: int = WEB_PORT) -> Node:
        assert self.links is not None
        link = self.links.links[name]
        data_dir = self.root / name
        (data_dir / "prometheus").mkdir(parents=True, exist_ok=True)
        if link.netns is None and role == "web":
            port = free_port()
        argv = [part.replace("{port}", str(port)).replace("{address}", link.node_address) for part in argv]
        argv = [part.replace("{data}", str(data_dir)) for part in argv]
        env = self.environment(name, link, data_dir, f"http://{link.node_address}:{port}")
        return Node(name, role, link, data_dir, argv, env, port)

    def plan(self) -> None:
        """Every node's command line, as the chart's templates write them with its default values
        (``workers.ingest.concurrency`` 2, ``workers.alerts.concurrency`` 1)."""
        python, gunicorn, celery = str(BIN / "python"), str(BIN / "gunicorn"), str(BIN / "celery")
        for name in self.WEBS:
            argv = [gunicorn, "-c", "python:errorhub.gunicorn_conf", "--bind", "{address}:{port}"]
            self.nodes[name] = self._node(name, "web", argv)
        worker = [python, "-m", "errorhub.worker", "-l", "INFO"]
        for name in self.INGEST_WORKERS:
            argv = [*worker, "-n", f"ingest@{name}", "-Q", "ingest,ingest-retry,index", "--concurrency", "2"]
            self.nodes[name] = self._node(name, "worker-ingest", argv)
        argv = [*worker, "-n", f"alerts@{self.ALERTS_WORKER}", "-Q", "alerts,housekeeping", "--concurrency", "1"]
        self.nodes[self.ALERTS_WORKER] = self._node(self.ALERTS_WORKER, "worker-alerts", argv)
        argv = [celery, "-A", "errorhub", "beat", "-l", "INFO", "--schedule", "{data}/celerybeat-schedule"]
        self.nodes[self.BEAT] = self._node(self.BEAT, "beat", argv)

    def manage(self, *args: str, timeout: float = 300.0) -> str:
        """``manage.py <args>`` as the chart's migrate job runs it: a web node's environment,
        from the machine (a job pod of its own)."""
        env = dict(self.nodes[self.WEBS[0]].env)
        env.update(
            DATABASE_URL=self.services.db_url,
            CELERY_BROKER_URL=self.services.broker_url,
            ERRORHUB_EVENT_STORE_URL=self.services.opensearch_url,
        )
        done = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, timeout: float = 120.0) -> None:
        """Start every node, then wait (bounded) until the web nodes are ready (``/readyz``: database,
        broker and search engine reached over their links) and the workers and beat say so."""
        for node in self.nodes.values():
            node.start()
        deadline = time.monotonic() + timeout
        for node in self.nodes.values():
            while not self._ready(node):
                if not node.alive():
                    raise RuntimeError(f"{node.name} exited with {node.proc and node.proc.returncode}\n{node.log()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{node.name} not ready within {timeout} s\n{node.log()}")
                time.sleep(0.3)

    @staticmethod
    def _ready(node: Node) -> bool:
        if node.role == "web":
            try:
                return requests.get(f"{node.base_url}/readyz", timeout=5).status_code == 200
            except requests.RequestException:
                return False
        text = node.log_path.read_text(errors="replace") if node.log_path.exists() else ""
        return "beat: Starting" in text if node.role == "beat" else " ready." in text

    def stop(self) -> None:
        for node in self.nodes.values():
            if node.alive():
                os.killpg(node.proc.pid, signal.SIGTERM)  # type: ignore[union-attr]
        for node in self.nodes.values():
            node.stop()

    def logs(self) -> str:
        return "\n".join(node.log() for node in self.nodes.values())
