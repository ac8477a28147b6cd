"""Economic operators through the service layer, on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.identity.model import Actor, Role
from douane.kernel.clock import FixedClock
from douane.kernel.errors import Conflict, Forbidden, InvalidInput
from douane.registry import service
from douane.registry.model import OperatorStatus
from tests.integration.registry.factories import nif, operator

ADMIN = Actor(user_id=1, username="admin", roles=frozenset({Role.ADMIN}))


def test_a_bad_nif_is_refused_and_a_taken_one_conflicts(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        operator(session, ctx.clock, 1)
    with ctx.db.transaction() as session, pytest.raises(InvalidInput) as bad:
        service.register_operator(
            session, ctx.clock, nif="12345", rc_number="x", legal_name_fr="X", wilaya="16"
        )
    assert bad.value.code == "registry.invalid_nif"
    with ctx.db.transaction() as session, pytest.raises(Conflict) as taken:
        operator(session, ctx.clock, 1)
    assert taken.value.code == "registry.nif_taken"


def test_status_changes_follow_the_table_and_leave_history_and_audit(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        operator_id = operator(session, ctx.clock, 7).id
    with ctx.db.transaction() as session:
        row = service.change_operator_status(
            session,
            ctx.clock,
            operator_id,
            to_status="suspended",
            reason="Unpaid duties",
            expected_version=1,
            by=ADMIN,
        )
        assert row.version == 2
    with ctx.db.transaction() as session:
        service.change_operator_status(
            session,
            ctx.clock,
            operator_id,
            to_status=OperatorStatus.STRUCK_OFF,
            reason="Liquidated",
            expected_version=2,
            by=ADMIN,
        )
    with ctx.db.transaction() as session, pytest.raises(Conflict) as final:
        service.change_operator_status(
            session, ctx.clock, operator_id, to_status="active", reason="Oops", expected_version=3, by=ADMIN
        )
    assert final.value.code == "registry.operator_transition_refused"
    with ctx.db.transaction() as session:
        history = service.operator_history(session, operator_id)
        audit = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "operator.status_changed")
        ).all()
    assert [(h.from_status, h.to_status, h.reason, h.actor_name) for h in history] == [
        ("active", "suspended", "Unpaid duties", "admin"),
        ("suspended", "struck_off", "Liquidated", "admin"),
    ]
    assert [(a.from_state, a.to_state, a.actor_name) for a in audit] == [
        ("active", "suspended", "admin"),
        ("suspended", "struck_off", "admin"),
    ]


def test_a_status_change_needs_a_reason_and_the_current_version(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        operator_id = operator(session, ctx.clock, 8).id
    with ctx.db.transaction() as session, pytest.raises(InvalidInput) as no_reason:
        service.change_operator_status(
            session, ctx.clock, operator_id, to_status="suspended", reason="  ", expected_version=1
        )
    assert no_reason.value.code == "registry.reason_required"
    with ctx.db.transaction() as session:
        service.update_operator(
            session, ctx.clock, operator_id, {"address": "Oran"}, expected_version=1, by=ADMIN
        )
    with ctx.db.transaction() as session, pytest.raises(Conflict) as stale:
        service.change_operator_status(
            session, ctx.clock, operator_id, to_status="suspended", reason="Fraud", expected_version=1
        )
    assert stale.value.code == "registry.stale_version"
    with ctx.db.transaction() as session:
        assert service.get_operator(session, operator_id).status == "active"


def test_operator_is_active_on_a_date_reads_the_history(ctx: Context) -> None:
    assert isinstance(ctx.clock, FixedClock)
    start = date(2026, 3, 1)
    with ctx.db.transaction() as session:
        operator_id = operator(session, ctx.clock, 9, registered_on=start).id
    with ctx.db.transaction() as session:
        service.change_operator_status(
            session, ctx.clock, operator_id, to_status="suspended", reason="Audit", expected_version=1
        )
    ctx.clock.advance(timedelta(days=5))
    with ctx.db.transaction() as session:
        service.change_operator_status(
            session, ctx.clock, operator_id, to_status="active", reason="Cleared", expected_version=2
        )
    with ctx.db.transaction() as session:
        assert not service.operator_is_active(session, operator_id, date(2026, 2, 28))  # not yet registered
        assert service.operator_is_active(session, operator_id, date(2026, 3, 14))
        assert not service.operator_is_active(session, nif(9), date(2026, 3, 15))  # suspended that day
        assert not service.operator_is_active(session, operator_id, date(2026, 3, 19))
        assert service.operator_is_active(session, operator_id, date(2026, 3, 20))
        assert not service.operator_is_active(session, nif(404), date(2026, 3, 20))


def _names(rows: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(r.legal_name_fr for r in rows)


def test_search_by_nif_prefix_rc_and_names_ignoring_case_and_accents(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        operator(session, ctx.clock, 160012345, "Électro-Ménager de Sétif", "الكترو منزلي سطيف", wilaya="19")
        operator(session, ctx.clock, 160099999, "Sarl Béjaïa Café", "مقهى بجاية", wilaya="06")
        operator(session, ctx.clock, 310000001, "Oran Textiles", None, wilaya="31")
    with ctx.db.transaction() as session:
        by_accentless, _ = service.search_operators(session, q="electro menager setif")
        by_upper, _ = service.search_operators(session, q="BEJAIA")
        by_arabic, _ = service.search_operators(session, q="سطيف")
        by_prefix, total = service.search_operators(session, q="0000001600")
        by_rc, _ = service.search_operators(session, q="16/00-160099999B21")
        in_oran, _ = service.search_operators(session, wilaya="31")
    assert _names(by_accentless) == ["Électro-Ménager de Sétif"]
    assert _names(by_upper) == ["Sarl Béjaïa Café"]
    assert _names(by_arabic) == ["Électro-Ménager de Sétif"]
    assert (_names(by_prefix), total) == (["Sarl Béjaïa Café", "Électro-Ménager de Sétif"], 2)
    assert _names(by_rc) == ["Sarl Béjaïa Café"]
    assert _names(in_oran) == ["Oran Textiles"]


@pytest.mark.parametrize(("few", "dense"), [(500, 40), (1, 40), (1, 0)], ids=["few", "sparse", "dense"])
def test_search_is_sorted_paginated_and_filtered_by_status(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, few: int, dense: int
) -> None:
    # The three ways a result page is fetched must agree.
    monkeypatch.setattr(service, "FEW_MATCHES", few)
    monkeypatch.setattr(service, "DENSE_MATCHES_PER_ROW_SHOWN", dense)
    with ctx.db.transaction() as session:
        ids = [operator(session, ctx.clock, n, f"Import {chr(ord('E') - n)}").id for n in range(5)]
        service.change_operator_status(
            session, ctx.clock, ids[0], to_status="suspended", reason="Audit", expected_version=1
        )
    with ctx.db.transaction() as session:
        page2, total = service.search_operators(session, q="import", offset=2, limit=2)
        suspended, _ = service.search_operators(session, status=OperatorStatus.SUSPENDED)
    assert total == 5
    assert [r.legal_name_fr for r in page2] == ["Import C", "Import D"]
    assert [r.id for r in suspended] == [ids[0]]


def test_a_trader_sees_only_its_own_operator(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        mine = operator(session, ctx.clock, 11).id
        other = operator(session, ctx.clock, 12).id
    trader = Actor(user_id=5, username="trader", roles=frozenset({Role.TRADER}), operator_id=mine)
    with ctx.db.transaction() as session:
        rows, total = service.search_operators(session, viewer=trader)
        assert ([r.id for r in rows], total) == ([mine], 1)
        assert service.get_operator(session, mine, viewer=trader).id == mine
        with pytest.raises(Forbidden) as refused:
            service.get_operator(session, other, viewer=trader)
    assert refused.value.code == "registry.not_your_operator"
