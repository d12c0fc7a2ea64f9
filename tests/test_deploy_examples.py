"""The deployment examples (examples/deploy/) agree with the code they deploy.

No Docker engine or cluster runs here, so these tests check what can be
checked statically: the YAML parses (safely), every ``RAGFORT_*`` variable
the manifests set is one ragfort reads, probes hit the app's real routes on
the port the server listens on, Services select the pods they front and
target their ports, the backend URLs name a Service that exists on the port
it serves, there are at least two serving replicas, resource requests fit
their limits, and the policy the image derives validates.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "examples" / "deploy"
SRC = REPO / "src" / "ragfort"
K8S_FILES = sorted((DEPLOY / "k8s").glob("*.yaml"))
COMPOSE = DEPLOY / "docker-compose.yml"
# Variables of other libraries that the image sets so the models run offline; not ragfort settings.
THIRD_PARTY_ENV = {
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "ANONYMIZED_TELEMETRY",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS",
    "TOKENIZERS_PARALLELISM",
}
BACKEND_URLS = ("RAGFORT_REDIS_URL", "RAGFORT_CHROMA_URL")


# -- what the code reads -----------------------------------------------------------


def _env_names_read_by_ragfort() -> set[str]:
    """Names in string literals of src/ragfort (os.environ lookups) plus every pydantic-settings field."""
    names: set[str] = set()
    prefixed: list[str] = []
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and re.fullmatch(r"RAGFORT_[A-Z0-9_]+", value):
                names.add(value)
        if "env_prefix" in source:
            prefixed.append(".".join(("ragfort", *path.relative_to(SRC).with_suffix("").parts)))
    for module_name in prefixed:
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseSettings) and cls is not BaseSettings and cls.__module__ == module_name:
                prefix = str(cls.model_config.get("env_prefix", "")).upper()
                for field_name, field in cls.model_fields.items():
                    alias = field.validation_alias
                    names.add(alias.upper() if isinstance(alias, str) else f"{prefix}{field_name.upper()}")
    return names


@pytest.fixture(scope="module")
def read_names() -> set[str]:
    names = _env_names_read_by_ragfort()
    assert "RAGFORT_HOME" in names  # the scan itself works
    return names


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    from ragfort.server.app import create_app
    from ragfort.server.settings import ServerSettings

    home = tmp_path_factory.mktemp("home")
    app = create_app(ServerSettings(data_dir=str(home), auth="off", index=str(home / "index")))
    return {getattr(r, "path", "") for r in app.routes}


# -- loading the examples -----------------------------------------------------------


def _k8s_docs() -> list[dict[str, Any]]:
    docs = []
    for path in K8S_FILES:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                assert isinstance(doc, dict) and {"apiVersion", "kind", "metadata"} <= set(doc), path.name
                docs.append(doc)
    return docs


def _by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def _serve_port(command: list[str]) -> int:
    """The --port of a `ragfort serve` command line (possibly inside ``sh -c``)."""
    line = " ".join(command)
    assert "ragfort serve" in line, line
    m = re.search(r"--port[ =](\d+)", line)
    return int(m.group(1)) if m else 8000


def _container_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"port name {port!r} is not declared by container {container['name']!r}"
    return int(named[port])


def _quantity(value: str | int | float) -> float:
    """A Kubernetes quantity as a number (bytes for memory, cores for CPU)."""
    text = str(value)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


# -- Kubernetes --------------------------------------------------------------------


def test_k8s_manifests_parse_and_hold_the_expected_objects() -> None:
    docs = _k8s_docs()
    deployments = _by_kind(docs, "Deployment")
    assert {"ragfort", "redis", "chroma"} <= set(deployments)
    assert {"ragfort", "redis", "chroma"} <= set(_by_kind(docs, "Service"))
    assert _by_kind(docs, "ConfigMap") and _by_kind(docs, "Secret")


def test_k8s_serves_with_several_replicas() -> None:
    assert _by_kind(_k8s_docs(), "Deployment")["ragfort"]["spec"]["replicas"] >= 2


def test_k8s_env_vars_are_settings_ragfort_reads(read_names: set[str]) -> None:
    docs = _k8s_docs()
    config_maps, secrets = _by_kind(docs, "ConfigMap"), _by_kind(docs, "Secret")
    named: set[str] = set()
    for workload in [*_by_kind(docs, "Deployment").values(), *_by_kind(docs, "Job").values()]:
        for container in _pod_spec(workload)["containers"]:
            uses_ragfort = "ragfort" in " ".join(container.get("command", [])) or container["image"].startswith(
                "ragfort"
            )
            env = {e["name"] for e in container.get("env", [])}
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    env |= set(config_maps[source["configMapRef"]["name"]]["data"])
                if "secretRef" in source:
                    secret = secrets[source["secretRef"]["name"]]
                    env |= set(secret.get("stringData", {})) | set(secret.get("data", {}))
            if uses_ragfort:
                named |= env
    ours = {n for n in named if n.startswith("RAGFORT_")}
    assert ours, "the manifests set no RAGFORT_ variable at all"
    assert not (ours - read_names), f"set in the manifests but read nowhere in src/ragfort: {sorted(ours - read_names)}"
    assert not (named - ours - THIRD_PARTY_ENV), f"unknown variables: {sorted(named - ours - THIRD_PARTY_ENV)}"
    assert set(BACKEND_URLS) <= ours  # the point of the example: shared cache and index


def test_k8s_probes_hit_real_routes_on_the_serving_port(app_routes: set[str]) -> None:
    ragfort = _by_kind(_k8s_docs(), "Deployment")["ragfort"]
    (container,) = _pod_spec(ragfort)["containers"]
    port = _serve_port(container["command"])
    assert port in {p["containerPort"] for p in container["ports"]}
    ready, live = container["readinessProbe"]["httpGet"], container["livenessProbe"]["httpGet"]
    assert ready["path"] == "/readyz" and live["path"] == "/healthz"
    assert {ready["path"], live["path"]} <= app_routes
    assert _container_port(container, ready["port"]) == port
    assert _container_port(container, live["port"]) == port


def test_k8s_services_select_their_pods_and_target_declared_ports() -> None:
    docs = _k8s_docs()
    deployments = _by_kind(docs, "Deployment")
    for name, service in _by_kind(docs, "Service").items():
        selector = service["spec"]["selector"]
        matches = [
            d for d in deployments.values() if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matches) == 1, f"Service {name!r} selects {len(matches)} deployments"
        (deployment,) = matches
        # A Deployment whose selector does not match its own pod labels is rejected by the API server.
        assert (
            deployment["spec"]["selector"]["matchLabels"].items()
            <= deployment["spec"]["template"]["metadata"]["labels"].items()
        )
        containers = _pod_spec(deployment)["containers"]
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert any(target in {p.get("name"), p["containerPort"]} for c in containers for p in c.get("ports", [])), (
                f"Service {name!r} targets {target!r}, undeclared by {deployment['metadata']['name']!r}"
            )


def test_k8s_backend_urls_name_a_service_on_the_port_it_exposes() -> None:
    docs = _k8s_docs()
    services = _by_kind(docs, "Service")
    data = next(iter(_by_kind(docs, "ConfigMap").values()))["data"]
    for var in BACKEND_URLS:
        url = urlparse(data[var])
        assert url.hostname in services, f"{var} points at {url.hostname!r}, not a Service of the manifests"
        assert url.port in {p["port"] for p in services[url.hostname]["spec"]["ports"]}, var
    chroma = _pod_spec(_by_kind(docs, "Deployment")["chroma"])["containers"][0]
    command = chroma["command"]
    assert command[:2] == ["chroma", "run"]
    assert int(command[command.index("--port") + 1]) in {p["containerPort"] for p in chroma["ports"]}
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_k8s_every_container_has_requests_within_limits() -> None:
    docs = _k8s_docs()
    for workload in [*_by_kind(docs, "Deployment").values(), *_by_kind(docs, "Job").values()]:
        for container in _pod_spec(workload)["containers"]:
            res = container.get("resources", {})
            assert {"requests", "limits"} <= set(res), container["name"]
            for kind in ("cpu", "memory"):
                assert _quantity(res["requests"][kind]) <= _quantity(res["limits"][kind]), (container["name"], kind)
    serve = _pod_spec(_by_kind(docs, "Deployment")["ragfort"])["containers"][0]["resources"]
    # Headroom: the memory limit sits above the request, so a burst is not an instant OOM kill.
    assert _quantity(serve["limits"]["memory"]) > _quantity(serve["requests"]["memory"])


def test_k8s_auth_is_on_explicitly() -> None:
    data = next(iter(_by_kind(_k8s_docs(), "ConfigMap").values()))["data"]
    assert data["RAGFORT_AUTH"] == "on"


# -- docker compose ----------------------------------------------------------------


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and "services" in data
    return data


def test_compose_runs_replicas_redis_and_chroma() -> None:
    services = _compose()["services"]
    assert {"ragfort", "redis", "chroma"} <= set(services)
    assert services["ragfort"]["deploy"]["replicas"] >= 2


def test_compose_env_and_urls_agree_with_the_code(read_names: set[str], app_routes: set[str]) -> None:
    services = _compose()["services"]
    ragfort = services["ragfort"]
    env = ragfort["environment"]
    ours = {n for n in env if n.startswith("RAGFORT_")}
    assert not (ours - read_names), sorted(ours - read_names)
    assert not (set(env) - ours - THIRD_PARTY_ENV)
    for var in BACKEND_URLS:
        url = urlparse(env[var])
        assert url.hostname in services, f"{var} points at {url.hostname!r}, not a compose service"
    chroma_cmd = services["chroma"]["command"]
    assert int(chroma_cmd[chroma_cmd.index("--port") + 1]) == urlparse(env["RAGFORT_CHROMA_URL"]).port
    assert urlparse(env["RAGFORT_REDIS_URL"]).port == 6379  # redis-server's default; the command sets no other
    assert "--port" not in services["redis"]["command"]
    port = _serve_port(ragfort["command"])
    published = ragfort["ports"][0]
    assert published.endswith(f":{port}")
    check = " ".join(ragfort["healthcheck"]["test"])
    m = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", check)
    assert m and int(m.group(1)) == port and m.group(2) in app_routes


# -- the image's derived policy ----------------------------------------------------


def test_the_derived_deployment_policy_validates_and_uses_redis(tmp_path: Path) -> None:
    sys.path.insert(0, str(DEPLOY))
    try:
        make_policy = importlib.import_module("make_policy")
    finally:
        sys.path.remove(str(DEPLOY))
    out = tmp_path / "deploy_policy.yaml"
    assert make_policy.main(["make_policy.py", str(REPO / "guards" / "support_agent.yaml"), str(out)]) == 0
    derived = yaml.safe_load(out.read_text(encoding="utf-8"))
    shipped = yaml.safe_load((REPO / "guards" / "support_agent.yaml").read_text(encoding="utf-8"))
    assert derived["guards"] == shipped["guards"]
    assert derived["cache"]["backend"] == "redis"

    from ragfort.cache.settings import CacheSettings
    from ragfort.policy import PolicySpec

    PolicySpec.model_validate(derived)  # the whole policy's shape, without loading the guards' models
    assert CacheSettings.model_validate(derived["cache"]).backend == "redis"
    with pytest.raises(ValueError, match="mapping with a name"):
        make_policy.derive(["not", "a", "policy"])


def test_dockerfile_installs_cpu_torch_first_and_serves_on_the_probed_port() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("#") and "FROM python:3.11-slim" in text
    torch = text.index("torch==")
    assert "download.pytorch.org/whl/cpu" in text[torch : torch + 120]
    assert torch < text.index('pip install "./')
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd is not None
    assert _serve_port(yaml.safe_load(cmd.group(1))) == 8000
    assert "RAGFORT_POLICY=/app/deploy_policy.yaml" in text
    assert "make_policy.py guards/support_agent.yaml /app/deploy_policy.yaml" in text
