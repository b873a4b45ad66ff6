"""One typed settings object, read from the environment once at start-up."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    db_pool_size: int = Field(default=10, ge=1, le=200)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return value

    @property
    def uses_embedded_servers(self) -> bool:
        return self.database_url is None or self.redis_url is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
