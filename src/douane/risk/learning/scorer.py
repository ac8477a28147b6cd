"""Scoring with a saved model: one declaration item at lodging (fast), or a batch.

`score_one` builds the feature vector from in-memory lookups of the saved history (no data frame), asks
LightGBM only for the leaf each tree sends the row to, and sums precomputed leaf values and path
attributions: one native call, a few tens of microseconds. Its explanation attributes each tree's output to
the features split on along the row's path (path attribution); `explain` on a batch gives the exact
SHAP contributions of LightGBM (`pred_contrib`), slower, for analysts.
"""

from __future__ import annotations

import ctypes
import math
import threading
from collections.abc import Mapping as MappingType
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from lightgbm.basic import _LIB, _safe_call

from douane.kernel.errors import InvalidInput
from douane.risk.learning import features as ft
from douane.risk.learning import store
from douane.risk.learning.mapping import EXTRA_PREFIX

TOP_FEATURES = 5


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: float | str | None  # the row's value of the feature
    effect: float  # change in log-odds of an offence due to this feature; positive means riskier


@dataclass(frozen=True)
class Scored:
    score: float  # probability of an offence, from 0 to 1
    contributions: list[Contribution]  # the largest effects first

    @property
    def top_features(self) -> list[tuple[str, float]]:
        """(feature, effect) pairs, largest effect first: what a selectivity decision records."""
        return [(item.feature, item.effect) for item in self.contributions]


class Scorer:
    def __init__(self, model: store.StoredModel) -> None:
        self.model = model
        self.spec = model.spec
        self.names = model.spec.names
        self.groups = {name: keys for name, keys in ft.GROUPS.items() if f"{name}_rate" in self.names}
        state = model.state
        self._rates = {
            name: _lookup(table, ft.GROUPS[name], ("n", "pos")) for name, table in state.rates.items()
        }
        self._known = {role: _lookup(table, (role,), ("first",)) for role, table in state.known_since.items()}
        self._prices = {
            level: _lookup(table, ft.PRICE_LEVELS[level], ("median", "count"))
            for level, table in state.prices.items()
        }
        self._codes = {name: {value: float(i) for i, value in enumerate(values)}
                       for name, values in model.spec.categorical.items()}  # fmt: skip
        self._extras = {
            name: EXTRA_PREFIX + name for name in (*model.mapping.categorical, *model.mapping.numeric)
        }
        self._textual = {*ft.TEXT_ROLES, *model.mapping.categorical}
        self._numbers = [*ft.ROW_NUMBERS, *model.mapping.extra_numeric]
        self._group_plan = [(name, keys, self._rates.get(name, {})) for name, keys in self.groups.items()]
        self._price_plan = [(level, ft.PRICE_LEVELS[level], prices) for level, prices in self._prices.items()]
        leaf_values, paths = _tree_tables(model.booster.dump_model(), len(self.names))
        trees, most_leaves = leaf_values.shape
        self._leaf_values = leaf_values.reshape(-1)
        self._paths = paths.reshape(trees * most_leaves, -1)
        self._cell_of_tree = np.arange(trees) * most_leaves
        self._ones = np.ones(trees, dtype=np.float32)
        self._leaves = LeafReader(model.booster, len(self.names))

    @classmethod
    def load(cls, directory: Path) -> Scorer:
        return cls(store.load(directory))

    @property
    def version(self) -> str:
        return self.model.version

    # One declaration item ------------------------------------------------------------------------------

    def score_one(self, fields: MappingType[str, Any], top: int = TOP_FEATURES) -> Scored:
        """`fields` by role name (importer, hs6, origin, net_mass, ...; extras by their input column name);
        `date` defaults to today (UTC)."""
        vector = self.vector(fields)
        cells = self._cell_of_tree + self._leaves.of(vector)  # (tree, leaf) as one index
        raw = float(self._leaf_values.take(cells).sum())
        effects = self._ones @ self._paths.take(cells, axis=0)
        return Scored(_sigmoid(raw), self._top(effects, vector, top))

    def score_riskiest(
        self, items: Sequence[MappingType[str, Any]], top: int = TOP_FEATURES
    ) -> tuple[int, Scored]:
        """The riskiest of a declaration's items: its index, score and explanation. Every item goes through
        the trees in one call; only the riskiest one is explained."""
        if len(items) == 1:
            return 0, self.score_one(items[0], top)
        vectors = np.vstack([self.vector(item) for item in items])
        leaves = np.asarray(self.model.booster.predict(vectors, pred_leaf=True, num_threads=1), dtype=np.intp)
        cells = self._cell_of_tree + leaves  # (item, tree) -> index of (tree, leaf)
        raw = self._leaf_values.take(cells).sum(axis=1)
        riskiest = int(np.argmax(raw))
        effects = self._ones @ self._paths.take(cells[riskiest], axis=0)
        return riskiest, Scored(_sigmoid(float(raw[riskiest])), self._top(effects, vectors[riskiest], top))

    def vector(self, fields: MappingType[str, Any]) -> np.ndarray:
        """The feature values of one item, in the model's order; the same as the batch path gives."""
        row = self._normalised(fields)
        get = row.get
        values: dict[str, float] = {name: _number(get(name)) for name in self._numbers}
        unit = values[ft.UNIT] = _log_unit(get("price"), get("net_mass"))
        prior_weight = ft.SMOOTHING * self.model.state.prior
        for name, keys, counts in self._group_plan:
            key = tuple([get(part) for part in keys])
            n, pos = counts.get(key, (0, 0))
            values[name + "_n"] = n
            values[name + "_rate"] = (pos + prior_weight) / (n + ft.SMOOTHING)
        day = row["date"]
        for role, known in self._known.items():
            party = get(role)
            first = known.get((party,))
            days = max(0, (day - first[0]).days) if first is not None else 0
            values[role + "_days_known"] = math.nan if party is None else days
        for level, keys, prices in self._price_plan:
            median, count = prices.get(tuple([get(part) for part in keys]), (math.nan, 0))
            values["value_ratio_" + level] = unit - median
            values["value_count_" + level] = count
        codes = self._codes
        vector = [values.get(name, math.nan) for name in self.spec.numeric]
        vector += [codes[name].get(str(get(name)), math.nan) for name in self.spec.categorical]
        return np.array(vector, dtype=np.float64)

    def _normalised(self, fields: MappingType[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, value in fields.items():
            if isinstance(value, str):
                value = value.strip() or None
            elif isinstance(value, int | float) and name in self._textual:
                value = _as_text(value)
            row[self._extras.get(name, name)] = value
        if row.get("hs6") is not None:
            hs6 = str(row["hs6"]).zfill(6)
            row.update(hs6=hs6, hs4=hs6[:4], hs2=hs6[:2])
        for role in ft.ROW_NUMBERS:  # numbers are keys too (tax rate, consignment): read as the batch reads
            if row.get(role) is not None:
                number = _number(row[role])
                row[role] = None if math.isnan(number) else number
        row["date"] = _day(row.get("date"))
        return row

    def _top(self, effects: np.ndarray, vector: np.ndarray, top: int) -> list[Contribution]:
        order = np.argsort(-np.abs(effects))[:top]
        return [
            Contribution(self.names[i], self._shown(i, vector[i]), round(float(effects[i]), 4)) for i in order
        ]

    def _shown(self, index: int, value: float) -> float | str | None:
        name = self.names[index]
        if math.isnan(value):
            return None
        if name in self.spec.categorical:
            return self.spec.categorical[name][int(value)]
        return round(float(value), 6)

    # Batches --------------------------------------------------------------------------------------------

    def features(self, rows: pl.DataFrame) -> pl.DataFrame:
        """History features of `rows` (columns by role, as `read_declarations` gives), frozen at training."""
        return ft.history_features(ft.prepare(rows), self.model.state, fresh=False)

    def score_frame(self, rows: pl.DataFrame) -> np.ndarray:
        self._check_fields(rows.columns)
        featured = self.features(rows)
        return np.asarray(self.model.booster.predict(ft.matrix(featured, self.spec)))

    def _check_fields(self, columns: Sequence[str]) -> None:
        """The fields the model was trained with must all be given (extras under their input names)."""
        mapping = self.model.mapping
        needed = {role: role for role in mapping.columns}
        needed.update({EXTRA_PREFIX + name: name for name in (*mapping.categorical, *mapping.numeric)})
        for column, shown in needed.items():
            if column not in columns:
                raise InvalidInput(
                    "risk.input_field_missing",
                    "The model reads the field {field}, which the mapping does not give",
                    field=shown,
                )

    def score_many(self, items: Sequence[MappingType[str, Any]]) -> list[float]:
        return [self.score_one(item, top=0).score for item in items]

    def explain(self, rows: pl.DataFrame, top: int = TOP_FEATURES) -> list[Scored]:
        """Scores with their exact top contributions (TreeSHAP), row by row in input order."""
        featured = self.features(rows)
        values = ft.matrix(featured, self.spec)
        contributions = np.asarray(self.model.booster.predict(values, pred_contrib=True))
        results = []
        for row_values, row_effects in zip(values, contributions, strict=True):
            raw = float(row_effects.sum())
            results.append(Scored(_sigmoid(raw), self._top(row_effects[:-1], row_values, top)))
        return results


PREDICT_LEAF_INDEX = 2  # LightGBM C API constants
DTYPE_FLOAT64 = 1


class LeafReader:
    """The leaf each tree sends one row to, through LightGBM's single-row fast path.

    The Python `Booster.predict` re-validates its arguments on every call, which costs more than the trees
    themselves for one row. The fast path is set up once; its buffers are shared, hence the lock.
    """

    def __init__(self, booster: lgb.Booster, feature_count: int) -> None:
        self._booster = booster  # keeps the native booster alive as long as the fast configuration
        self._trees = booster.num_trees()
        self._out = np.zeros(self._trees, dtype=np.float64)
        self._out_len = ctypes.c_int64(0)
        self._config = ctypes.c_void_p()
        self._lock = threading.Lock()
        _safe_call(
            _LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
                booster._handle, ctypes.c_int(PREDICT_LEAF_INDEX), ctypes.c_int(0), ctypes.c_int(-1),
                ctypes.c_int(DTYPE_FLOAT64), ctypes.c_int32(feature_count), ctypes.c_char_p(b"num_threads=1"),
                ctypes.byref(self._config),
            )
        )  # fmt: skip

    def of(self, vector: np.ndarray) -> np.ndarray:
        row = np.ascontiguousarray(vector, dtype=np.float64)
        with self._lock:
            _safe_call(
                _LIB.LGBM_BoosterPredictForMatSingleRowFast(
                    self._config, row.ctypes.data_as(ctypes.c_void_p), ctypes.byref(self._out_len),
                    self._out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                )
            )  # fmt: skip
            return self._out.astype(np.intp)

    def __del__(self) -> None:
        if getattr(self, "_config", None):
            _LIB.LGBM_FastConfigFree(self._config)


def _lookup(
    table: pl.DataFrame, keys: Sequence[str], values: Sequence[str]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = table.select(*keys, *values).iter_rows()
    width = len(keys)
    return {tuple(row[:width]): tuple(row[width:]) for row in rows}


def _tree_tables(dump: dict[str, Any], feature_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per tree and leaf: the leaf's output, and how the path to it moves the output per split feature."""
    trees = dump["tree_info"]
    most_leaves = max(tree["num_leaves"] for tree in trees)
    leaf_values = np.zeros((len(trees), most_leaves))
    paths = np.zeros((len(trees), most_leaves, feature_count), dtype=np.float32)
    for index, tree in enumerate(trees):
        _walk(tree["tree_structure"], index, np.zeros(feature_count), leaf_values, paths)
    return leaf_values, paths


def _walk(
    node: dict[str, Any], tree: int, path: np.ndarray, leaf_values: np.ndarray, paths: np.ndarray
) -> None:
    if "leaf_value" in node:
        leaf = int(node.get("leaf_index", 0))
        leaf_values[tree, leaf] = node["leaf_value"]
        paths[tree, leaf] = path
        return
    for side in ("left_child", "right_child"):
        child = node[side]
        child_value = child.get("internal_value", child.get("leaf_value"))
        step = path.copy()
        step[node["split_feature"]] += child_value - node["internal_value"]
        _walk(child, tree, step, leaf_values, paths)


def _day(value: Any) -> date:
    """The item's day from a date, a datetime or an ISO text; today (UTC) when absent or unreadable."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    return datetime.now(UTC).date()


def _sigmoid(raw: float) -> float:
    return 1.0 / (1.0 + math.exp(-raw))


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _as_text(value: float) -> str:
    """A number given for a text field, written as an export would (30 and 30.0 both give "30")."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _log_unit(price: Any, net_mass: Any) -> float:
    amount, mass = _number(price), _number(net_mass)
    return math.log(amount / mass) if amount > 0 and mass > 0 else math.nan
