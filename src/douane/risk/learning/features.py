"""Features of a goods item: its own fields, what history says about its parties and goods, its value.

Two ways to compute history features, with the same meaning:

- `fresh`, for training rows: a row on day D sees the labels of rows dated strictly before D in the same
  frame (never its own day, never later days);
- `frozen`, for rows scored after training: a row sees only the `HistoryState` saved with the model (all
  labelled rows up to the end of the training data); later rows' labels, even when present, are not read.

Non-label facts (since when a party is known, earlier unit prices) may also use unlabelled earlier rows of
the frame being scored.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from douane.risk.learning.mapping import LABEL, Mapping

SMOOTHING = 10.0
"""Weight of the overall fraud rate in a smoothed rate: a party seen n times gets n / (n + SMOOTHING) of its
own rate, so a single early offence does not mark it as certain."""

ROW = "_row"
HS4 = "hs4"
HS2 = "hs2"
UNIT = "log_unit_price"

GROUPS: dict[str, tuple[str, ...]] = {
    "importer": ("importer",),
    "declarant": ("declarant",),
    "seller": ("seller",),
    "courier": ("courier",),
    "office": ("office",),
    "hs6": ("hs6",),
    "hs4": (HS4,),
    "origin": ("origin",),
    "departure": ("departure",),
    "importer_hs6": ("importer", "hs6"),
    "importer_hs4": ("importer", HS4),
    "declarant_importer": ("declarant", "importer"),
    "seller_importer": ("seller", "importer"),
    "declarant_hs6": ("declarant", "hs6"),
    "seller_hs6": ("seller", "hs6"),
    "hs6_origin": ("hs6", "origin"),
    "hs6_origin_departure": ("hs6", "origin", "departure"),
    "hs6_departure": ("hs6", "departure"),
    "hs6_route_tax": ("hs6", "origin", "departure", "tax_rate"),
    "hs6_tax": ("hs6", "tax_rate"),
    "hs4_origin": (HS4, "origin"),
    "hs6_office": ("hs6", "office"),
    "importer_origin": ("importer", "origin"),
    "office_hs4": ("office", HS4),
    # the same goods, route, mass and value as an earlier item: a repeat consignment
    "consignment": ("hs6", "origin", "departure", "net_mass", "price"),
}
"""Entities and pairs whose past fraud rate is a feature (when the mapping has their columns)."""

KNOWN_SINCE = ("importer", "declarant", "seller")
TEXT_ROLES = (
    "office",
    "declarant",
    "importer",
    "seller",
    "courier",
    "hs6",
    "origin",
    "departure",
    "transport_mode",
    "regime",
)
PRICE_LEVELS: dict[str, tuple[str, ...]] = {
    "hs6_route": ("hs6", "origin", "departure"),
    "hs6_origin": ("hs6", "origin"),
    "hs6": ("hs6",),
}
ROW_CATEGORIES = ("office", "transport_mode", "regime", "origin", "departure", HS2)
ROW_NUMBERS = ("net_mass", "price", "tax_rate", "quantity")


def prepare(rows: pl.DataFrame) -> pl.DataFrame:
    """Derived columns every feature needs: row order, HS4/HS2, log unit price."""
    prepared = rows.with_row_index(ROW)
    if "hs6" in prepared.columns:
        hs6 = pl.col("hs6").str.zfill(6)
        prepared = prepared.with_columns(hs6.alias("hs6"), hs6.str.slice(0, 4).alias(HS4),
                                         hs6.str.slice(0, 2).alias(HS2))  # fmt: skip
    if {"price", "net_mass"} <= set(prepared.columns):
        unit = pl.when((pl.col("net_mass") > 0) & (pl.col("price") > 0)).then(
            (pl.col("price") / pl.col("net_mass")).log()
        )
        prepared = prepared.with_columns(unit.alias(UNIT))
    return prepared


def available_groups(columns: Iterable[str]) -> dict[str, tuple[str, ...]]:
    present = set(columns)
    return {name: keys for name, keys in GROUPS.items() if set(keys) <= present}


@dataclass
class HistoryState:
    """What the training history says, as of its last day; saved beside the model, read when scoring."""

    prior: float  # fraud rate over the whole history
    last_day: date
    rates: dict[str, pl.DataFrame]  # group -> key columns, n (labelled rows), pos (offences)
    known_since: dict[str, pl.DataFrame]  # role -> key, first (date first seen)
    prices: dict[str, pl.DataFrame]  # level -> key columns, median (log unit price), count

    @classmethod
    def from_history(cls, rows: pl.DataFrame) -> HistoryState:
        prepared = rows if ROW in rows.columns else prepare(rows)
        rates = {
            name: prepared.filter(_keys_present(keys))
            .group_by(keys)
            .agg(pl.len().alias("n"), pl.col(LABEL).cast(pl.Int64).sum().alias("pos"))
            for name, keys in available_groups(prepared.columns).items()
        }
        known = {
            role: prepared.filter(pl.col(role).is_not_null())
            .group_by(role)
            .agg(pl.col("date").min().alias("first"))
            for role in KNOWN_SINCE
            if role in prepared.columns
        }
        prices: dict[str, pl.DataFrame] = {}
        if UNIT in prepared.columns:
            for level, keys in PRICE_LEVELS.items():
                if set(keys) <= set(prepared.columns):
                    prices[level] = (
                        prepared.filter(_keys_present(keys) & pl.col(UNIT).is_not_null())
                        .group_by(keys)
                        .agg(pl.col(UNIT).median().alias("median"), pl.len().alias("count"))
                    )
        return cls(
            prior=float(prepared[LABEL].cast(pl.Float64).mean() or 0.0),  # type: ignore[arg-type]
            last_day=prepared["date"].max(),  # type: ignore[arg-type]
            rates=rates,
            known_since=known,
            prices=prices,
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for kind, tables in (("rates", self.rates), ("known", self.known_since), ("prices", self.prices)):
            for name, table in tables.items():
                table.write_parquet(directory / f"{kind}.{name}.parquet")

    @classmethod
    def load(cls, directory: Path, prior: float, last_day: date) -> HistoryState:
        tables: dict[str, dict[str, pl.DataFrame]] = {"rates": {}, "known": {}, "prices": {}}
        for path in sorted(directory.glob("*.parquet")):
            kind, name, _suffix = path.name.split(".")
            tables[kind][name] = pl.read_parquet(path)
        return cls(prior, last_day, tables["rates"], tables["known"], tables["prices"])


def _keys_present(keys: Sequence[str]) -> pl.Expr:
    return pl.all_horizontal([pl.col(key).is_not_null() for key in keys])


def _smoothed(n: pl.Expr, pos: pl.Expr, prior: float) -> pl.Expr:
    return (pos + SMOOTHING * prior) / (n + SMOOTHING)


def history_features(rows: pl.DataFrame, state: HistoryState, *, fresh: bool) -> pl.DataFrame:
    """`rows` (from `prepare`) with one column per history feature added, in the same row order."""
    rows = rows.drop(ROW).with_row_index(ROW)  # numbered from 0 again: arrays below are indexed by it
    result = rows
    for name, keys in available_groups(rows.columns).items():
        counts = _fresh_counts(rows, keys) if fresh else _frozen_counts(rows, keys, state.rates.get(name))
        result = (
            result.join(counts, on=ROW, how="left")
            .with_columns(
                pl.col("n").fill_null(0).alias(f"{name}_n"),
                _smoothed(pl.col("n").fill_null(0), pl.col("pos").fill_null(0), state.prior).alias(
                    f"{name}_rate"
                ),
            )
            .drop("n", "pos")
        )
    for role in KNOWN_SINCE:
        if role in rows.columns:
            result = result.with_columns(
                _days_known(rows, role, None if fresh else state.known_since.get(role))
            )
    if UNIT in rows.columns:
        result = result.with_columns(_value_ratios(rows, state, fresh=fresh))
    return result.sort(ROW)


def _fresh_counts(rows: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    daily = (
        rows.filter(_keys_present(keys))
        .group_by([*keys, "date"])
        .agg(pl.len().alias("day_n"), pl.col(LABEL).cast(pl.Int64).sum().alias("day_pos"))
        .sort("date")
        .with_columns(
            (pl.col("day_n").cum_sum().over(keys) - pl.col("day_n")).alias("n"),
            (pl.col("day_pos").cum_sum().over(keys) - pl.col("day_pos")).alias("pos"),
        )
    )
    return (
        rows.select(ROW, *keys, "date").join(daily, on=[*keys, "date"], how="inner").select(ROW, "n", "pos")
    )


def _frozen_counts(rows: pl.DataFrame, keys: tuple[str, ...], table: pl.DataFrame | None) -> pl.DataFrame:
    if table is None:
        return rows.select(ROW, pl.lit(0, pl.Int64).alias("n"), pl.lit(0, pl.Int64).alias("pos"))
    return rows.select(ROW, *keys).join(table, on=list(keys), how="inner").select(ROW, "n", "pos")


def _days_known(rows: pl.DataFrame, role: str, saved: pl.DataFrame | None) -> pl.Series:
    """Days since the party first appeared before this row's day (0 when new); unlabelled rows count."""
    first_in_rows = rows.group_by(role).agg(pl.col("date").min().alias("first_here"))
    joined = rows.select(ROW, role, "date").join(first_in_rows, on=role, how="left")
    if saved is not None:
        joined = joined.join(saved, on=role, how="left").with_columns(
            pl.min_horizontal("first", "first_here").alias("first_here")
        )
    days = (pl.col("date") - pl.col("first_here")).dt.total_days()
    return (
        joined.sort(ROW)
        .select(pl.when(pl.col(role).is_not_null()).then(days))
        .to_series()
        .alias(f"{role}_days_known")
    )


def _value_ratios(rows: pl.DataFrame, state: HistoryState, *, fresh: bool) -> list[pl.Series]:
    """Log of (unit price / median of earlier unit prices) per HS6 and origin, and per HS6."""
    series = []
    for level, keys in PRICE_LEVELS.items():
        if not set(keys) <= set(rows.columns):
            continue
        if fresh:
            medians, counts = _expanding_medians(rows, keys)
        else:
            medians, counts = _saved_medians(rows, keys, state.prices.get(level))
        unit = rows[UNIT].to_numpy()
        series.append(pl.Series(f"value_ratio_{level}", unit - medians, nan_to_null=True))
        series.append(pl.Series(f"value_count_{level}", counts))
    return series


def _expanding_medians(rows: pl.DataFrame, keys: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the median log unit price of earlier days' rows with the same keys (NaN when none)."""
    medians = np.full(rows.height, np.nan)
    counts = np.zeros(rows.height, dtype=np.int64)
    seen: dict[tuple[Any, ...], list[float]] = {}
    ordered = rows.select(ROW, "date", UNIT, *keys).sort("date", ROW)
    pending: list[tuple[tuple[Any, ...], float]] = []
    current_day = None
    for row, day, unit, *key_values in ordered.iter_rows():
        if day != current_day:
            for key, value in pending:
                bisect.insort(seen.setdefault(key, []), value)
            pending, current_day = [], day
        key = tuple(key_values)
        earlier = seen.get(key)
        if earlier:
            medians[row] = _median(earlier)
            counts[row] = len(earlier)
        if unit is not None and all(value is not None for value in key_values):
            pending.append((key, unit))
    return medians, counts


def _median(ordered: list[float]) -> float:
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _saved_medians(
    rows: pl.DataFrame, keys: tuple[str, ...], table: pl.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    if table is None:
        return np.full(rows.height, np.nan), np.zeros(rows.height, dtype=np.int64)
    joined = rows.select(ROW, *keys).join(table, on=list(keys), how="left").sort(ROW)
    medians = joined["median"].fill_null(math.nan).to_numpy()
    return medians, joined["count"].fill_null(0).to_numpy()


@dataclass(frozen=True)
class FeatureSpec:
    """Which features the model reads and the codes of its categorical features, fixed at training."""

    numeric: tuple[str, ...]
    categorical: dict[str, list[str]]  # column -> known values; the code of a value is its index

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def as_dict(self) -> dict[str, Any]:
        return {"numeric": list(self.numeric), "categorical": self.categorical}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(
            tuple(data["numeric"]), {name: list(values) for name, values in data["categorical"].items()}
        )


def row_columns(rows: pl.DataFrame, mapping: Mapping) -> tuple[list[str], list[str]]:
    """The numeric and categorical columns of the item itself that the mapping provides."""
    numeric = [name for name in (*ROW_NUMBERS, UNIT) if name in rows.columns] + mapping.extra_numeric
    categorical = [name for name in ROW_CATEGORIES if name in rows.columns] + mapping.extra_categorical
    return numeric, categorical


def history_columns(rows: pl.DataFrame) -> list[str]:
    names = []
    for group in available_groups(rows.columns):
        names += [f"{group}_n", f"{group}_rate"]
    names += [f"{role}_days_known" for role in KNOWN_SINCE if role in rows.columns]
    if UNIT in rows.columns:
        for level, keys in PRICE_LEVELS.items():
            if set(keys) <= set(rows.columns):
                names += [f"value_ratio_{level}", f"value_count_{level}"]
    return names


def build_spec(
    featured: pl.DataFrame, mapping: Mapping, exclude: Iterable[str] = (), min_count: int = 20
) -> FeatureSpec:
    """The feature list; a categorical value seen fewer than `min_count` times is coded as missing."""
    numeric, categorical = row_columns(featured, mapping)
    skipped = set(exclude)
    numeric = [name for name in [*numeric, *history_columns(featured)] if name not in skipped]
    vocab = {}
    for name in categorical:
        if name in skipped:
            continue
        counts = featured[name].drop_nulls().value_counts()
        vocab[name] = sorted(counts.filter(pl.col("count") >= min_count)[name].to_list())
    return FeatureSpec(tuple(numeric), vocab)


def matrix(featured: pl.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """The float matrix LightGBM reads: numeric columns as they are, categories as codes (NaN if unknown)."""
    columns = [featured[name].cast(pl.Float64).to_numpy() for name in spec.numeric]
    for name, values in spec.categorical.items():
        codes = {value: float(index) for index, value in enumerate(values)}
        columns.append(featured[name].replace_strict(codes, default=None, return_dtype=pl.Float64).to_numpy())
    return np.column_stack(columns) if columns else np.empty((featured.height, 0))
