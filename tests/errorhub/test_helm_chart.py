"""The Helm chart (docker/helm/errorhub) renders, passes ``helm lint`` and ``kubeconform -strict``, and says what
production needs: exactly one beat, probes on /readyz and /healthz, disruption budgets, resources on every
container, settings mirroring docker/.env.example, and a KEDA ScaledObject that scales the ingest workers on the
queue depth ErrorHub exports on /metrics.

helm and kubeconform come from ``scripts/install_helm_tools.sh`` (``make test`` runs it) into ``.tools/bin``.
kubeconform reads no schema from the network: the Kubernetes ones come from the ``kubernetes-validate`` package
(rewritten to kubeconform's layout below), KEDA's ScaledObject from docker/helm/schemas/.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from ingest import state

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "docker" / "helm" / "errorhub"
CRD_SCHEMAS = REPO / "docker" / "helm" / "schemas"
TOOLS = REPO / ".tools" / "bin"
# the Kubernetes release validated against (helm built by `go install` assumes 1.20 unless told)
KUBERNETES_VERSION = "1.33.0"
K8S_SCHEMAS = (
    Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}-local-strict"
)
CRD_SCHEMA = str(CRD_SCHEMAS / "{{ .Group }}" / "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json")
VALUES = {"default": CHART / "ci" / "values-default.yaml", "production": CHART / "ci" / "values-production.yaml"}
# docker/.env.example settings that only docker/compose.yml reads (the chart gets its services' URLs as secrets)
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "ES_JAVA_OPTS", "ERRORHUB_PORT"}


def tool(name: str) -> str:
    path = TOOLS / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `bash scripts/install_helm_tools.sh` (make test does)")
    return str(path)


def run(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def render(values: Path, *extra: str) -> str:
    return run(
        [
            tool("helm"),
            "template",
            "eh",
            str(CHART),
            "--namespace",
            "errorhub",
            "--kube-version",
            KUBERNETES_VERSION,
            "-f",
            str(values),
            *extra,
        ]
    )


def documents(manifest: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(manifest) if doc]


def one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {[d['metadata']['name'] for d in docs]}"
    return found[0]


_DEF_REF = re.compile(r'"(?:/api/_definitions\.json)?#/\$defs/([^"]+)"')


def standalone_schema(name: str, definitions: dict[str, Any]) -> dict[str, Any]:
    """kubernetes-validate's schema ``name`` with the definitions it reaches inlined under ``$defs``: kubeconform
    resolves no reference to another file, so each schema must stand alone."""
    text = (K8S_SCHEMAS / name).read_text()
    needed: set[str] = set()
    todo = _DEF_REF.findall(text)
    while todo:
        ref = todo.pop()
        if ref not in needed:
            needed.add(ref)
            todo += _DEF_REF.findall(json.dumps(definitions[ref]))
    schema = json.loads(text.replace('"/api/_definitions.json#', '"#'))
    schema["$defs"] = {ref: definitions[ref] for ref in needed}
    return schema


@pytest.fixture(scope="module")
def kubeconform_schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The strict Kubernetes schemas of the kinds the chart renders, in kubeconform's ``<kind>-<group>-<version>``
    layout (only those: inlining every one would take longer than the whole test)."""
    folder = tmp_path_factory.mktemp("k8s-schemas")
    definitions = json.loads((K8S_SCHEMAS / "_definitions.json").read_text())["$defs"]
    for name in (
        "configmap-v1",
        "secret-v1",
        "service-v1",
        "deployment-apps-v1",
        "job-batch-v1",
        "poddisruptionbudget-policy-v1",
    ):
        (folder / f"{name}.json").write_text(json.dumps(standalone_schema(f"{name}.json", definitions)))
    return folder


@pytest.fixture(scope="module", params=sorted(VALUES))
def rendered(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param, render(VALUES[request.param])


def test_helm_lint_passes_with_default_and_production_values() -> None:
    for values in VALUES.values():
        out = run(
            [tool("helm"), "lint", "--strict", "--kube-version", KUBERNETES_VERSION, str(CHART), "-f", str(values)]
        )
        assert "0 chart(s) failed" in out


def test_kubeconform_strict_accepts_every_rendered_object(
    rendered: tuple[str, str], kubeconform_schemas: Path, tmp_path: Path
) -> None:
    name, manifest = rendered
    (tmp_path / "manifest.yaml").write_text(manifest)
    out = run(
        [
            tool("kubeconform"),
            "-strict",
            "-summary",
            "-output",
            "json",
            "-kubernetes-version",
            KUBERNETES_VERSION,
            "-schema-location",
            str(kubeconform_schemas / "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
            "-schema-location",
            CRD_SCHEMA,
            str(tmp_path / "manifest.yaml"),
        ]
    )
    summary = json.loads(out)["summary"]
    kinds = {d["kind"] for d in documents(manifest)}
    assert {"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget", "Job", "ScaledObject"} <= kinds
    # every object validated against a schema: none skipped (no schema), none invalid
    assert summary == {"valid": len(documents(manifest)), "invalid": 0, "errors": 0, "skipped": 0}, (name, out)


def test_kubeconform_strict_rejects_a_field_the_scaledobject_does_not_have(
    kubeconform_schemas: Path, tmp_path: Path
) -> None:
    """The committed KEDA schema is strict: a misspelt field fails (so the schema is not a pass-everything)."""
    docs = documents(render(VALUES["default"]))
    scaled = one(docs, "ScaledObject", "eh-errorhub-worker-ingest")
    scaled["spec"]["maxReplicas"] = 10  # HPA's name, not KEDA's maxReplicaCount
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(scaled))
    proc = subprocess.run(
        [tool("kubeconform"), "-strict", "-summary", "-schema-location", CRD_SCHEMA, str(tmp_path / "bad.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "maxReplicas" in proc.stdout


def test_kubeconform_strict_rejects_a_field_a_deployment_does_not_have(
    kubeconform_schemas: Path, tmp_path: Path
) -> None:
    """The Kubernetes schemas are strict too: an unknown container field fails validation."""
    web = one(documents(render(VALUES["default"])), "Deployment", "eh-errorhub-web")
    web["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz", "port": 8000}}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(web))
    proc = subprocess.run(
        [
            tool("kubeconform"),
            "-strict",
            "-summary",
            "-schema-location",
            str(kubeconform_schemas / "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
            str(tmp_path / "bad.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "readinesProbe" in proc.stdout


def test_exactly_one_beat_that_never_overlaps_itself(rendered: tuple[str, str]) -> None:
    docs = documents(rendered[1])
    beats = [
        d
        for d in docs
        if d["kind"] == "Deployment"
        and d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "beat"
    ]
    assert len(beats) == 1
    beat = beats[0]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}  # the old beat stops before the new one starts
    container = beat["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:4] == ["celery", "-A", "errorhub", "beat"]
    # no other process runs a beat (the Procfile's --beat-thread is for the embedded default only)
    for doc in docs:
        if doc["kind"] == "Deployment" and doc is not beat:
            command = doc["spec"]["template"]["spec"]["containers"][0]["command"]
            assert "beat" not in command and "--beat-thread" not in command and "-B" not in command


def test_web_probes_readiness_on_readyz_and_liveness_on_healthz(rendered: tuple[str, str]) -> None:
    docs = documents(rendered[1])
    web = one(docs, "Deployment", "eh-errorhub-web")["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    headers = {h["name"]: h["value"] for h in web["readinessProbe"]["httpGet"]["httpHeaders"]}
    config = one(docs, "ConfigMap", "eh-errorhub")["data"]
    # Host must be one ALLOWED_HOSTS admits (else Django answers 400), and the proxy header set (else a redirect)
    allowed = [h.strip() for h in config["ALLOWED_HOSTS"].split(",")]
    assert any(headers["Host"] == h or (h.startswith(".") and headers["Host"].endswith(h)) for h in allowed)
    assert headers["X-Forwarded-Proto"] == "https"
    assert "gunicorn -c python:errorhub.gunicorn_conf" in " ".join(web["command"])


def test_workers_consume_the_queues_compose_gives_them(rendered: tuple[str, str]) -> None:
    docs = documents(rendered[1])
    for kind, queues in (("ingest", "ingest,ingest-retry,index"), ("alerts", "alerts,housekeeping")):
        container = one(docs, "Deployment", f"eh-errorhub-worker-{kind}")["spec"]["template"]["spec"]["containers"][0]
        command = container["command"]
        assert command[:3] == ["python", "-m", "errorhub.worker"]
        assert command[command.index("-Q") + 1] == queues


def test_every_container_has_resources_and_every_serving_component_a_disruption_budget(
    rendered: tuple[str, str],
) -> None:
    docs = documents(rendered[1])
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            pod = doc["spec"]["template"]["spec"]
            for container in pod["containers"] + pod.get("initContainers", []):
                assert container["resources"]["requests"]["cpu"], doc["metadata"]["name"]
                assert container["resources"]["limits"]["memory"], doc["metadata"]["name"]
    budgets = {
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]: d["spec"]
        for d in docs
        if d["kind"] == "PodDisruptionBudget"
    }
    assert set(budgets) == {"web", "worker-ingest", "worker-alerts"}
    # a budget must let a drain proceed: never "no pod may ever go"
    assert budgets["web"].get("minAvailable", 0) < one(docs, "Deployment", "eh-errorhub-web")["spec"]["replicas"]
    assert budgets["worker-ingest"]["maxUnavailable"] >= 1


def test_scaledobject_scales_the_ingest_workers_on_the_exported_queue_depth(rendered: tuple[str, str]) -> None:
    docs = documents(rendered[1])
    scaled = one(docs, "ScaledObject", "eh-errorhub-worker-ingest")
    target = scaled["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
    ingest = one(docs, "Deployment", target["name"])
    assert ingest["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "worker-ingest"
    assert "replicas" not in ingest["spec"]  # KEDA owns the count: a fixed one would fight it on every upgrade
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "prometheus"
    query = trigger["metadata"]["query"]
    # the one metric it reads is the gauge /metrics really exports (read from the broker at scrape time) ...
    assert re.findall(r"\b(errorhub_\w+)\{", query) == [state.queues().name]
    assert state.queues().name == "errorhub_queue_depth"
    # ... for exactly the queues the ingest worker consumes
    queues = set(re.search(r'queue=~"([^"]+)"', query).group(1).split("|"))
    command = ingest["spec"]["template"]["spec"]["containers"][0]["command"]
    assert queues == set(command[command.index("-Q") + 1].split(","))
    assert int(trigger["metadata"]["threshold"]) > 0


def test_settings_mirror_docker_env_example() -> None:
    """Every ErrorHub setting of docker/.env.example is a key of the chart's ConfigMap or Secret."""
    example = {
        line.partition("=")[0].strip()
        for line in (REPO / "docker" / ".env.example").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#") and "=" in line
    }
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    chart = set(values["config"]) | set(values["secrets"])
    assert example - COMPOSE_ONLY - chart == set()
    assert not set(values["config"]) & set(values["secrets"])


def test_the_chart_refuses_to_render_without_its_required_secrets() -> None:
    proc = subprocess.run(
        [tool("helm"), "template", "eh", str(CHART), "--kube-version", KUBERNETES_VERSION],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "secrets.SECRET_KEY is required" in proc.stderr


def test_readme_explains_every_value() -> None:
    """Each value of values.yaml appears, by its dotted path, in the chart's README (a ``resources`` or ``pdb``
    block as a whole: it is Kubernetes' own shape), and so does every setting of ``config`` and ``secrets``."""
    readme = (CHART / "README.md").read_text()

    def leaves(node: Any, prefix: str) -> list[str]:
        whole = prefix in ("config", "secrets") or prefix.rsplit(".", 1)[-1] in ("resources", "pdb")
        if isinstance(node, dict) and node and not whole:
            return [leaf for key, value in node.items() for leaf in leaves(value, f"{prefix}.{key}" if prefix else key)]
        return [prefix]

    values = yaml.safe_load((CHART / "values.yaml").read_text())
    missing = [leaf for leaf in leaves(values, "") if f"`{leaf}`" not in readme]
    assert missing == []
    settings = [name for name in {**values["config"], **values["secrets"]} if f"`{name}`" not in readme]
    assert settings == []
