"""History features see only the past: a constructed history where any leak would show, and does not.

Each importer declares three items on one day and three on a later day, and all items of a day share one
label drawn at random. Labels of the same day, or of the later day, would therefore give a feature equal to
the row's own label; labels of the earlier day say nothing about it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import polars as pl

from douane.risk.learning import features as ft

IMPORTERS = 400


def _history() -> pl.DataFrame:
    rng = random.Random(11)
    records = []
    for importer in range(IMPORTERS):
        first = date(2024, 1, 1) + timedelta(days=rng.randrange(100))
        for day in (first, first + timedelta(days=rng.randrange(1, 60))):
            label = rng.randrange(2)
            price = 100.0 if label else 10.0  # an offence shows as a high unit price that day
            for _ in range(3):
                records.append({"importer": f"I{importer}", "hs6": "851712", "date": day, "label": label,
                                "price": price, "net_mass": 1.0})  # fmt: skip
    rng.shuffle(records)  # file order must not matter either
    return pl.DataFrame(records).with_columns(pl.col("label").cast(pl.Int8))


def test_a_row_sees_only_the_labels_of_earlier_days() -> None:
    rows = ft.prepare(_history())
    featured = ft.history_features(rows, ft.HistoryState.from_history(rows), fresh=True)
    first_day = featured.group_by("importer").agg(pl.col("date").min().alias("first"))
    checked = featured.join(first_day, on="importer")
    on_first = checked.filter(pl.col("date") == pl.col("first"))
    later = checked.filter(pl.col("date") > pl.col("first"))
    assert on_first["importer_n"].to_list() == [0] * on_first.height
    assert later["importer_n"].to_list() == [3] * later.height


def test_no_history_feature_follows_the_rows_own_label() -> None:
    rows = ft.prepare(_history())
    featured = ft.history_features(rows, ft.HistoryState.from_history(rows), fresh=True)
    # the value indicator is the median of earlier unit prices: the row's own price minus the ratio
    featured = featured.with_columns((pl.col(ft.UNIT) - pl.col("value_ratio_hs6")).alias("indicator"))
    labels = featured["label"].to_numpy().astype(float)
    for name in ("importer_rate", "hs6_rate", "importer_hs6_rate", "indicator"):
        values = featured[name].to_numpy().astype(float)
        known = ~np.isnan(values)
        correlation = np.corrcoef(values[known], labels[known])[0, 1]
        assert abs(correlation) < 0.15, (name, correlation)


def test_a_same_day_or_whole_period_rate_would_have_given_the_label_away() -> None:
    """The control: on the same data a leaky aggregate predicts perfectly, so the test above can fail."""
    rows = _history()
    leaky = rows.with_columns(pl.col("label").mean().over("importer", "date").alias("same_day_rate"))
    assert (leaky["same_day_rate"] == leaky["label"].cast(pl.Float64)).all()


def test_scoring_later_rows_reads_the_saved_history_not_their_labels() -> None:
    history = ft.prepare(_history())
    state = ft.HistoryState.from_history(history)
    later = ft.prepare(_history().with_columns(pl.col("date") + timedelta(days=400)))
    flipped = later.with_columns((1 - pl.col("label")).cast(pl.Int8).alias("label"))
    unlabelled = later.drop("label")
    names = ["importer_n", "importer_rate", "hs6_rate", "value_ratio_hs6"]
    seen = ft.history_features(later, state, fresh=False).select(names)
    assert seen.equals(ft.history_features(flipped, state, fresh=False).select(names))
    assert seen.equals(ft.history_features(unlabelled, state, fresh=False).select(names))
    assert seen["importer_n"].to_list() == [6] * later.height
