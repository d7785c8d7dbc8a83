"""The deployment files stay true to the code: real settings, valid manifests, real metrics.

What is checked, honestly: the plain manifests in ``deploy/kubernetes`` against the Kubernetes
JSON schemas (``kubernetes-validate``, strict); the Helm chart's ``values.yaml`` against its
``values.schema.json`` and every ``.Values`` path its templates read against ``values.yaml``
(``helm`` itself is not installable here, so ``helm lint``/``template`` are not run); the alert
rules with ``promtool check rules``; and every metric the rules and the dashboard name against
the gateway's own registry.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from gateway import __version__
from gateway.settings import Settings, SettingsError
from gateway.web.metrics import metric_names

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CHART = DEPLOY / "helm" / "widget-gateway"
K8S_VERSION = "1.30.0"


def k8s_documents(folder: Path = DEPLOY / "kubernetes") -> list[dict[str, Any]]:
    docs = []
    for path in sorted(folder.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def assert_narrow(settings: Settings) -> None:
    """A shipped manifest never trusts a private range whole: anyone inside it could claim any
    client address and escape per-IP limits."""
    for network in settings.trusted_proxies:
        assert network.num_addresses <= 256, f"{network} is wider than one proxy's range"


def generated_secret() -> dict[str, str]:
    return {
        "GATEWAY_SECRET_KEY": secrets.token_urlsafe(48),
        "GATEWAY_ADMIN_TOKEN": secrets.token_urlsafe(32),
    }


def test_the_applied_folder_holds_no_secret() -> None:
    # `kubectl apply -f deploy/kubernetes/` must never write an example over the real Secret.
    assert all(doc["kind"] != "Secret" for doc in k8s_documents())


def test_kubernetes_settings_are_real_and_valid() -> None:
    docs = k8s_documents()
    env = {**next(d for d in docs if d["kind"] == "ConfigMap")["data"], **generated_secret()}
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    settings = Settings.from_env(env)  # raises with the variable's name if any value is wrong
    assert_narrow(settings)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["operator"] == settings.operator_port
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "operator"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "operator"}
    assert "preStop" in container["lifecycle"]
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert settings.shutdown_timeout + 5 < grace


@pytest.mark.parametrize("variable", ["GATEWAY_SECRET_KEY", "GATEWAY_ADMIN_TOKEN"])
def test_the_example_secret_values_are_refused(variable: str) -> None:
    example = k8s_documents(DEPLOY / "kubernetes" / "examples")
    secret = next(d for d in example if d["kind"] == "Secret")["stringData"]
    env = {"GATEWAY_REDIS_URL": "redis://redis:6379/0", **generated_secret()}
    env[variable] = secret[variable]
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert raised.value.variable == variable.removeprefix("GATEWAY_")


@pytest.mark.parametrize(
    "folder",
    [DEPLOY / "kubernetes", DEPLOY / "kubernetes" / "examples"],
    ids=["applied", "examples"],
)
def test_manifests_match_the_kubernetes_schemas(folder: Path) -> None:
    for doc in k8s_documents(folder):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_compose_settings_are_real_and_valid() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    env = dict(compose["x-gateway"]["environment"])
    for name, value in env.items():
        # What an operator fills in: a random value for each required variable.
        env[name] = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: secrets.token_urlsafe(32), str(value))
    settings = Settings.from_env(env)
    assert settings.redis_url is not None
    assert_narrow(settings)
    balancer = compose["services"]["balancer"]["networks"]["default"]["ipv4_address"]
    assert [str(n) for n in settings.trusted_proxies] == [f"{balancer}/32"]
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendfsync") + 1] == "always"


def test_the_image_copies_what_the_package_needs() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for needed in ("COPY gateway ./gateway", "COPY static ./static", "USER 10001"):
        assert needed in dockerfile


def chart_values() -> dict[str, Any]:
    return dict(yaml.safe_load((CHART / "values.yaml").read_text()))


def test_the_chart_trusts_no_proxy_range_by_default() -> None:
    assert chart_values()["ingress"]["trustedProxies"] == []


def test_chart_values_match_their_schema() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.validate(chart_values(), schema)
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == __version__


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("ingress", "trustedProxies"), ["0.0.0.0/0"]),
        (("gateway", "redisUrl"), "memcached://cache:11211"),
        (("gateway", "logFormat"), "xml"),
        (("operatorPort",), 8000),
        (("gateway", "extraEnv"), {"PATH": "/tmp"}),
    ],
    ids=["trust-everyone", "not-redis", "log-format", "operator-on-public-port", "not-gateway-env"],
)
def test_chart_schema_refuses_dangerous_values(path: tuple[str, ...], bad: object) -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = chart_values()
    target = values
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = bad
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, schema)


def test_every_value_the_templates_read_exists() -> None:
    values = chart_values()
    missing = []
    for template in sorted((CHART / "templates").glob("*")):
        for ref in re.findall(r"\.Values((?:\.[A-Za-z]\w*)+)", template.read_text()):
            node: Any = values
            for part in ref.strip(".").split("."):
                if not isinstance(node, dict) or part not in node:
                    missing.append(f"{template.name}: .Values{ref}")
                    break
                node = node[part]
    assert not missing, missing


def test_alert_rules_pass_promtool() -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing; scripts/test installs Debian's prometheus"
    result = subprocess.run(
        [promtool, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def referenced_metrics(text: str) -> set[str]:
    return set(re.findall(r"\bgateway_[a-z_]+\b", text))


@pytest.mark.parametrize(
    "path",
    [DEPLOY / "prometheus" / "alerts.yaml", DEPLOY / "grafana" / "widget-gateway.json"],
    ids=["alerts", "dashboard"],
)
def test_every_metric_referenced_exists(path: Path) -> None:
    text = path.read_text()
    if path.suffix == ".json":
        dashboard = json.loads(text)
        text = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    referenced = referenced_metrics(text)
    assert referenced, "no metric referenced"
    assert referenced <= metric_names(), sorted(referenced - metric_names())
