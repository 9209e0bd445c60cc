"""Prometheus and Grafana files against the code: every metric and label the alerts and the
dashboard use is one pmo_common.metrics registers, the rules and the scrape config pass promtool,
the alerts fire in `promtool test rules`, and a real service's /metrics passes `promtool check metrics`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pmo_common import metrics as pmo_metrics
from pmo_common.devstack import SERVICES as SERVICE_PORTS
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, eventually, running
from prometheus_client.metrics import MetricWrapperBase

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install -y prometheus)"
)
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created")}
# Labels Prometheus adds: target labels of both jobs in prometheus.yml, and `le` of histogram buckets.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "app"}


def registered() -> dict[str, set[str]]:
    """Series name → label names, for every collector pmo_common.metrics defines."""
    series: dict[str, set[str]] = {}
    for collector in vars(pmo_metrics).values():
        if not isinstance(collector, MetricWrapperBase):
            continue
        (family,) = collector.describe()
        labels = set(collector._labelnames)
        for suffix in SUFFIXES.get(family.type, ("",)):
            series[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return series


def alert_rules() -> list[dict[str, Any]]:
    (doc,) = yaml.safe_load_all((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    return json.loads((DEPLOY / "grafana" / "dashboard.json").read_text())


def dashboard_exprs() -> Iterator[str]:
    board = dashboard()
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            yield target["expr"]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            yield variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]


STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
SELECTOR = re.compile(r"\b([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")


def check_expr(expr: str, series: dict[str, set[str]]) -> set[str]:
    """Metric names and label names of a PromQL expression against the registered ones."""
    bare = STRINGS.sub('""', expr)
    used = set(re.findall(r"\bpmo_\w+", bare))
    unknown = used - series.keys()
    assert not unknown, f"{expr!r} uses metrics pmo_common.metrics lacks: {sorted(unknown)}"
    for name, matchers in SELECTOR.findall(bare):
        if name.startswith("pmo_"):
            for label in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers):
                assert label in series[name], f"{expr!r}: {name} has no label {label}"
    known = set().union(*(series[name] for name in used)) | TARGET_LABELS if used else TARGET_LABELS
    for group in GROUPING.findall(bare):
        for label in filter(None, (g.strip() for g in group.split(","))):
            assert label in known, f"{expr!r}: no metric in it has label {label}"
    return used


# --- names against the code ------------------------------------------------------------------------


def test_the_code_defines_the_contract_metrics() -> None:
    series = registered()
    for name in (
        "pmo_http_requests_total",
        "pmo_http_request_duration_seconds_bucket",
        "pmo_events_published_total",
        "pmo_events_consumed_total",
        "pmo_events_dead_lettered_total",
        "pmo_outbox_pending",
        "pmo_outbox_oldest_age_seconds",
        "pmo_nats_connected",
    ):
        assert name in series and "service" in series[name]
    assert check_expr('sum by (service) (pmo_outbox_pending{service="x"})', series)
    with pytest.raises(AssertionError, match="lacks"):
        check_expr("pmo_outbox_pending_total", series)
    with pytest.raises(AssertionError, match="no label"):
        check_expr('pmo_outbox_pending{route="/x"}', series)
    with pytest.raises(AssertionError, match="no metric in it has label"):
        check_expr("sum by (tenant) (pmo_outbox_pending)", series)


def test_alerts_use_only_registered_metrics_and_labels() -> None:
    series = registered()
    used: set[str] = set()
    for rule in alert_rules():
        used |= check_expr(rule["expr"], series)
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    assert {
        "pmo_outbox_oldest_age_seconds",
        "pmo_events_consumed_total",
        "pmo_events_dead_lettered_total",
        "pmo_http_requests_total",
        "pmo_http_request_duration_seconds_bucket",
        "pmo_nats_connected",
    } <= used


def test_alerts_are_the_agreed_ones() -> None:
    rules = {rule["alert"]: rule for rule in alert_rules()}
    flat = {name: " ".join(rule["expr"].split()) for name, rule in rules.items()}
    assert flat["PMOOutboxBacklog"].endswith("(pmo_outbox_oldest_age_seconds) > 60")
    assert rules["PMOOutboxBacklog"]["for"] == "5m"
    assert 'increase(pmo_events_consumed_total{result="error"}[10m])) > 0' in flat["PMOConsumerErrors"]
    assert "increase(pmo_events_dead_lettered_total[10m])) > 0" in flat["PMOEventsDeadLettered"]
    assert flat["PMOHighErrorRate"] == (
        'sum by (service) (rate(pmo_http_requests_total{status=~"5.."}[5m])) '
        "/ sum by (service) (rate(pmo_http_requests_total[5m])) > 0.05"
    )
    assert flat["PMOHighLatencyP99"] == (
        "histogram_quantile(0.99, sum by (le, service) (rate(pmo_http_request_duration_seconds_bucket[5m]))) > 0.5"
    )
    assert flat["PMONatsDisconnected"].startswith("max by (service, instance) (pmo_nats_connected) == 0")
    assert rules["PMONatsDisconnected"]["for"] == "2m"
    assert flat["PMOServiceDown"].startswith("up{") and flat["PMOServiceDown"].endswith("== 0")
    # every alert is documented in deploy/README.md
    readme = (DEPLOY / "README.md").read_text()
    for name in rules:
        assert f"`{name}`" in readme, name


def test_dashboard_uses_only_registered_metrics_and_covers_them() -> None:
    series = registered()
    used: set[str] = set()
    for expr in dashboard_exprs():
        used |= check_expr(expr, series)
    assert {
        "pmo_http_requests_total",
        "pmo_http_request_duration_seconds_bucket",
        "pmo_outbox_pending",
        "pmo_outbox_oldest_age_seconds",
        "pmo_events_published_total",
        "pmo_events_consumed_total",
        "pmo_events_dead_lettered_total",
    } <= used
    exprs = list(dashboard_exprs())
    assert any("histogram_quantile(0.5," in e for e in exprs) and any(
        "histogram_quantile(0.99," in e for e in exprs
    )
    assert any('status=~"5.."' in e for e in exprs)
    assert any("by (service, result)" in e and "pmo_events_consumed_total" in e for e in exprs)


def test_dashboard_is_well_formed() -> None:
    board = dashboard()
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in board["templating"]["list"]}
    assert variables == {"datasource", "service"}
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            # only defined variables (and Grafana's own) are referenced
            for name in re.findall(r"\$(\w+)", target["expr"]):
                assert name in variables or name.startswith("__"), (panel["title"], name)
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24


# --- the scrape configuration against compose and the Kubernetes manifests ---------------------------


def test_scrape_config_matches_compose_and_kubernetes() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    (static,) = jobs["pmo"]["static_configs"]
    assert sorted(static["targets"]) == sorted(f"{s}:{p}" for s, p in SERVICE_PORTS.items())
    assert "service" not in static.get("labels", {})  # the services label their series themselves
    (compose,) = yaml.safe_load_all((DEPLOY / "compose.yaml").read_text())
    for target in static["targets"]:
        host, port = target.split(":")
        assert compose["services"][host]["environment"]["PMO_PORT"] == port
    assert config["rule_files"] == ["alerts.yml"]
    # the kubernetes job keeps exactly what the manifests annotate and label
    k8s = jobs["pmo-kubernetes-pods"]
    assert k8s["kubernetes_sd_configs"] == [{"role": "pod"}]
    relabel = {tuple(r["source_labels"]): r for r in k8s["relabel_configs"]}
    for r in k8s["relabel_configs"]:
        re.compile(r.get("regex", "(.*)"))
    deployment = next(
        d
        for d in yaml.safe_load_all((DEPLOY / "k8s" / "base" / "portfolio.yaml").read_text())
        if d["kind"] == "Deployment"
    )
    template = deployment["spec"]["template"]["metadata"]

    def meta(kind: str, key: str) -> str:
        return f"__meta_kubernetes_pod_{kind}_" + re.sub(r"[^a-zA-Z0-9_]", "_", key)

    keep_label = relabel[(meta("label", "app.kubernetes.io/part-of"),)]
    assert (
        keep_label["action"] == "keep"
        and template["labels"]["app.kubernetes.io/part-of"] == keep_label["regex"]
    )
    keep_scrape = relabel[(meta("annotation", "prometheus.io/scrape"),)]
    assert (
        keep_scrape["action"] == "keep"
        and template["annotations"]["prometheus.io/scrape"] == keep_scrape["regex"]
    )
    assert relabel[(meta("annotation", "prometheus.io/path"),)]["target_label"] == "__metrics_path__"
    address = relabel[("__address__", meta("annotation", "prometheus.io/port"))]
    joined = "10.0.0.7:1234;" + template["annotations"]["prometheus.io/port"]
    assert (
        re.sub("^" + address["regex"] + "$", address["replacement"].replace("$", "\\"), joined)
        == "10.0.0.7:8001"
    )


# --- promtool -------------------------------------------------------------------------------------


def promtool(
    *args: str, cwd: Path = PROMETHEUS, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60)


@needs_promtool
def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


@needs_promtool
def test_promtool_rule_unit_tests() -> None:
    """deploy/prometheus/alerts.test.yml: each alert fires on its failure, not on healthy series."""
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case["exp_alerts"]}
    assert tested == {rule["alert"] for rule in alert_rules()}


@needs_promtool
def test_promtool_check_config(tmp_path: Path) -> None:
    """The whole file, where promtool knows kubernetes_sd. Debian's build leaves Kubernetes discovery
    out, so there the static part is checked by promtool and the kubernetes job by the test above."""
    probe = tmp_path / "probe.yml"
    probe.write_text("scrape_configs:\n  - job_name: p\n    kubernetes_sd_configs:\n      - role: pod\n")
    has_kubernetes_sd = promtool("check", "config", str(probe)).returncode == 0
    if has_kubernetes_sd:
        result = promtool("check", "config", "prometheus.yml")
    else:
        config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
        config["scrape_configs"] = [j for j in config["scrape_configs"] if "kubernetes_sd_configs" not in j]
        assert config["scrape_configs"]
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
        result = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_promtool
async def test_promtool_check_metrics_on_a_running_service(make_settings: Callable[..., Settings]) -> None:
    from pmo_portfolio.main import create_app

    async with running(create_app(make_settings("portfolio"))) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready)
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/portfolio/v1/portfolios")).status_code == 401
        assert (await client.get("/portfolio/v1/portfolios", headers=auth())).status_code == 200

        async def scraped() -> str | None:
            text = (await client.get("/metrics")).text
            return text if 'pmo_outbox_oldest_age_seconds{service="portfolio"}' in text else None

        text = await eventually(scraped)
    result = promtool("check", "metrics", stdin=text)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stdout + result.stderr
    # the series the alerts and the dashboard read are really exposed, with the labels they use
    series = registered()
    for line in text.splitlines():
        # Greedy up to the value: a route label such as "/x/{id}" holds braces of its own.
        match = re.match(r"(pmo_\w+)\{(.*)\} \S+$", line)
        if match:
            if match.group(1) not in series:
                continue  # a service's own domain metric (contract §6 allows them); promtool linted it above
            labels = set(re.findall(r'(\w+)="', match.group(2)))
            assert labels == series[match.group(1)], line
    for needed in (
        'pmo_http_requests_total{method="GET",route="/portfolio/v1/portfolios",service="portfolio",status="401"}',
        'pmo_http_request_duration_seconds_bucket{le="0.5",method="GET",route="/healthz",service="portfolio"}',
        'pmo_nats_connected{service="portfolio"} 1.0',
        'pmo_outbox_pending{service="portfolio"}',
    ):
        assert needed in text, needed
