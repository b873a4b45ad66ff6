"""One typed settings object, read from the environment once at start-up."""

import json
import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# An origin as a browser sends it: scheme, host, optional port; no path, no trailing slash.
ORIGIN = re.compile(r"https?://[^/\s]+")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every knob of the service. Environment variable names are the field names upper-cased."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset starts an embedded server."
    )
    redis_url: str | None = Field(default=None, description="Redis URL; unset starts an embedded server.")
    liftplan_data_dir: Path = Field(
        default=Path(".liftplan"), description="Where embedded PostgreSQL and Redis keep their data."
    )
    liftplan_env: Environment = Environment.DEVELOPMENT
    log_level: str = Field(default="INFO", description="liftplan's own loggers.")
    liftplan_log_format: Literal["text", "json"] = Field(
        default="text", description="text: one readable line per record; json: one JSON object per line."
    )
    third_party_log_level: str = Field(
        default="WARNING", description="arq, uvicorn, strawberry and other libraries' loggers."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    redis_pool_size: int = Field(
        default=20, ge=2, le=1000, description="Redis connections per client per process (requests wait)."
    )
    serve_worker: bool = Field(
        default=False, description="Run a generation worker inside `serve` (always on in the embedded demo)."
    )
    api_shutdown_grace_s: int = Field(
        default=5,
        ge=1,
        description=(
            "On SIGTERM the API closes its WebSockets (1012) and gives requests this long, "
            "then cuts them (503)."
        ),
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins whose pages may call the API (comma-separated or a JSON list); empty: no CORS.",
    )

    # Generation workers (see README, "Jobs").
    worker_max_jobs: int = Field(default=10, ge=1, le=1000, description="Concurrent jobs per worker.")
    worker_poll_delay_s: float = Field(
        default=0.05, gt=0, le=5, description="arq's queue poll interval (its default 0.5 s is slow)."
    )
    worker_shutdown_grace_s: float = Field(
        default=10,
        ge=0,
        description="On SIGTERM a worker takes no new job and gives running ones this long to finish.",
    )
    generation_timeout_s: float = Field(default=30, gt=0, description="One attempt at one session.")
    generation_retry_window_s: float = Field(
        default=600,
        gt=0,
        description="Transient failures are retried this long, then the session is FAILED with the reason.",
    )
    generation_retry_base_s: float = Field(default=1.0, ge=0, description="Backoff: base x 2^(try-1).")
    generation_retry_max_s: float = Field(default=15.0, ge=0, description="Backoff cap.")
    reconcile_every_s: float = Field(
        default=15, gt=0, description="How often a worker's reconciler looks for sessions without a job."
    )
    reconcile_after_s: float = Field(
        default=10, ge=0, description="Unfinished sessions changed more recently than this are left alone."
    )
    reconcile_max_attempts: int = Field(
        default=10, ge=1, description="A session attempted this often is failed, not re-enqueued."
    )
    db_idle_in_transaction_timeout_s: float = Field(
        default=10,
        gt=0,
        description="PostgreSQL ends a transaction left idle this long (a frozen process's locks).",
    )

    # Operating (see README, "Operating liftplan").
    worker_metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Each worker serves /metrics on this port; 0 turns it off."
    )
    worker_metrics_host: str = Field(default="127.0.0.1", description="Where a worker's /metrics listens.")
    metrics_max_operations: int = Field(
        default=50, ge=1, description="Operation names labelled in /metrics; later ones count as 'other'."
    )

    # Status events (see README, "Jobs and status events").
    status_events_retention_s: float = Field(
        default=7 * 86_400,
        gt=0,
        description="Events kept in PostgreSQL for resuming; older cursors get a snapshot.",
    )
    status_stream_maxlen: int = Field(default=10_000, ge=100, description="Entries kept in the Redis stream.")
    status_relay_sweep_s: float = Field(
        default=0.5, gt=0, description="A relay looks for undelivered events at least this often."
    )
    status_hub_poll_s: float = Field(
        default=2.0, gt=0, description="Watchers catch up from PostgreSQL at least this often."
    )

    # Limits on what one request may cost (see README, "Security").
    max_body_bytes: int = Field(default=100_000, ge=1_000, description="Largest HTTP request body.")
    max_query_depth: int = Field(
        default=20, ge=3, le=100, description="Deepest selection, introspection too (GraphiQL's is 15)."
    )
    max_query_tokens: int = Field(default=5_000, ge=100, description="Most tokens in one document.")
    max_aliases: int = Field(default=30, ge=1, description="Most aliases per operation (fragments counted).")
    max_query_cost: int = Field(
        default=100_000,
        ge=100,
        description=(
            "Most estimated cost per operation (per event of a subscription): 1 a field, a list's "
            "selection times its expected size (see schema/query_cost.py)."
        ),
    )
    rate_limit_per_minute: int = Field(
        default=30, ge=1, description="createProgram and regenerateSessions calls per user per minute."
    )
    max_subscriptions_per_connection: int = Field(default=20, ge=1)
    max_connections_per_address: int = Field(
        default=200, ge=1, description="Open WebSockets per client address (behind a proxy: per proxy)."
    )
    ws_init_timeout_s: float = Field(
        default=10, gt=0, description="A WebSocket must send connection_init within this long (4408)."
    )
    ws_max_unsent_bytes: int = Field(
        default=1_048_576, ge=10_000, description="A socket with more waiting to be sent is closed (4413)."
    )
    token_recheck_s: float = Field(
        default=2,
        gt=0,
        description="Open sockets of a revoked or replaced token are closed within this long.",
    )
    max_subscriptions_per_user: int = Field(default=50, ge=1, description="Per API process.")
    max_subscriptions_per_process: int = Field(default=5_000, ge=1)
    graphiql_enabled: bool | None = Field(default=None, description="Default: on, except in production.")
    introspection_enabled: bool | None = Field(default=None, description="Default: on, except in production.")

    # The program view's response cache (see README, "The program view's response cache").
    response_cache_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Total size of cached program-view responses per API process; 0 turns the cache off.",
    )
    response_cache_max_entries: int = Field(
        default=2_000, ge=1, description="Most cached program-view responses per API process."
    )

    @field_validator("log_level", "third_party_log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if not isinstance(value, list):
            return value
        origins = [str(origin).strip() for origin in value if str(origin).strip()]
        for origin in origins:
            if origin != "*" and not ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com (no path)")
        return origins

    @property
    def serves_graphiql(self) -> bool:
        if self.graphiql_enabled is not None:
            return self.graphiql_enabled
        return self.liftplan_env is not Environment.PRODUCTION

    @property
    def allows_introspection(self) -> bool:
        if self.introspection_enabled is not None:
            return self.introspection_enabled
        return self.liftplan_env is not Environment.PRODUCTION

    @property
    def job_timeout_s(self) -> float:
        """arq's own timeout: a backstop a little above ours (a job it cuts off is retried, see
        ``jobs.generation``), kept short because a dead worker's jobs stay hidden for this + 10 s
        (python-arq issue 343) unless the reconciler releases them first."""
        return self.generation_timeout_s + 2


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
