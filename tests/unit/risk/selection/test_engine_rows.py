"""The engine queues its decision and evaluation as plain column values: exactly what `column_values` gives
for the same row built as an ORM instance (every column but the key, in the table's order)."""

from datetime import UTC, date, datetime

from douane.db import column_values
from douane.declarations.ports import SelectivityRequest
from douane.kernel.clock import FixedClock
from douane.risk.model import Channel, ChannelDraw, ChannelShares
from douane.risk.notices.model import LiveNotice
from douane.risk.selection import engine
from douane.risk.selection.policy import ModelScore, OfficeSettings, RuleHit, Signals, Verdict
from douane.risk.service import SharesInForce
from douane.risk.tables import RiskEvaluationRow, SelectivityDecisionRow

NOON = datetime(2026, 3, 15, 11, 0, tzinfo=UTC)
REQUEST = SelectivityRequest(
    declaration_id=7, office_code="16011", regime="IM4", operator_id=None, broker_id=None, item_lines=(),
    origin_countries=(), total_customs_value=None, registered_at=NOON,
)  # fmt: skip
VERDICT = Verdict("red", "rule", ("rule R-1 v1 (cars): red", "notice AC-2026-000001 on operator X: red"))
SHARES = SharesInForce(ChannelShares(60, 20, 15, 5), "16011", 3, date(2026, 1, 1), "analyst", NOON)
HIT = RuleHit(rule_id=1, code="R-1", version=2, name="cars", action="red", priority=10)
NOTICE = LiveNotice(4, "AC-2026-000001", "operator", "X", "red", frozenset(), date(2026, 1, 1), None)


def _signals(model: ModelScore | None) -> Signals:
    return Signals(
        drawn=ChannelDraw(Channel.GREEN, 42), shares_text="shares", exploring=True,
        settings=OfficeSettings("16011"), rules=(HIT,), model=model,
    )  # fmt: skip


def test_the_decision_row_holds_what_the_orm_row_would_write() -> None:
    row = engine._decision(FixedClock(NOON), REQUEST, VERDICT, SHARES, ChannelDraw(Channel.GREEN, 42))
    expected = SelectivityDecisionRow(
        declaration_id=7, office_code="16011", channel="red", reasons=list(VERDICT.reasons), source="rule",
        shares={"green": 60, "yellow": 20, "red": 15, "blue": 5}, setting_id=3, draw_value=42,
        decided_at=NOON,
    )  # fmt: skip
    assert list(row.items()) == list(column_values(expected).items())


def test_the_evaluation_row_holds_what_the_orm_row_would_write() -> None:
    for model in (None, ModelScore("m-1", 0.73, (("hs6", 0.2), ("origin", -0.1)))):
        features = model.top_features if model else ()
        row = engine._evaluation(FixedClock(NOON), REQUEST, VERDICT, _signals(model), [NOTICE])
        expected = RiskEvaluationRow(
            declaration_id=7, rule_hits=[HIT.as_dict()], notice_ids=[4],
            score=None if model is None else model.score, model_version=None if model is None else "m-1",
            explanation=[{"feature": name, "contribution": value} for name, value in features],
            exploration=True, channel="red", evaluated_at=NOON,
        )  # fmt: skip
        assert list(row.items()) == list(column_values(expected).items())
