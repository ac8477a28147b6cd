from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from douane.identity.model import Role


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the token expires")
    expires_at: datetime


MAX_ID = 2**63 - 1


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=150, pattern=r"^[A-Za-z0-9._@-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    password: str | None = Field(default=None, max_length=200)
    roles: set[Role] = Field(min_length=1)
    email: str | None = Field(default=None, max_length=254)
    language: str = Field(default="fr", pattern="^(ar|fr|en)$")
    operator_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    broker_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    officer_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    email: str | None
    language: str
    roles: list[Role]
    is_active: bool
    is_system: bool
    operator_id: int | None
    broker_id: int | None
    officer_id: int | None
    locked_until: datetime | None
    last_login_at: datetime | None


class MeOut(UserOut):
    permissions: list[str]


class RolesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: set[Role] = Field(min_length=1)


class ActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: str = Field(max_length=200)


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=150)
    expires_at: datetime | None = None


class ApiKeyOut(BaseModel):
    id: int
    prefix: str
    key: str = Field(description="Shown once: store it now, douane keeps only a hash")


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    category: str
    action: str
    entity_type: str | None
    entity_id: str | None
    actor_id: int | None
    actor_name: str | None
    from_state: str | None
    to_state: str | None
    reason: str | None
    client_ip: str | None
    detail: dict[str, object] | None
