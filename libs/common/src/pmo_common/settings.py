"""Settings from the `PMO_*` environment (contract §5)."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "pmo-dev-secret-change-me-0123456789abcdef"


class ApiKey:
    """A machine client's key, kept only as its SHA-256 digest."""

    __slots__ = ("digest", "name", "roles")

    def __init__(self, name: str, digest: str, roles: tuple[str, ...]) -> None:
        self.name = name
        self.digest = digest
        self.roles = roles


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_api_keys(spec: str) -> list[ApiKey]:
    """`name:key:role+role,name2:sha256=<hex>:role` — a key may be given as its SHA-256 digest
    so the plain key never has to sit in the deployment's environment."""
    keys: list[ApiKey] = []
    for index, entry in enumerate(filter(None, (e.strip() for e in spec.split(",")))):
        parts = entry.split(":")
        if len(parts) != 3 or not all(parts):
            raise ValueError(
                f"PMO_API_KEYS entry {index + 1} must be name:key:role[+role...], got {len(parts)} parts"
            )
        name, key, roles = parts
        digest = key.removeprefix("sha256=") if key.startswith("sha256=") else hash_api_key(key)
        keys.append(ApiKey(name, digest.lower(), tuple(r for r in roles.split("+") if r)))
    return keys


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PMO_", extra="ignore")

    service: str = Field(default="pmo", description="Set by each service; not read from the environment.")
    environment: str = Field(default="development", pattern="^(development|test|production)$")
    database_url: str | None = None
    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    jwt_secret: str | None = None
    jwks_url: str | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    api_keys: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    var_dir: Path = Path("var")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_import_body_bytes: int = Field(default=64 * 1_048_576, ge=1024)
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    consumer_max_deliver: int = Field(default=5, ge=1)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    migrate_on_start: bool = True
    webhook_allowed_hosts: str = Field(
        default="",
        description=(
            "Comma-separated host names (or addresses) webhooks may target; empty refuses every target. "
            "A listed name resolving to a private, loopback or link-local address is still refused "
            "unless that address (or, for the name `localhost`, `localhost`) is listed too."
        ),
    )

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and not (
            self.jwks_url or (self.jwt_secret and len(self.jwt_secret) >= 32)
        ):
            raise ValueError("in production set PMO_JWKS_URL or a PMO_JWT_SECRET of at least 32 characters")
        if self.environment == "production" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("PMO_JWT_SECRET is the development default; set a real secret in production")
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{self.service}.db').as_posix()}"

    @property
    def effective_jwt_secret(self) -> str | None:
        if self.jwt_secret:
            return self.jwt_secret
        return None if self.jwks_url or self.environment == "production" else DEV_JWT_SECRET

    @cached_property
    def parsed_api_keys(self) -> list[ApiKey]:
        return parse_api_keys(self.api_keys)
