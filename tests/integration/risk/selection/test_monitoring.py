"""Monthly monitoring and the labelled export on a constructed history, on both engines."""

from __future__ import annotations

import csv
import json
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations import lodging
from douane.declarations.tables import ControlResultRow, DeclarationItemRow
from douane.risk.models import service as models
from douane.risk.selection import feedback, monitoring
from douane.risk.tables import RiskEvaluationRow, SelectivityDecisionRow
from tests.integration.declarations import fixtures

MARCH = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 20, 10, 0, tzinfo=UTC)

# (channel, source, outcome, rule codes, model score)
HISTORY: list[tuple[str, str, str | None, tuple[str, ...], float]] = [
    ("red", "score", "discrepancy", ("R-2",), 0.9),
    ("red", "score", "discrepancy", ("R-2",), 0.8),
    ("red", "score", "no_discrepancy", (), 0.7),
    ("red", "score", None, (), 0.95),
    ("red", "notice", "discrepancy", (), 0.6),
    ("red", "notice", "no_discrepancy", (), 0.55),
    ("yellow", "rule", "no_discrepancy", ("R-1",), 0.3),
    ("green", "exploration", None, (), 0.2),
    ("red", "exploration", "discrepancy", (), 0.65),
    ("green", "default-shares", None, (), 0.75),
]


def _lodged(ctx: Context, count: int) -> list[int]:
    demo = fixtures.load(ctx)
    contents = [fixtures.import_declaration(demo.operator_nif) for _ in range(count)]
    with ctx.db.transaction() as session:
        outcomes = lodging.lodge_many(
            session, ctx.clock, demo.broker, contents, selectivity=fixtures.FixedSelectivity("green")
        )
        return [outcome.row.id for outcome in outcomes if outcome.row is not None]


def _decided(session: Session, declaration_id: int, at: datetime, channel: str, source: str,
             office: str = "16011", rules: tuple[str, ...] = (),
             score: float | None = None) -> None:  # fmt: skip
    session.add(SelectivityDecisionRow(
        declaration_id=declaration_id, office_code=office, channel=channel, reasons=[], source=source,
        shares={}, setting_id=None, draw_value=0, decided_at=at,
    ))  # fmt: skip
    session.add(RiskEvaluationRow(
        declaration_id=declaration_id, rule_hits=[{"code": code} for code in rules], notice_ids=[],
        score=score, model_version="m-2026-02", explanation=[], exploration=source == "exploration",
        channel=channel, evaluated_at=at,
    ))  # fmt: skip


def _controlled(
    session: Session, declaration_id: int, outcome: str, amendments: list[dict[str, Any]] | None = None
) -> None:
    session.add(ControlResultRow(
        declaration_id=declaration_id, inspector_name="inspector", recorded_at=MARCH, outcome=outcome,
        discrepancy_type="value" if outcome == "discrepancy" else None, item_amendments=amendments,
    ))  # fmt: skip


def _model(ctx: Context, tmp_path: Path, distribution: dict[str, Any] | None) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    metadata: dict[str, Any] = {"version": "m-2026-02", "rows": 1000, "metrics": {"precision_top_5": 0.9}}
    if distribution:
        metadata["score_distribution"] = distribution
    (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    with ctx.db.transaction() as session:
        model = models.register(session, ctx.clock, folder)
        models.activate(session, ctx.clock, model.id)


@pytest.fixture
def history(ctx: Context) -> list[int]:
    ids = _lodged(ctx, len(HISTORY) + 2)
    with ctx.db.transaction() as session:
        for declaration_id, (channel, source, outcome, rules, score) in zip(ids, HISTORY, strict=False):
            _decided(session, declaration_id, MARCH, channel, source, rules=rules, score=score)
            if outcome is not None:
                _controlled(session, declaration_id, outcome)
        _decided(session, ids[-2], FEBRUARY, "red", "score", score=0.1)  # last month
        _decided(session, ids[-1], MARCH, "red", "score", office="31011", score=0.1)  # another office
        _controlled(session, ids[-2], "discrepancy")
        _controlled(session, ids[-1], "discrepancy")
    return ids


def test_monthly_precision_per_channel_source_and_rule(ctx: Context, history: list[int]) -> None:
    with ctx.db.transaction() as session:
        report = monitoring.monthly(session, date(2026, 3, 1), "16011").as_dict()
    assert report["total"] == {"decided": 10, "controlled": 7, "discrepancies": 4, "precision": 0.5714}
    assert report["by_channel"]["red"] == {
        "decided": 7,
        "controlled": 6,
        "discrepancies": 4,
        "precision": 0.6667,
    }
    assert report["by_channel"]["green"]["precision"] is None
    assert report["by_source"]["score"] == {
        "decided": 4,
        "controlled": 3,
        "discrepancies": 2,
        "precision": 0.6667,
    }
    assert report["by_source"]["notice"]["precision"] == 0.5
    assert report["by_source"]["rule"]["precision"] == 0.0
    assert report["by_source"]["exploration"] == {
        "decided": 2,
        "controlled": 1,
        "discrepancies": 1,
        "precision": 1.0,
    }
    assert report["by_source"]["shares"]["decided"] == 1
    assert report["by_rule"] == {
        "R-1": {"decided": 1, "controlled": 1, "discrepancies": 0, "precision": 0.0},
        "R-2": {"decided": 2, "controlled": 2, "discrepancies": 2, "precision": 1.0},
    }
    assert report["drift"]["reference"] == "none"
    with ctx.db.transaction() as session:
        national = monitoring.monthly(session, date(2026, 3, 1)).as_dict()
    assert national["total"]["decided"] == 11


def test_drift_against_the_training_distribution(ctx: Context, history: list[int], tmp_path: Path) -> None:
    _model(ctx, tmp_path, {"edges": [0, 0.5, 1], "shares": [0.5, 0.5]})
    with ctx.db.transaction() as session:
        drift = monitoring.monthly(session, date(2026, 3, 1), "16011").drift
    # 8 of the 10 scores are at or above 0.5: PSI = -0.3 ln(0.2/0.5) + 0.3 ln(0.8/0.5)
    assert (drift.reference, drift.scores, drift.value, drift.verdict) == ("training", 10, 0.4159, "shifted")


def test_a_month_with_no_scores_shows_no_drift_rather_than_a_shift(
    ctx: Context, history: list[int], tmp_path: Path
) -> None:
    _model(ctx, tmp_path, {"edges": [0, 0.5, 1], "shares": [0.5, 0.5]})
    with ctx.db.transaction() as session:
        drift = monitoring.monthly(session, date(2026, 4, 1), "16011").drift
    assert (drift.value, drift.scores) == (None, 0) and drift.verdict != "shifted"


def test_drift_against_the_previous_month_without_training_distribution(
    ctx: Context, history: list[int], tmp_path: Path
) -> None:
    _model(ctx, tmp_path, None)
    with ctx.db.transaction() as session:
        drift = monitoring.monthly(session, date(2026, 3, 1), "16011").drift
    assert (drift.reference, drift.scores) == ("previous_month", 10)
    assert drift.value is not None and drift.value > 1


def test_the_export_labels_controlled_declarations_with_items_as_declared(
    ctx: Context, history: list[int], tmp_path: Path
) -> None:
    first = history[0]
    with ctx.db.transaction() as session:
        item = session.query(DeclarationItemRow).filter_by(declaration_id=first, number=1).one()
        item.net_mass_kg = item.net_mass_kg * 2  # the inspector weighed it
        result = session.query(ControlResultRow).filter_by(declaration_id=first).one()
        result.item_amendments = [
            {"item": 1, "field": "net_mass_kg", "from": "100", "to": "200", "reason": "weighed"}
        ]
    with ctx.db.transaction() as session:
        export = feedback.export_history(session, tmp_path / "history")
    assert (export.declarations, export.rows, export.positives) == (9, 27, 6)
    rows = list(csv.DictReader(export.csv_path.open(encoding="utf-8")))
    first_item = next(r for r in rows if r["net_mass"] == "100" and r["label"] == "1")
    assert first_item["hs6"] == "847130" and first_item["importer"]
    assert all(r["net_mass"] != "200" for r in rows)
    mapping = tomllib.loads(export.mapping_path.read_text(encoding="utf-8"))
    assert mapping["label"]["column"] == "label" and mapping["columns"]["importer"] == "importer"
    from douane.risk.learning.mapping import mapping_from_dict

    assert mapping_from_dict(mapping).label == "label"
