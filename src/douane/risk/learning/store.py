"""A model directory: what `douane risk train` writes and `douane risk score` reads.

MODEL_DIR/model.txt        the LightGBM booster
MODEL_DIR/metadata.json    version id, data window, validation figures, parameters, features, mapping,
                           trainer, training time, library versions
MODEL_DIR/history/*.parquet  the history state as of the last day of the training data
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import lightgbm as lgb

from douane.kernel.errors import InvalidInput
from douane.risk.learning import features as ft
from douane.risk.learning.mapping import Mapping, mapping_from_dict

FORMAT = 1
MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
HISTORY_DIR = "history"


@dataclass
class StoredModel:
    booster: lgb.Booster
    spec: ft.FeatureSpec
    state: ft.HistoryState
    mapping: Mapping
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.metadata["model_version"])


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("douane", "lightgbm", "polars", "numpy"):
        try:
            versions[name] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def save(
    directory: Path,
    booster: lgb.Booster,
    spec: ft.FeatureSpec,
    state: ft.HistoryState,
    mapping: Mapping,
    details: dict[str, Any],
    trained_at: datetime,
) -> dict[str, Any]:
    """Write the model directory; `details` holds the data window, validation, parameters and trainer."""
    directory.mkdir(parents=True, exist_ok=True)
    model_text = booster.model_to_string()
    (directory / MODEL_FILE).write_text(model_text, encoding="utf-8")
    state.save(directory / HISTORY_DIR)
    digest = hashlib.sha256(model_text.encode("utf-8")).hexdigest()[:10]
    version = f"{trained_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest}"
    metadata = {
        "format": FORMAT,
        "model_version": version,
        "version": version,  # the key the model registry reads
        "trained_at": trained_at.astimezone(UTC).isoformat(),
        **details,
        "features": spec.as_dict(),
        "history": {"prior": state.prior, "last_day": state.last_day.isoformat()},
        "mapping": mapping.as_dict(),
        "libraries": library_versions(),
    }
    (directory / METADATA_FILE).write_text(json.dumps(metadata, indent=2, default=str), encoding="utf-8")
    return metadata


def load(directory: Path) -> StoredModel:
    try:
        metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
        booster = lgb.Booster(model_file=str(directory / MODEL_FILE))
    except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
        raise InvalidInput(
            "risk.model_unreadable", "{path} is not a risk model directory", path=str(directory)
        ) from exc
    if metadata.get("format") != FORMAT:
        raise InvalidInput(
            "risk.model_format", "The model in {path} has an unknown format", path=str(directory)
        )
    history = metadata["history"]
    state = ft.HistoryState.load(
        directory / HISTORY_DIR, float(history["prior"]), date.fromisoformat(history["last_day"])
    )
    mapping = _mapping(metadata["mapping"])
    return StoredModel(booster, ft.FeatureSpec.from_dict(metadata["features"]), state, mapping, metadata)


def _mapping(saved: dict[str, Any]) -> Mapping:
    label = saved["label"]
    return mapping_from_dict(
        {
            "columns": saved["columns"],
            "label": {key: value for key, value in label.items() if value is not None},
            "extras": saved["extras"],
            "format": saved["format"],
        }
    )
