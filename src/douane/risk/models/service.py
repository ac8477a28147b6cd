"""Model registry use cases: register a directory written by `douane risk train`, list, activate, retire.

A model directory holds `metadata.json`; the registry reads from it the version, the data window, the
number of training rows, the metrics, the parameters, the trainer and when it was trained. Only one version
is active: activating one sends the previous one back to candidate. Every change is audited. The lodging
engine reads the active version through the shared read cache, so an activation takes effect at the next
unit of work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock
from douane.kernel.errors import Conflict, InvalidInput, NotFound
from douane.read_cache import cached, watch_writes
from douane.risk.model import storable_id
from douane.risk.tables import ModelVersionRow

watch_writes(ModelVersionRow)

METADATA = "metadata.json"
DIRECTORY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
ENTITY = "risk_model"
CANDIDATE, ACTIVE, RETIRED = "candidate", "active", "retired"


@dataclass(frozen=True)
class ActiveModel:
    """The active version as the engine needs it (immutable, shared between units of work)."""

    id: int
    version: str
    location: str
    score_distribution: Mapping[str, Any] | None  # read-only: the value is shared between units of work


def read_metadata(model_dir: Path) -> dict[str, Any]:
    path = model_dir / METADATA
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(
            "risk.model_metadata_missing", "No readable metadata.json in {path}", path=str(model_dir)[:300]
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "risk.model_metadata_invalid",
            "The model's metadata.json is not valid JSON: {reason}",
            reason=str(exc)[:200],
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(
            "risk.model_metadata_invalid",
            "The model's metadata.json is not valid JSON: {reason}",
            reason="not an object",
        )
    return data


def directory_in(root: Path, name: str) -> Path:
    """The model directory `name` directly inside `root`; InvalidInput for anything that leads elsewhere."""
    wanted = name.strip()
    if not DIRECTORY_NAME.fullmatch(wanted):
        raise InvalidInput(
            "risk.model_bad_name", "A model directory's name holds letters, digits, dots, dashes, underscores"
        )
    base = root.resolve()
    folder = (base / wanted).resolve()
    if folder.parent != base:
        raise InvalidInput("risk.model_outside_folder", "A model directory sits in the models folder")
    return folder


def register(session: Session, clock: Clock, model_dir: Path, *, by: Actor | None = None) -> ModelVersionRow:
    """A new candidate version from a trained model directory; Conflict if its version is registered."""
    location = model_dir.resolve()
    data = read_metadata(location)
    version = _text(data.get("version")) or f"{location.name}"
    if session.scalar(select(ModelVersionRow.id).where(ModelVersionRow.version == version[:40])) is not None:
        raise Conflict(
            "risk.model_version_taken", "Model version {version} is already registered", version=version[:40]
        )
    metrics = dict(data.get("metrics") or {})
    if isinstance(data.get("score_distribution"), dict):
        metrics["score_distribution"] = data["score_distribution"]
    row = ModelVersionRow(
        version=version[:40],
        status=CANDIDATE,
        location=str(location),
        data_from=_date(data.get("data_from")),
        data_to=_date(data.get("data_to")),
        rows=_int(data.get("rows")),
        metrics=metrics,
        parameters=dict(data.get("parameters") or {}),
        trainer=(_text(data.get("trainer")) or _name(by))[:150],
        trained_at=_moment(data.get("trained_at")) or clock.now(),
    )
    session.add(row)
    session.flush()
    _audit(session, clock, row, None, by, "model.registered")
    return row


def list_versions(session: Session) -> list[ModelVersionRow]:
    return list(
        session.scalars(
            select(ModelVersionRow).order_by(ModelVersionRow.trained_at.desc(), ModelVersionRow.id.desc())
        )
    )


def get(session: Session, model_id: int) -> ModelVersionRow:
    row = session.get(ModelVersionRow, model_id) if storable_id(model_id) else None
    if row is None:
        raise NotFound("risk.model_not_found", "No such model version", model_id=model_id)
    return row


def activate(session: Session, clock: Clock, model_id: int, *, by: Actor | None = None) -> ModelVersionRow:
    """Make this version the one that scores declarations; the previous active one returns to candidate."""
    # Activations wait for each other (the registry holds a few rows): never two active versions at once.
    session.execute(select(ModelVersionRow.id).with_for_update())
    row = get(session, model_id)
    if row.status != CANDIDATE:
        raise Conflict(
            "risk.model_not_candidate",
            "Only a candidate model can be activated (this one is {status})",
            status=row.status,
        )
    read_metadata(Path(row.location))  # the directory must still be there
    for previous in session.scalars(select(ModelVersionRow).where(ModelVersionRow.status == ACTIVE)):
        previous.status = CANDIDATE
        _audit(session, clock, previous, ACTIVE, by, "model.deactivated")
    row.status, row.activated_at, row.activated_by = ACTIVE, clock.now(), _name(by)
    _audit(session, clock, row, CANDIDATE, by, "model.activated")
    session.flush()
    return row


def retire(session: Session, clock: Clock, model_id: int, *, by: Actor | None = None) -> ModelVersionRow:
    """Retire a version for good; retiring the active one leaves declarations without a model score."""
    row = get(session, model_id)
    if row.status == RETIRED:
        raise Conflict("risk.model_retired", "This model version is already retired")
    before, row.status = row.status, RETIRED
    _audit(session, clock, row, before, by, "model.retired")
    session.flush()
    return row


def active_model(session: Session) -> ActiveModel | None:
    return cached(session, ("risk.active_model",), lambda: _load_active(session), shared=True)


def _load_active(session: Session) -> ActiveModel | None:
    row = session.scalars(select(ModelVersionRow).where(ModelVersionRow.status == ACTIVE).limit(1)).first()
    if row is None:
        return None
    distribution = (row.metrics or {}).get("score_distribution")
    return ActiveModel(
        row.id,
        row.version,
        row.location,
        MappingProxyType(distribution) if isinstance(distribution, dict) else None,
    )


def _audit(
    session: Session, clock: Clock, row: ModelVersionRow, before: str | None, by: Actor | None, action: str
) -> None:
    audit.record(
        session,
        clock,
        category=audit.STATE,
        action=action,
        actor=actor_ref(by) or audit.SYSTEM,
        entity_type=ENTITY,
        entity_id=row.version,
        from_state=before,
        to_state=row.status,
        detail={"location": row.location},
    )


def _name(by: Actor | None) -> str:
    return by.username if by is not None else audit.SYSTEM.name


def _text(value: object) -> str:
    return str(value).strip() if isinstance(value, (str, int)) else ""


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
