"""The Kubernetes manifests (deploy/k8s): a kustomize-like load in Python (every listed resource
exists and parses, the overlay's patches, replicas and images target what the base has), then the
rules every workload must follow; and, where kubectl or kustomize is installed, the same rules on
the real `kustomize build` output of the base and the production overlay."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pmo_common.devstack import SERVICES as SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "k8s" / "base"
PRODUCTION = DEPLOY / "k8s" / "overlays" / "production"
IMAGE_REPOSITORY = "ghcr.io/pmo-platform/pmo"
NATS_PEERS = 3

Resource = dict[str, Any]


def load_docs(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def image_repository(image: str) -> str:
    image = image.split("@", 1)[0]
    if ":" in image.rsplit("/", 1)[-1]:
        image = image[: image.rindex(":")]
    return image


@dataclass
class Build:
    """Resources of a kustomization, as far as this test needs kustomize's semantics."""

    directory: Path
    spec: dict[str, Any]
    resources: list[Resource] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r["kind"] == kind]

    def get(self, kind: str, name: str) -> Resource:
        found = [r for r in self.of_kind(kind) if base_name(r, self) == name]
        assert len(found) == 1, f"{kind}/{name}: {len(found)} found in {self.directory}"
        return found[0]


def base_name(resource: Resource, build: Build) -> str:
    """The name before kustomize's hash suffix on generated ConfigMaps."""
    name: str = resource["metadata"]["name"]
    if resource["kind"] == "ConfigMap" and build.spec.get("built"):
        name = re.sub(r"-[a-z0-9]{10}$", "", name)
    return name


def load_kustomization(directory: Path) -> Build:
    path = directory / "kustomization.yaml"
    (spec,) = load_docs(path)
    assert spec["kind"] == "Kustomization" and spec["apiVersion"].startswith("kustomize.config.k8s.io/")
    build = Build(directory, spec)
    for entry in spec.get("resources", []):
        target = (directory / entry).resolve()
        assert target.exists(), f"{path}: resource {entry} does not exist"
        if target.is_dir():
            build.resources += load_kustomization(target).resources
            continue
        for doc in load_docs(target):
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), f"{target}: not a resource"
            build.resources.append(doc)
    for generator in spec.get("configMapGenerator", []):
        data = dict(literal.split("=", 1) for literal in generator.get("literals", []))
        for entry in generator.get("files", []):
            key, _, name = entry.rpartition("=")
            assert (directory / name).is_file(), f"{path}: generator file {name} missing"
            data[key or Path(name).name] = (directory / name).read_text()
        existing = [c for c in build.of_kind("ConfigMap") if c["metadata"]["name"] == generator["name"]]
        if generator.get("behavior") == "merge":
            assert existing, f"{path}: {generator['name']} merges into a ConfigMap the bases lack"
            existing[0]["data"].update(data)
        else:
            assert not existing, f"{path}: {generator['name']} generated twice"
            build.resources.append(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": generator["name"]},
                    "data": data,
                }
            )
    # the overlay's fields aim at what exists
    for patch in spec.get("patches", []):
        if "path" in patch:
            for doc in load_docs(directory / patch["path"]):
                build.get(doc["kind"], doc["metadata"]["name"])
        if "target" in patch:
            target = patch["target"]
            matches = [
                r
                for r in build.of_kind(target["kind"])
                if "name" not in target or r["metadata"]["name"] == target["name"]
            ]
            assert matches, f"{path}: patch target {target} matches nothing"
    for replica in spec.get("replicas", []):
        workloads = [r for r in build.resources if r["kind"] in {"Deployment", "StatefulSet"}]
        (workload,) = [w for w in workloads if w["metadata"]["name"] == replica["name"]]
        workload["spec"]["replicas"] = replica["count"]
    used = {image_repository(c["image"]) for w in workloads_of(build) for c in containers(w)}
    for image in spec.get("images", []):
        assert image["name"] in used, f"{path}: images entry {image['name']} matches no container"
    return build


def kustomize_command() -> list[str] | None:
    """`kustomize build` or `kubectl kustomize` with a kustomize new enough for `patches`, `replicas`
    and `labels` (v4+); Debian's kubernetes-client 1.20 ships kustomize v2.0.3, which is not."""
    if shutil.which("kustomize"):
        out = subprocess.run(["kustomize", "version"], capture_output=True, text=True).stdout
        if re.search(r"v([4-9]|\d\d)\.", out):
            return ["kustomize", "build"]
    if shutil.which("kubectl"):
        result = subprocess.run(
            ["kubectl", "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=30
        )
        version = (
            json.loads(result.stdout or "{}").get("kustomizeVersion", "") if result.returncode == 0 else ""
        )
        if re.match(r"v([4-9]|\d\d)\.", version):
            return ["kubectl", "kustomize"]
    return None


def kustomize_build(directory: Path) -> Build:
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize >= v4 nor a kubectl with it is installed")
    result = subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d is not None]
    (spec,) = load_docs(directory / "kustomization.yaml")
    return Build(directory, {**spec, "built": True}, docs)


def workloads_of(build: Build) -> list[Resource]:
    return [r for r in build.resources if r["kind"] in {"Deployment", "StatefulSet", "Job"}]


def containers(workload: Resource) -> list[Resource]:
    return list(workload["spec"]["template"]["spec"]["containers"])


def pod_labels(workload: Resource) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


def env_of(container: Resource) -> dict[str, Resource]:
    return {e["name"]: e for e in container.get("env", [])}


# --- the rules, applied to the Python load and to kustomize's output -----------------------------


def check_services(build: Build) -> None:
    config_maps = {base_name(c, build): c for c in build.of_kind("ConfigMap")}
    for service, port in SERVICE_PORTS.items():
        deployment = build.get("Deployment", f"pmo-{service}")
        pod = deployment["spec"]["template"]["spec"]
        assert selects(deployment["spec"]["selector"], pod_labels(deployment))
        assert pod_labels(deployment)["app.kubernetes.io/part-of"] == "pmo"
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(port)
        assert annotations["prometheus.io/path"] == "/metrics"
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        (container,) = containers(deployment)
        assert image_repository(container["image"]) == IMAGE_REPOSITORY
        assert container["args"] == [service]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": port}
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            get = container[probe]["httpGet"]
            assert get["path"] == path, f"{service} {probe}"
            assert get["port"] in {"http", port}
        resources = container["resources"]
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= resources[kind].keys(), f"{service} {kind}"
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        # configuration: the shared ConfigMap, this service's own database URL from the Secret
        (source,) = container["envFrom"]
        assert (
            base_name({"kind": "ConfigMap", "metadata": {"name": source["configMapRef"]["name"]}}, build)
            in config_maps
        )
        env = env_of(container)
        assert env["PMO_PORT"]["value"] == str(port)
        db = env["PMO_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert db["key"] == f"{service}-database-url" and not db.get("optional", False)
        # Service: selects these pods, targets the container's port
        svc = build.get("Service", f"pmo-{service}")
        assert selects({"matchLabels": svc["spec"]["selector"]}, pod_labels(deployment))
        (svc_port,) = svc["spec"]["ports"]
        assert svc_port["port"] == port
        assert svc_port["targetPort"] in ports or svc_port["targetPort"] in ports.values()
        # PodDisruptionBudget selecting them
        pdb = build.get("PodDisruptionBudget", f"pmo-{service}")
        assert selects(pdb["spec"]["selector"], pod_labels(deployment))
        assert "maxUnavailable" in pdb["spec"] or "minAvailable" in pdb["spec"]
        # migration Job with the same image and database
        job = build.get("Job", f"pmo-{service}-migrate")
        (migrate,) = containers(job)
        assert migrate["image"] == container["image"]
        assert migrate["args"] == ["migrate", service]
        assert env_of(migrate)["PMO_DATABASE_URL"] == env["PMO_DATABASE_URL"]
        assert migrate["envFrom"] == container["envFrom"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] in {"Never", "OnFailure"}
        assert {"requests", "limits"} <= migrate["resources"].keys()
    config = config_maps["pmo-config"]["data"]
    assert config["PMO_NATS_STREAM_REPLICAS"] == str(NATS_PEERS)
    assert config["PMO_MIGRATE_ON_START"] == "false"  # the Jobs migrate
    nats_service = build.get("Service", "nats")
    assert config["PMO_NATS_URL"] == f"nats://nats:{nats_service['spec']['ports'][0]['port']}"
    # every workload of ours runs the one image; the rest is NATS
    for workload in workloads_of(build):
        for container in containers(workload):
            repository = image_repository(container["image"])
            assert repository in {IMAGE_REPOSITORY, "nats"}, container["image"]


def check_secret_keys(build: Build) -> None:
    """The example Secret documents every key the manifests require."""
    (example,) = load_docs(DEPLOY / "k8s" / "secret.example.yaml")
    keys = set(example["stringData"])
    for workload in workloads_of(build):
        for container in containers(workload):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == example["metadata"]["name"]
                    assert ref["key"] in keys, ref


def check_nats(build: Build) -> None:
    sts = build.get("StatefulSet", "nats")
    assert sts["spec"]["replicas"] == NATS_PEERS
    headless = build.get("Service", sts["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"].get("publishNotReadyAddresses") is True
    assert selects({"matchLabels": headless["spec"]["selector"]}, pod_labels(sts))
    (container,) = containers(sts)
    assert image_repository(container["image"]) == "nats"
    version = tuple(int(x) for x in re.match(r"nats:(\d+)\.(\d+)\.(\d+)", container["image"]).groups())
    assert version >= (2, 10, 23)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert {"client", "cluster", "monitor"} <= ports.keys()
    # configuration: JetStream on the PVC, synced always, routes to all three peers
    config_volume = next(v for v in sts["spec"]["template"]["spec"]["volumes"] if "configMap" in v)
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    config_arg = container["args"][container["args"].index("--config") + 1]
    assert config_arg.startswith(mounts[config_volume["name"]] + "/")
    config_map = build.get("ConfigMap", re.sub(r"-[a-z0-9]{10}$", "", config_volume["configMap"]["name"]))
    conf = config_map["data"][Path(config_arg).name]
    jetstream = re.search(r"jetstream\s*\{([^}]*)\}", conf)
    assert jetstream and re.search(r"sync_interval:\s*always", jetstream.group(1))
    store_dir = re.search(r"store_dir:\s*\"?([^\s\"]+)", jetstream.group(1)).group(1)
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert store_dir.startswith(mounts[claim["metadata"]["name"]] + "/")
    routes = re.findall(
        r"nats(?:-route)?://([\w.-]+):(\d+)", re.search(r"routes\s*:\s*\[([^\]]*)\]", conf).group(1)
    )
    name, service = sts["metadata"]["name"], headless["metadata"]["name"]
    assert sorted(routes) == [(f"{name}-{i}.{service}", str(ports["cluster"])) for i in range(NATS_PEERS)]
    assert re.search(rf"cluster\s*\{{[^}}]*listen:\s*[\d.]*:{ports['cluster']}", conf)
    assert re.search(r"server_name:\s*\$(\w+)", conf).group(1) in env_of(container)
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] == "monitor"
    assert {"requests", "limits"} <= container["resources"].keys()
    assert sts["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    pdb = build.get("PodDisruptionBudget", "nats")
    assert selects(pdb["spec"]["selector"], pod_labels(sts))
    assert pdb["spec"]["maxUnavailable"] == 1  # R3 keeps its quorum


def check_production(build: Build) -> None:
    assert build.spec["namespace"] == "pmo"
    config = next(c for c in build.of_kind("ConfigMap") if base_name(c, build) == "pmo-config")["data"]
    assert config["PMO_ENVIRONMENT"] == "production"
    assert config["PMO_NATS_STREAM_REPLICAS"] == "3"
    base_build = load_kustomization(BASE)
    for service in SERVICE_PORTS:
        deployment = build.get("Deployment", f"pmo-{service}")
        assert deployment["spec"]["replicas"] >= 2, service
        (container,) = containers(deployment)
        (base_container,) = containers(base_build.get("Deployment", f"pmo-{service}"))
        assert memory_mib(container["resources"]["limits"]["memory"]) > memory_mib(
            base_container["resources"]["limits"]["memory"]
        )
        assert memory_mib(container["resources"]["requests"]["memory"]) > memory_mib(
            base_container["resources"]["requests"]["memory"]
        )


def memory_mib(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi)", quantity).groups()
    return float(number) * (1024 if unit == "Gi" else 1)


# --- the tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> Build:
    return load_kustomization(BASE)


@pytest.fixture(scope="module")
def production() -> Build:
    return apply_patches(load_kustomization(PRODUCTION))


def apply_patches(build: Build) -> Build:
    """The overlay's strategic-merge patches, for the fields this test reads (container resources)."""
    for patch in build.spec.get("patches", []):
        for doc in load_docs(build.directory / patch["path"]):
            target = build.get(doc["kind"], doc["metadata"]["name"])
            for patched in doc["spec"]["template"]["spec"].get("containers", []):
                (container,) = [c for c in containers(target) if c["name"] == patched["name"]]
                container.update({k: v for k, v in patched.items() if k != "name"})
    return build


def test_base_services(base: Build) -> None:
    check_services(base)
    check_secret_keys(base)


def test_base_nats_cluster(base: Build) -> None:
    check_nats(base)


def test_production_overlay(production: Build) -> None:
    check_services(production)
    check_nats(production)
    check_production(production)
    namespace = production.get("Namespace", "pmo")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    (image,) = production.spec["images"]
    assert image["name"] == IMAGE_REPOSITORY and image["newTag"]


def test_the_loader_catches_drift(tmp_path: Path) -> None:
    """The Python load fails on a missing resource and on a patch aimed at nothing."""
    shutil.copytree(DEPLOY / "k8s", tmp_path / "k8s")
    overlay = tmp_path / "k8s" / "overlays" / "production"
    (overlay / "patches" / "pmo-risk.yaml").write_text(
        (overlay / "patches" / "pmo-risk.yaml")
        .read_text()
        .replace("name: pmo-risk\n", "name: pmo-risky\n", 1)
    )
    with pytest.raises(AssertionError, match="pmo-risky"):
        load_kustomization(overlay)
    (tmp_path / "k8s" / "base" / "risk.yaml").unlink()
    with pytest.raises(AssertionError, match=r"risk\.yaml does not exist"):
        load_kustomization(tmp_path / "k8s" / "base")


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_kustomize_builds(directory: Path) -> None:
    built = kustomize_build(directory)
    check_services(built)
    check_nats(built)
    check_secret_keys(built)
    # generated ConfigMaps carry a content hash and the workloads refer to exactly those names
    generated = {c["metadata"]["name"] for c in built.of_kind("ConfigMap")}
    assert all(re.search(r"-[a-z0-9]{10}$", name) for name in generated)
    for workload in workloads_of(built):
        for container in containers(workload):
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in generated
        for volume in workload["spec"]["template"]["spec"].get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in generated
        for container in containers(workload):
            if image_repository(container["image"]) == IMAGE_REPOSITORY:
                assert container["image"] == f"{IMAGE_REPOSITORY}:{built.spec['images'][0]['newTag']}"
    for resource in built.resources:
        assert resource["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "pmo", resource[
            "kind"
        ]
    if directory == PRODUCTION:
        check_production(built)
        assert all(
            r["metadata"].get("namespace") == "pmo" for r in built.resources if r["kind"] != "Namespace"
        )
