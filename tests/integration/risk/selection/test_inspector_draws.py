"""Inspector draws are uniform over the inspectors on duty (chi-square over many draws), each one audited."""

from collections import Counter

from sqlalchemy import func, select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.risk.assignment import draw_inspector
from douane.risk.tables import InspectorDrawRow
from tests.integration.risk.factories import inspector, offices

DRAWS = 2_000
CHI_SQUARE_3_DF_P001 = 16.27  # exceeded by chance once in a thousand runs


def test_inspector_draws_are_uniform_and_every_draw_is_audited(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        pool = [inspector(session, ctx.clock, f"INS-{n}", office_code="16011").id for n in range(4)]
    drawn: Counter[int] = Counter()
    with ctx.db.transaction() as session:
        for declaration_id in range(1, DRAWS + 1):
            draw = draw_inspector(
                session, ctx.clock, office_code="16011", subject_kind="declaration",
                subject_id=declaration_id, on=ctx.clock.now(),
            )  # fmt: skip
            drawn[draw.officer_id] += 1
    expected = DRAWS / len(pool)
    chi_square = sum((drawn[officer] - expected) ** 2 / expected for officer in pool)
    assert set(drawn) == set(pool)
    assert chi_square < CHI_SQUARE_3_DF_P001, (chi_square, drawn)
    with ctx.db.transaction() as session:
        audited = select(func.count()).where(AuditEventRow.action == "inspector.drawn")
        stored = select(func.count()).select_from(InspectorDrawRow)
        assert session.scalar(audited) == session.scalar(stored) == DRAWS
        subjects = select(func.count(func.distinct(AuditEventRow.entity_id))).where(
            AuditEventRow.action == "inspector.drawn"
        )
        assert session.scalar(subjects) == DRAWS
