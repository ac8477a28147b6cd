"""A mapping file says which column of an administration's export is which field of the risk model.

The file is TOML:

    [columns]                    # role = "input column name"
    declaration_id = "Declaration ID"
    date = "Date"
    importer = "Importer ID"
    ...

    [label]
    column = "Fraud"             # 1 when the control found an offence, else 0
    recovered_duties = "..."     # optional

    [extras]
    categorical = ["Process Type", ...]
    numeric = [...]

Reading an export through a mapping yields a polars frame whose columns are named by role (extras keep their
input names, prefixed), so that the rest of the package never sees the administration's own names.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from douane.kernel.errors import InvalidInput

REQUIRED_ROLES = ("declaration_id", "date")
ENTITY_ROLES = ("office", "declarant", "importer", "seller", "courier", "hs6", "origin", "departure")
CATEGORY_ROLES = ("transport_mode", "regime")
NUMERIC_ROLES = ("net_mass", "price", "tax_rate", "quantity")
KNOWN_ROLES = REQUIRED_ROLES + ENTITY_ROLES + CATEGORY_ROLES + NUMERIC_ROLES
SECTIONS = ("columns", "label", "extras", "format")

LABEL = "label"
RECOVERED = "recovered_duties"
EXTRA_PREFIX = "x_"


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]  # role -> input column
    label: str | None = None
    recovered_duties: str | None = None
    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    date_format: str = "%Y-%m-%d"
    source: str = field(default="", compare=False)

    def has(self, role: str) -> bool:
        return role in self.columns

    @property
    def identifier(self) -> str:
        return self.columns["declaration_id"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": dict(self.columns),
            "label": {"column": self.label, "recovered_duties": self.recovered_duties},
            "extras": {"categorical": list(self.categorical), "numeric": list(self.numeric)},
            "format": {"date": self.date_format},
        }

    @property
    def extra_categorical(self) -> list[str]:
        return [EXTRA_PREFIX + name for name in self.categorical]

    @property
    def extra_numeric(self) -> list[str]:
        return [EXTRA_PREFIX + name for name in self.numeric]


def load_mapping(path: Path) -> Mapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(
            "risk.mapping_unreadable", "The mapping file {path} cannot be read", path=str(path)
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "risk.mapping_not_toml", "The mapping file {path} is not valid TOML: {reason}",
            path=str(path), reason=str(exc),
        ) from exc  # fmt: skip
    return mapping_from_dict(data, source=str(path))


def mapping_from_dict(data: dict[str, Any], source: str = "") -> Mapping:
    _refuse_unknown(data.keys(), SECTIONS, "section")
    columns = _table(data, "columns")
    _refuse_unknown(columns.keys(), KNOWN_ROLES, "role")
    for role in REQUIRED_ROLES:
        if role not in columns:
            raise InvalidInput(
                "risk.mapping_role_missing", "The mapping gives no column for the role {role}", role=role
            )
    label = _table(data, "label")
    _refuse_unknown(label.keys(), ("column", RECOVERED), "label key")
    extras = _table(data, "extras")
    _refuse_unknown(extras.keys(), ("categorical", "numeric"), "extras key")
    formats = _table(data, "format")
    _refuse_unknown(formats.keys(), ("date",), "format key")
    return Mapping(
        columns={role: _text(value, f"columns.{role}") for role, value in columns.items()},
        label=_optional_text(label.get("column"), "label.column"),
        recovered_duties=_optional_text(label.get(RECOVERED), f"label.{RECOVERED}"),
        categorical=_texts(extras.get("categorical", []), "extras.categorical"),
        numeric=_texts(extras.get("numeric", []), "extras.numeric"),
        date_format=_text(formats.get("date", "%Y-%m-%d"), "format.date"),
        source=source,
    )


def _refuse_unknown(keys: Iterable[str], allowed: Sequence[str], kind: str) -> None:
    for key in keys:
        if key not in allowed:
            raise InvalidInput(
                "risk.mapping_unknown_key", "Unknown {kind} {key} in the mapping (known: {known})",
                kind=kind, key=key, known=", ".join(allowed),
            )  # fmt: skip


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise _bad_mapping_type(name, "a table")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _bad_mapping_type(where, "a non-empty text")
    return value


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None or value == "" else _text(value, where)


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _bad_mapping_type(where, "a list of texts")
    return tuple(_text(item, where) for item in value)


def _bad_mapping_type(where: str, expected: str) -> InvalidInput:
    return InvalidInput(
        "risk.mapping_bad_type", "In the mapping, {where} must be {expected}", where=where, expected=expected
    )


def read_declarations(paths: Sequence[Path], mapping: Mapping, *, with_label: bool) -> pl.DataFrame:
    """The rows of one or several CSV exports, columns renamed to roles, in file then row order."""
    frames = [_read_one(path, mapping, with_label=with_label) for path in paths]
    return pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]


def _read_one(path: Path, mapping: Mapping, *, with_label: bool) -> pl.DataFrame:
    try:
        raw = pl.read_csv(path, infer_schema=False)  # every column as text: types are checked below, by role
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InvalidInput(
            "risk.input_unreadable", "The file {path} cannot be read as CSV: {reason}",
            path=str(path), reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        ) from exc  # fmt: skip
    wanted = _wanted_columns(mapping, with_label=with_label)
    for name in wanted.values():
        if name not in raw.columns:
            raise InvalidInput(
                "risk.input_column_missing", "The file {path} has no column {column}",
                path=str(path), column=name,
            )  # fmt: skip
    return pl.DataFrame([_typed(raw, path, role, name, mapping) for role, name in wanted.items()])


def _wanted_columns(mapping: Mapping, *, with_label: bool) -> dict[str, str]:
    wanted = dict(mapping.columns)
    wanted.update({EXTRA_PREFIX + name: name for name in (*mapping.categorical, *mapping.numeric)})
    if with_label:
        if mapping.label is None:
            raise InvalidInput("risk.mapping_no_label", "The mapping names no label column")
        wanted[LABEL] = mapping.label
        if mapping.recovered_duties is not None:
            wanted[RECOVERED] = mapping.recovered_duties
    return wanted


def _typed(raw: pl.DataFrame, path: Path, role: str, name: str, mapping: Mapping) -> pl.Series:
    text = raw[name].str.strip_chars()
    text = text.set(text.fill_null("") == "", None)
    if role == "date":
        converted = text.str.to_date(mapping.date_format, strict=False)
        expected = f"a date ({mapping.date_format})"
    elif role in NUMERIC_ROLES or role in mapping.extra_numeric or role == RECOVERED:
        converted = text.cast(pl.Float64, strict=False)
        expected = "a number"
    elif role == LABEL:
        number = text.cast(pl.Float64, strict=False)
        converted = number.set(~number.is_in([0.0, 1.0]).fill_null(False), None).cast(pl.Int8)
        expected = "0 or 1"
    else:
        return text.rename(role)
    bad = converted.is_null() & text.is_not_null()
    if role in (LABEL, "date"):
        bad = converted.is_null()
    if bad.any():
        line = int(bad.arg_max() or 0) + 2  # +1 for the header, +1 to count from 1
        raise InvalidInput(
            "risk.input_bad_value", "{path} line {line}: column {column} must be {expected}",
            path=str(path), line=line, column=name, expected=expected,
        )  # fmt: skip
    return converted.rename(role)
