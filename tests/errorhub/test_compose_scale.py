"""docker/compose.scale.yml on top of docker/compose.yml: every ErrorHub container reaches PostgreSQL through
PgBouncer in transaction mode (and says so with DATABASE_POOL_MODE), and the broker has an AOF replica."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "worker-alerts", "beat")


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed: run `bash scripts/install_compose.sh` (make test does)")
    env_file = tmp_path_factory.mktemp("compose") / ".env"
    shutil.copy(REPO / "docker" / ".env.example", env_file)
    files = ["-f", str(REPO / "docker" / "compose.yml"), "-f", str(REPO / "docker" / "compose.scale.yml")]
    proc = subprocess.run(
        ["docker-compose", *files, "--env-file", str(env_file), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "ERRORHUB_ENV_FILE": str(env_file)},
    )
    assert proc.returncode == 0, f"docker-compose config failed:\n{proc.stderr}"
    return yaml.safe_load(proc.stdout)


def test_app_containers_reach_postgresql_through_pgbouncer_in_transaction_mode(scaled: dict) -> None:
    services = scaled["services"]
    assert services["pgbouncer"]["environment"]["PGBOUNCER_POOL_MODE"] == "transaction"
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].split("@", 1)[1] == "pgbouncer:6432/errorhub", name
        assert env["DATABASE_POOL_MODE"] == "transaction", name
        assert "pgbouncer" in services[name]["depends_on"], name
    assert services["web"]["environment"]["ERRORHUB_MIGRATE"] == "1"  # compose.yml's own settings are kept


def test_the_broker_has_a_replica_with_its_own_append_only_file(scaled: dict) -> None:
    command = scaled["services"]["redis-replica"]["command"]
    assert command[command.index("--replicaof") + 1 :][:2] == ["redis", "6379"]
    assert command[command.index("--appendonly") + 1] == "yes"
    volume = scaled["services"]["redis-replica"]["volumes"][0]
    source = volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0]
    assert source == "redis-replica-data"
