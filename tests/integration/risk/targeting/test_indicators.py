"""Value indicators: set by an analyst with effective dates, derived from accepted history, CSV both ways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from douane.bootstrap import Context
from douane.declarations.tables import ControlResultRow
from douane.identity.model import Actor, Role
from douane.kernel.errors import Conflict, ImportRejected, InvalidInput
from douane.risk.targeting import indicators
from douane.risk.targeting.indicators import Derivation
from tests.integration.risk.targeting.history import Line, at, declaration, parties

ANALYST = Actor(user_id=1, username="analyste", roles=frozenset({Role.RISK_ANALYST}))


def _set(session, ctx: Context, value: str, start: date, origin: str | None = "DE"):  # type: ignore[no-untyped-def]
    return indicators.set_indicator(session, ctx.clock, hs6="870323", origin=origin,
                                    dinars_per_kg=Decimal(value), valid_from=start, by=ANALYST)  # fmt: skip


def test_a_new_indicator_closes_the_one_in_force_and_stops_before_a_scheduled_one(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        with pytest.raises(InvalidInput) as past:
            _set(session, ctx, "1400", date(2026, 3, 14))  # the day before the clock's
        assert past.value.code == "indicators.in_the_past"
        first = _set(session, ctx, "1500", date(2026, 3, 15))
        later = _set(session, ctx, "1800", date(2026, 7, 1))
        middle = _set(session, ctx, "1600.505", date(2026, 4, 1))
        assert (first.valid_to, middle.valid_to, later.valid_to) == (
            date(2026, 3, 31),
            date(2026, 6, 30),
            None,
        )
        assert middle.centimes_per_kg == 160050  # half-even to the centime
        with pytest.raises(Conflict):
            _set(session, ctx, "1700", date(2026, 4, 1))
        in_force, total = indicators.list_indicators(session, on=date(2026, 5, 1))
        assert total == 1 and in_force[0].id == middle.id


def test_derivation_proposes_the_median_of_accepted_history_and_the_analyst_accepts(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        who = parties(session, ctx.clock)
        values = ["1000", "2000", "3000", "4000", "100000"]  # per kg, 1 kg each: median 3000
        for day, value in enumerate(values, start=1):
            row = declaration(session, who, at(day), (Line(value=value, mass="1"),))
            row.released_at = at(day, hour=12)
        refused = declaration(session, who, at(8), (Line(value="1", mass="1"),), control="discrepancy")
        refused.released_at = at(8, hour=12)  # origin discrepancy: its value was not what was checked
        corrected = declaration(session, who, at(9), (Line(value="5000", mass="1"),))
        corrected.released_at = at(9, hour=12)
        session.add(ControlResultRow(declaration_id=corrected.id, inspector_name="I", outcome="discrepancy",
                                     discrepancy_type="value", recorded_at=at(9, hour=10),
                                     item_amendments=[{"item": 1, "field": "invoice_amount"}]))  # fmt: skip
        declaration(session, who, at(10), (Line(value="9", mass="1"),))  # never released
        declaration(session, who, at(11), (Line(origin="JP"),)).released_at = at(11, hour=12)  # too few
        session.flush()
        derivation = Derivation(date(2026, 3, 1), date(2026, 3, 31), min_observations=3)
        (proposal,) = indicators.derive(session, derivation)
        assert (proposal.hs6, proposal.origin, proposal.observations) == ("870323", "DE", 6)
        assert proposal.dinars_per_kg == Decimal("3500.00")  # 1000 2000 3000 4000 5000 100000
        with pytest.raises(InvalidInput) as past:
            indicators.accept(session, ctx.clock, derivation, [("870323", "DE")], valid_from=date(2026, 3, 1),
                              by=ANALYST)  # fmt: skip
        assert past.value.code == "indicators.in_the_past"
        (row,) = indicators.accept(session, ctx.clock, derivation, [("870323", "DE")],
                                   valid_from=date(2026, 4, 1), by=ANALYST)  # fmt: skip
        assert row.source == "derived" and row.basis["observations"] == 6 and row.centimes_per_kg == 350000


def test_csv_round_trip_and_a_bad_row_rejects_the_whole_file(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        count = indicators.import_csv(
            session, ctx.clock,
            "hs6,origin,dinars_per_kg,valid_from\n870323,DE,1500,2026-03-15\n870323,,800.5,2026-03-15\n",
            by=ANALYST,
        )  # fmt: skip
        assert count == 2
        exported = indicators.export_csv(session)
        assert exported.splitlines()[1:] == [
            "870323,DE,1500.00,2026-03-15,,analyst",
            "870323,,800.50,2026-03-15,,analyst",
        ]
        with pytest.raises(ImportRejected) as rejected:
            indicators.import_csv(session, ctx.clock, "hs6,dinars_per_kg,valid_from\n8703,1,2026-04-01\n"
                                  "870324,abc,2026-04-01\n870325,5,2026-03-14\n870326,5,2026-04-01\n",
                                  by=ANALYST)  # fmt: skip
        assert [(error.line, error.field) for error in rejected.value.errors] == [
            (2, "hs6"), (3, "dinars_per_kg"), (4, "valid_from")
        ]  # fmt: skip
        assert rejected.value.errors[1].reason == '"abc" is not an amount of dinars per kg'
        assert rejected.value.errors[2].reason.endswith("today or later, not on 2026-03-14")
