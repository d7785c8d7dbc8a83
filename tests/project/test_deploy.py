"""The deployment files stay true to the code: real settings, valid values, real endpoints."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gateway.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def k8s_documents() -> list[dict]:  # type: ignore[type-arg]
    docs = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def assert_narrow(settings: Settings) -> None:
    """A shipped manifest never trusts a private range whole: anyone inside it could claim any
    client address and escape per-IP limits."""
    for network in settings.trusted_proxies:
        assert network.num_addresses <= 256, f"{network} is wider than one proxy's range"


def test_kubernetes_settings_are_real_and_valid() -> None:
    docs = k8s_documents()
    env: dict[str, str] = {}
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            env.update(doc["data"])
        if doc["kind"] == "Secret":
            env.update(doc["stringData"])
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    settings = Settings.from_env(env)  # raises with the variable's name if any value is wrong
    assert_narrow(settings)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_compose_settings_are_real_and_valid() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    env = dict(compose["x-gateway"]["environment"])
    for name, value in env.items():
        env[name] = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: "x" * 40, str(value))
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
