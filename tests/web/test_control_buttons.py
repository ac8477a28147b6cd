"""The control buttons are offered to whoever may use them: the inspector drawn for the declaration and the
office chief. Another inspector of the office sees the declaration but no button that would only refuse."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from douane.bootstrap import Context
from douane.declarations.tables import DeclarationRow
from douane.registry.tables import OfficerRow
from tests.web.scenario import DEMO_INSPECTOR, Pages, act, lodged

Browser = Callable[..., Pages]


def _drawn_elsewhere(ctx: Context, declaration: str) -> None:
    """As if the draw had fallen on another inspector of the office."""
    with ctx.db.transaction() as session:
        row = session.get(DeclarationRow, int(declaration.rsplit("/", 1)[1]))
        other = session.scalars(select(OfficerRow).where(OfficerRow.service_number != DEMO_INSPECTOR)).first()
        assert row is not None and other is not None
        row.inspector_officer_id = other.id


def test_only_the_drawn_inspector_and_the_chief_are_offered_to_take_it(
    browser: Browser, page_ctx: Context
) -> None:
    declaration = lodged(browser("broker"))
    inspector, chief = browser("inspector", "en"), browser("chief", "en")
    assert 'id="take"' in inspector.get(declaration).text  # drawn: the only inspector on duty
    _drawn_elsewhere(page_ctx, declaration)
    assert 'id="take"' not in inspector.get(declaration).text
    assert 'id="take"' in chief.get(declaration).text
    assert act(chief, declaration, "take").status_code == 303
    assert 'name="outcome"' not in inspector.get(declaration).text  # nor the control result form
    assert 'name="outcome"' in chief.get(declaration).text
