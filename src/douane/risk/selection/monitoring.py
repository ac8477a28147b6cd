"""Monthly monitoring: how the month's selections fared at control, per channel, source and rule, and drift.

Reads the month's channel decisions with their risk evaluations and the latest control result of each
declaration (the declarations' control results are the labels). Drift compares this month's scores of the
active model with its training distribution (`score_distribution` in the model's metadata: bin `edges` and
`shares`), else with the previous month's scores of the same model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.declarations import history_service as declarations
from douane.kernel.clock import start_of_local_day
from douane.kernel.errors import InvalidInput
from douane.risk.models import service as models
from douane.risk.selection.figures import SCORE_BINS, Figures, Selection, drift_verdict, histogram, psi, tally
from douane.risk.tables import RiskEvaluationRow, SelectivityDecisionRow


@dataclass(frozen=True)
class Drift:
    value: float | None
    reference: str  # training, previous_month, none
    model_version: str | None
    scores: int

    @property
    def verdict(self) -> str:
        return drift_verdict(self.value)


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    office_code: str | None
    figures: Figures
    drift: Drift

    def as_dict(self) -> dict[str, Any]:
        figures = self.figures
        return {
            "month": self.month.isoformat()[:7],
            "office": self.office_code,
            "total": figures.total.as_dict(),
            "by_channel": {k: v.as_dict() for k, v in sorted(figures.by_channel.items())},
            "by_source": {k: v.as_dict() for k, v in sorted(figures.by_source.items())},
            "by_rule": {k: v.as_dict() for k, v in sorted(figures.by_rule.items())},
            "exploration": figures.exploration.as_dict(),
            "drift": {
                "psi": self.drift.value, "reference": self.drift.reference, "verdict": self.drift.verdict,
                "model_version": self.drift.model_version, "scores": self.drift.scores,
            },
        }  # fmt: skip


FIRST_MONTH = date(1900, 1, 1)
LAST_MONTH = date(9998, 12, 1)  # its next month must still be a date


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_from(text: str) -> date:
    """The first day of the month written YYYY-MM; InvalidInput when malformed or out of range."""
    try:
        month = date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        month = None
    return check_month(month)


def check_month(month: date | None) -> date:
    if month is None or not FIRST_MONTH <= first_of_month(month) <= LAST_MONTH:
        raise InvalidInput(
            "risk.bad_month", "A month is written YYYY-MM, from {first} to {last}",
            first=FIRST_MONTH.isoformat()[:7], last=LAST_MONTH.isoformat()[:7],
        )  # fmt: skip
    return first_of_month(month)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def monthly(session: Session, month: date, office_code: str | None = None) -> MonthlyReport:
    start = check_month(month)
    chosen = selections(session, start, next_month(start), office_code)
    return MonthlyReport(start, office_code, tally(chosen), _drift(session, start, office_code, chosen))


def selections(session: Session, start: date, end: date, office_code: str | None = None) -> list[Selection]:
    """Decisions taken from `start` (included) to `end` (excluded), Algerian days, with their outcomes."""
    last_control = declarations.last_control_outcome_subquery()
    decision = SelectivityDecisionRow
    query = (
        select(
            decision.declaration_id, decision.channel, decision.source, last_control.c.outcome,
            RiskEvaluationRow.rule_hits, RiskEvaluationRow.score, RiskEvaluationRow.model_version,
            RiskEvaluationRow.exploration,
        )
        .outerjoin(RiskEvaluationRow, RiskEvaluationRow.declaration_id == decision.declaration_id)
        .outerjoin(last_control, last_control.c.declaration_id == decision.declaration_id)
        .where(decision.decided_at >= start_of_local_day(start))
        .where(decision.decided_at < start_of_local_day(end))
        .order_by(decision.id)
    )  # fmt: skip
    if office_code:
        query = query.where(decision.office_code == office_code)
    return [_selection(row) for row in session.execute(query)]


def _selection(row: Any) -> Selection:
    codes = tuple(str(hit.get("code")) for hit in (row.rule_hits or ()) if isinstance(hit, dict))
    return Selection(
        declaration_id=row.declaration_id, channel=row.channel, source=row.source, outcome=row.outcome,
        rule_codes=codes, score=row.score, exploration=bool(row.exploration),
    )  # fmt: skip


def _drift(session: Session, month: date, office_code: str | None, chosen: list[Selection]) -> Drift:
    active = models.active_model(session)
    if active is None:
        return Drift(None, "none", None, 0)
    scores = _model_scores(session, month, next_month(month), office_code, active.version)
    if not scores:  # nothing scored yet this month: no drift to measure (not "shifted")
        return Drift(None, "none", active.version, 0)
    reference = _training_distribution(active.score_distribution)
    if reference is not None:
        edges, expected = reference
        return Drift(psi(histogram(scores, edges), expected), "training", active.version, len(scores))
    before = _model_scores(session, previous_month(month), month, office_code, active.version)
    if not before:
        return Drift(None, "none", active.version, len(scores))
    value = psi(histogram(scores, SCORE_BINS), histogram(before, SCORE_BINS))
    return Drift(value, "previous_month", active.version, len(scores))


def _model_scores(
    session: Session, start: date, end: date, office_code: str | None, version: str
) -> list[float]:
    query = select(RiskEvaluationRow.score).where(
        RiskEvaluationRow.model_version == version,
        RiskEvaluationRow.score.is_not(None),
        RiskEvaluationRow.evaluated_at >= start_of_local_day(start),
        RiskEvaluationRow.evaluated_at < start_of_local_day(end),
    )
    if office_code:
        decided_here = select(SelectivityDecisionRow.declaration_id).where(
            SelectivityDecisionRow.office_code == office_code
        )
        query = query.where(RiskEvaluationRow.declaration_id.in_(decided_here))
    return [float(score) for score in session.scalars(query) if score is not None]


def _training_distribution(data: Mapping[str, Any] | None) -> tuple[list[float], list[float]] | None:
    """(edges, shares) from the model's metadata, when they are well formed."""
    if not data:
        return None
    try:
        edges = [float(v) for v in data["edges"]]
        shares = [float(v) for v in data["shares"]]
    except (KeyError, TypeError, ValueError):
        return None
    if len(edges) != len(shares) + 1 or len(shares) < 2:
        return None
    return edges, shares
