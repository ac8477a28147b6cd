"""Configuration from DOUANE_* environment variables (documented in docs/operations.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOUANE_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the embedded database and uploads live")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias="PORT")
    demo: bool = Field(default=False, description="Demo mode: demo users exist and their password is shown")
    token_ttl_minutes: int = Field(default=60, ge=1, le=24 * 60)
    login_slowdown_after: int = Field(default=3, ge=1, description="Failed logins before each try must wait")
    login_lockout_after: int = Field(default=10, ge=2, description="Failed logins before the account locks")
    login_lockout_minutes: int = Field(default=30, ge=1)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=64)
    log_level: str = "info"
    workers: int = Field(
        default=1, ge=1, le=64, description="Web worker processes for `douane serve` (one per core is usual)"
    )
    lodgings_at_once: int = Field(
        default=1, ge=1, le=64,
        description="Lodging units of work each worker process runs at once; requests waiting meanwhile are"
        " lodged together in the next one (web.lodging_slots)",
    )  # fmt: skip
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs verification links (QR codes); default: a random key kept in data_dir/secret-key",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark session cookies Secure even when the app sees plain http (behind a TLS proxy)",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'douane.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
