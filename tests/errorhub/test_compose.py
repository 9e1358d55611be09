"""docker/compose.yml is valid and docker/.env.example documents every setting."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker" / "compose.yml"
ENV_EXAMPLE = REPO / "docker" / ".env.example"
_READER = re.compile(r"\benv_(?:str|int|bool|list|choice|db|float)\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")


def settings_variables() -> set[str]:
    return set(_READER.findall((REPO / "errorhub" / "settings.py").read_text()))


def example_variables() -> dict[str, str]:
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


@pytest.fixture(scope="module")
def compose_config(tmp_path_factory) -> dict:
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed: run `bash scripts/install_compose.sh` (make test does)")
    env_file = tmp_path_factory.mktemp("compose") / ".env"
    shutil.copy(ENV_EXAMPLE, env_file)
    # docker/.env is the operator's file, absent here: point compose at a copy of the example
    proc = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "--env-file", str(env_file), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "ERRORHUB_ENV_FILE": str(env_file)},
    )
    assert proc.returncode == 0, f"docker-compose config failed:\n{proc.stderr}"
    return yaml.safe_load(proc.stdout)


def test_compose_has_every_service(compose_config):
    assert set(compose_config["services"]) == {
        "postgres",
        "redis",
        "elasticsearch",
        "web",
        "worker",
        "worker-alerts",
        "beat",
    }


def test_redis_persists_the_queue(compose_config):
    command = compose_config["services"]["redis"]["command"]
    command = command if isinstance(command, list) else command.split()
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"


def test_app_services_share_the_wiring(compose_config):
    services = compose_config["services"]
    for name in ("web", "worker", "worker-alerts", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://errorhub:"), name
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0", name
        assert env["ERRORHUB_EVENT_STORE"] == "elasticsearch", name
        assert env["ERRORHUB_EVENT_STORE_URL"] == "http://elasticsearch:9200", name
        assert set(services[name]["depends_on"]) == {"postgres", "redis", "elasticsearch"}, name
        assert all(dep["condition"] == "service_healthy" for dep in services[name]["depends_on"].values())
    assert services["web"]["environment"]["ERRORHUB_MIGRATE"] == "1"
    assert "ERRORHUB_MIGRATE" not in services["worker"]["environment"]
    assert services["worker"]["command"][:3] == ["python", "-m", "errorhub.worker"]
    # every queue is consumed, and alert delivery never waits behind ingest batches
    queues = [
        set(services[n]["command"][services[n]["command"].index("-Q") + 1].split(","))
        for n in ("worker", "worker-alerts")
    ]
    assert queues[0] | queues[1] == {"ingest", "ingest-retry", "index", "alerts", "housekeeping"}
    assert "alerts" in queues[1] and "alerts" not in queues[0]
    assert "/data/celerybeat-schedule" in services["beat"]["command"]
    for name in ("postgres", "redis", "elasticsearch", "web"):
        assert services[name].get("healthcheck"), f"{name} has no healthcheck"


def test_env_example_documents_every_setting():
    documented = example_variables()
    missing = sorted(settings_variables() - set(documented))
    assert not missing, f"add these to docker/.env.example (with a comment): {missing}"


def test_every_example_variable_has_a_comment():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() and not line.startswith("#") and "=" in line:
            assert i > 0 and lines[i - 1].startswith("#"), f"no comment above {line.split('=')[0]}"


def test_reader_pattern_sees_multiline_calls():
    assert "ERRORHUB_MAX_ENVELOPE_DECOMPRESSED_BYTES" in settings_variables()
    assert len(settings_variables()) >= 40
