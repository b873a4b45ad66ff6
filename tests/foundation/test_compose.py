"""``compose.yaml`` and the ``Dockerfile`` as an operator relies on them, read without docker (CI
machines have none): the services, their images, restart policies, wiring and health checks."""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def command(service: dict[str, Any]) -> str:
    value = service["command"]
    return " ".join(value) if isinstance(value, list) else str(value)


def test_services_images_and_restart_policies() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    ours = [services[name] for name in ("migrate", "api", "worker")]
    assert {s["image"] for s in ours} == {"liftplan:latest"} and {s["build"] for s in ours} == {"."}
    for name in ("postgres", "redis", "api", "worker"):
        assert services[name]["restart"] in {"unless-stopped", "always"}, name  # a crashed worker comes back
    assert services["migrate"]["restart"] == "no"  # one shot
    assert command(services["migrate"]) == "sh -c liftplan migrate && liftplan seed"
    assert command(services["api"]) == "liftplan serve"  # the console script, as in the README
    assert command(services["worker"]) == "liftplan worker"
    for name in ("postgres", "redis", "api", "worker"):
        assert services[name]["healthcheck"]["test"], name


def test_every_process_reaches_the_same_postgresql_and_redis() -> None:
    services = compose()["services"]
    postgres = services["postgres"]["environment"]
    for name in ("migrate", "api", "worker"):
        env = services[name]["environment"]
        database, redis = urlsplit(env["DATABASE_URL"]), urlsplit(env["REDIS_URL"])
        assert database.scheme == "postgresql" and database.hostname == "postgres" and database.port == 5432
        assert (database.username, database.password) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
        )
        assert database.path == f"/{postgres['POSTGRES_DB']}"
        assert redis.scheme == "redis" and redis.hostname == "redis"
        unknown = {key for key in env if key.lower() not in Settings.model_fields}
        assert not unknown, f"{name}: not liftplan settings: {unknown}"
        Settings(**{key.lower(): value for key, value in env.items()})  # valid values
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_api_is_checked_by_readyz_and_workers_scale() -> None:
    services = compose()["services"]
    api, worker = services["api"], services["worker"]
    port = api["environment"]["PORT"]
    assert api["ports"] == [f"{port}:{port}"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(api["healthcheck"]["test"])
    # --scale worker=N: several containers of one service cannot share a name or a host port.
    assert "container_name" not in worker and "ports" not in worker
    metrics_port = worker["environment"]["WORKER_METRICS_PORT"]
    assert worker["environment"]["WORKER_METRICS_HOST"] == "0.0.0.0"
    assert f"127.0.0.1:{metrics_port}/metrics" in " ".join(worker["healthcheck"]["test"])


def test_the_dockerfile_runs_the_service_as_a_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert stages and set(stages) == {"python:3.11-slim"}
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert 'CMD ["liftplan", "serve"]' in dockerfile
    # The serve lock, hashes checked, then liftplan alone (its dependencies are all locked).
    installs = re.findall(r"^RUN pip install (.+)$", dockerfile, re.MULTILINE)
    assert installs == ["--require-hashes -r /tmp/serve.lock", "--no-deps -e ."]
    assert "COPY requirements/serve.lock /tmp/serve.lock" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", ".liftplan*"} <= set(ignored)  # no local data or environment in the image


def seconds(duration: str) -> float:
    """A compose duration such as ``30s``, ``1m30s`` or ``1m`` in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def test_workers_are_given_longer_than_their_shutdown_grace() -> None:
    worker = compose()["services"]["worker"]
    env = {key.lower(): value for key, value in worker["environment"].items()}
    grace = Settings(**env).worker_shutdown_grace_s
    # Past stop_grace_period docker kills the worker, and the jobs given the grace die with it.
    assert seconds(worker["stop_grace_period"]) >= grace + 5
