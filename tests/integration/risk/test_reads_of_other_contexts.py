"""Risk reads declarations and registry data in bulk: each read takes a fixed number of SQL statements,
whatever the number of declarations, parties and control results (no statement per row)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations.ports import ItemFacts, SelectivityRequest
from douane.declarations.tables import ControlResultRow
from douane.identity.model import Actor, Role
from douane.kernel.money import Money
from douane.read_cache import reads_cached
from douane.risk.notices import service as notices
from douane.risk.notices.model import LiveNotice
from douane.risk.notices.service import NoticeDraft
from douane.risk.selection import feedback, monitoring
from douane.risk.tables import SelectivityDecisionRow
from douane.risk.targeting import backtest_service, indicators
from douane.risk.targeting.facts import ControlHistory, load_context
from douane.risk.targeting.indicators import Derivation
from tests.integration.risk.targeting.history import Line, Parties, at, declaration, parties

ANALYST = Actor(user_id=1, username="analyste", roles=frozenset({Role.RISK_ANALYST}))


@contextmanager
def _statements(ctx: Context) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # The read cache's own check is left out: on PostgreSQL it does not pass through SQLAlchemy.
        if "read_generations" not in statement:
            seen.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", count)


def _history(session: Session, who: Parties, copies: int) -> list[int]:
    """`copies` times: four declarations of two operators, two through the broker, controlled 0 to 2 times."""
    ids = []
    for copy in range(copies):
        day = 1 + copy % 9
        first = declaration(session, who, at(day), (Line(), Line(origin="FR")), broker=True,
                            control="discrepancy", recorded_at=at(day, hour=10))  # fmt: skip
        session.add(ControlResultRow(declaration_id=first.id, inspector_name="Inspecteur",
                                     outcome="no_discrepancy", recorded_at=at(day, hour=11)))  # fmt: skip
        second = declaration(session, who, at(day, hour=12), control="no_discrepancy")
        third = declaration(
            session, who, at(day, hour=13), operator_index=1, control="discrepancy", broker=True
        )
        fourth = declaration(session, who, at(day, hour=14), operator_index=1)
        for row in (first, second, third, fourth):
            row.released_at = at(day, hour=15)
            ids.append(row.id)
    session.flush()
    return ids


def _decisions(session: Session, declaration_ids: list[int]) -> None:
    session.add_all(
        SelectivityDecisionRow(
            declaration_id=declaration_id,
            office_code="16011",
            channel="red",
            reasons=[],
            source="rule",
            shares={},
            setting_id=None,
            draw_value=0,
            decided_at=at(5),
        )
        for declaration_id in declaration_ids
    )


def _request(who: Parties) -> SelectivityRequest:
    item = ItemFacts(
        number=1, line_code="8703231100", origin_country="DE", description="car", net_mass_kg=Decimal(1000),
        gross_mass_kg=Decimal(1100), customs_value_dzd=Money.of(1000000),
    )  # fmt: skip
    return SelectivityRequest(
        declaration_id=999_999, office_code="16011", regime="4000", operator_id=who.operator_ids[0],
        broker_id=who.broker_id, item_lines=("8703231100",), origin_countries=("DE",),
        total_customs_value=Money.of(1000000), registered_at=at(20), items=(item,),
    )  # fmt: skip


def _matched_notice(session: Session, ctx: Context, declaration_ids: list[int]) -> int:
    draft = NoticeDraft(issuing_service="intelligence", subject_kind="operator", subject="000000000000001",
                        channel="red", reason="information received")  # fmt: skip
    row = notices.issue(session, ctx.clock, draft, by=ANALYST)
    live = LiveNotice(id=row.id, number=row.number, subject_kind=row.subject_kind, subject=row.subject,
                      channel=row.channel, office_codes=frozenset(), valid_from=row.valid_from,
                      valid_to=None, status=row.status)  # fmt: skip
    for declaration_id in declaration_ids:
        notices.record_matches(session, ctx.clock, declaration_id, [live])
    return row.id


def _reads(ctx: Context, who: Parties, notice_id: int, out: Path) -> dict[str, Callable[[Session], Any]]:
    def context(session: Session) -> Any:
        with reads_cached(session):
            return load_context(session, _request(who))

    def backtest(session: Session) -> Any:
        history = backtest_service.stored_history(session, date(2026, 3, 1), date(2026, 3, 31))
        return [(d.controlled, d.discrepancy, d.items[0]["operator_controls"]) for d in history.declarations]

    def derivation(session: Session) -> Any:
        return indicators.derive(session, Derivation(date(2026, 3, 1), date(2026, 3, 31), min_observations=1))

    def outcomes(session: Session) -> Any:
        return sorted(match.control_outcome or "" for match in notices.matches_of(session, notice_id))

    def month(session: Session) -> Any:
        return monitoring.monthly(session, date(2026, 3, 1)).as_dict()["total"]

    def export(session: Session) -> Any:
        done = feedback.export_history(session, out, date(2026, 3, 1), date(2026, 3, 31))
        return done.declarations, done.rows, done.positives

    return {"context": context, "backtest": backtest, "derivation": derivation, "outcomes": outcomes,
            "month": month, "export": export}  # fmt: skip


def _counted(ctx: Context, tmp_path: Path, copies: int) -> dict[str, tuple[int, Any]]:
    with ctx.db.transaction() as session:
        who = parties(session, ctx.clock)
        ids = _history(session, who, copies)
        _decisions(session, ids)
        notice_id = _matched_notice(session, ctx, ids)
    counted = {}
    for name, read in _reads(ctx, who, notice_id, tmp_path / str(copies)).items():
        with ctx.db.transaction() as session, _statements(ctx) as seen:
            value = read(session)
        counted[name] = (len(seen), value)
    return counted


@pytest.mark.parametrize("copies", [1, 3])
def test_each_read_takes_the_same_few_statements_whatever_the_volume(
    ctx: Context, tmp_path: Path, copies: int
) -> None:
    counted = _counted(ctx, tmp_path, copies)
    statements = {name: count for name, (count, _) in counted.items()}
    assert statements == EXPECTED_STATEMENTS
    values = {name: value for name, (_, value) in counted.items()}
    assert values["context"].operator_history == ControlHistory(controls=2 * copies, discrepancies=copies)
    assert values["context"].broker_history == ControlHistory(controls=2 * copies, discrepancies=2 * copies)
    assert values["context"].broker_licence == "16-0001"
    assert values["context"].operator_registered_on == date(2025, 1, 1)
    # the first declaration's last result found nothing, the third's a discrepancy; the second and the fourth
    # see the control of their operator's earlier declaration that day
    assert values["backtest"][:4] == [(True, False, 0), (True, False, 1), (True, True, 0), (False, False, 1)]
    assert values["outcomes"] == sorted(["no_discrepancy", "no_discrepancy", "discrepancy", ""] * copies)
    assert values["month"] == {"decided": 4 * copies, "controlled": 3 * copies, "discrepancies": copies,
                               "precision": round(1 / 3, 4)}  # fmt: skip
    assert values["export"] == (3 * copies, 4 * copies, copies)  # declarations, rows, positives
    assert [(p.hs6, p.origin, p.observations) for p in values["derivation"]] == [
        ("870323", "DE", 3 * copies),  # the third's value was not corrected: left out
        ("870323", "FR", copies),
    ]


# The stored backtest and the export no longer read the declarations' documents they never used.
EXPECTED_STATEMENTS = {"context": 5, "backtest": 8, "derivation": 4, "outcomes": 2, "month": 2, "export": 2}
