"""The model registry over HTTP: officers read versions and metrics, analysts register, activate and retire.

Over HTTP a model directory is named relative to the models folder of the data directory
(`DOUANE_DATA_DIR/models`), so a request cannot make the server read anywhere else; the CLI takes any path.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from douane.identity.guards import requires
from douane.identity.model import Actor, Permission
from douane.risk.models import service
from douane.web.deps import UnitOfWork, get_context

router = APIRouter(prefix="/api/v1/risk/models", tags=["risk"])
ModelId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
READ = requires(Permission.RISK_READ)
MANAGE = requires(Permission.MODELS_MANAGE)
MODELS_FOLDER = "models"


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directory: str = Field(
        min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Folder name under the data directory's models folder, as written by douane risk train",
    )  # fmt: skip


class ModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: str
    status: str
    location: str
    data_from: date | None
    data_to: date | None
    rows: int
    metrics: dict[str, Any]
    parameters: dict[str, Any]
    trainer: str
    trained_at: datetime
    activated_at: datetime | None
    activated_by: str | None


def models_root(request: Request) -> Path:
    return Path(get_context(request).settings.data_dir) / MODELS_FOLDER


@router.get("", response_model=list[ModelOut])
def list_models(session: UnitOfWork, _actor: Actor = Depends(READ)) -> list[ModelOut]:
    return [ModelOut.model_validate(row) for row in service.list_versions(session)]


@router.post("", response_model=ModelOut, status_code=201)
def register_model(
    session: UnitOfWork, request: Request, body: RegisterIn, actor: Actor = Depends(MANAGE)
) -> ModelOut:
    folder = service.directory_in(models_root(request), body.directory)
    row = service.register(session, get_context(request).clock, folder, by=actor)
    return ModelOut.model_validate(row)


@router.post("/{model_id}/activate", response_model=ModelOut)
def activate_model(
    session: UnitOfWork, request: Request, model_id: ModelId, actor: Actor = Depends(MANAGE)
) -> ModelOut:
    return ModelOut.model_validate(service.activate(session, get_context(request).clock, model_id, by=actor))


@router.post("/{model_id}/retire", response_model=ModelOut)
def retire_model(
    session: UnitOfWork, request: Request, model_id: ModelId, actor: Actor = Depends(MANAGE)
) -> ModelOut:
    return ModelOut.model_validate(service.retire(session, get_context(request).clock, model_id, by=actor))
