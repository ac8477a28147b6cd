"""Validation against the registry and the tariff at the lodging date (both engines)."""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from douane.bootstrap import Context
from douane.declarations import lodging, service, validation
from douane.declarations.model import Declaration, Regime
from douane.demo import offices as demo_offices
from douane.reference.tariff_import import import_tariff
from douane.registry import service as registry
from tests.integration.declarations.fixtures import (
    Demo,
    FixedSelectivity,
    import_declaration,
    item,
    with_document,
)

ON = date(2026, 3, 15)


def _codes(ctx: Context, declaration: object, on: date = ON) -> set[str]:
    with ctx.db.transaction() as session:
        return {f.code for f in validation.validate(session, declaration, on)}  # type: ignore[arg-type]


def test_the_sample_import_has_no_finding(ctx: Context, demo: Demo) -> None:
    declaration = replace(import_declaration(demo.operator_nif), broker_id=demo.broker_id)
    assert _codes(ctx, declaration) == set()


def test_a_line_not_in_force_on_the_date_is_blocking(ctx: Context, demo: Demo) -> None:
    declaration = import_declaration(demo.operator_nif)
    before_the_tariff = _codes(ctx, declaration, date(2025, 12, 31))
    assert "declarations.tariff_line_not_in_force" in before_the_tariff
    unknown = import_declaration(demo.operator_nif, items=(item(1, "9999999999", "20000.00"),))
    assert "declarations.tariff_line_not_in_force" in _codes(ctx, unknown)


def test_an_office_that_does_not_handle_the_regime_is_blocking(ctx: Context, demo: Demo) -> None:
    # Oum Teboul (land border) handles IM4, EX1 and TR only.
    declaration = import_declaration(demo.operator_nif, office_code="36041", regime=Regime.IM7)
    assert "declarations.office_does_not_handle_regime" in _codes(ctx, declaration)
    assert "declarations.office_does_not_handle_regime" not in _codes(
        ctx, import_declaration(demo.operator_nif, office_code="36041")
    )


def test_a_broker_not_approved_at_the_office_is_blocking(ctx: Context, demo: Demo) -> None:
    with ctx.db.transaction() as session:
        elsewhere = next(
            o.code
            for o in demo_offices.OFFICES
            if not registry.broker_may_declare(session, demo.broker_id, o.code, ON)
        )
    declaration = import_declaration(demo.operator_nif, office_code=elsewhere, broker_id=demo.broker_id)
    assert "registry.broker_not_approved_at_office" in _codes(ctx, declaration)


def test_a_suspended_operator_is_blocking_from_the_day_of_suspension(ctx: Context, demo: Demo) -> None:
    with ctx.db.transaction() as session:
        operator = registry.find_operator_by_nif(session, demo.operator_nif)
        assert operator is not None
        registry.change_operator_status(
            session,
            ctx.clock,
            operator.id,
            to_status="suspended",
            reason="Unpaid fines",
            expected_version=None,
        )
    declaration = import_declaration(demo.operator_nif)
    assert "declarations.operator_not_active" in _codes(ctx, declaration, ON)
    assert "declarations.operator_not_active" not in _codes(ctx, declaration, date(2026, 3, 1))


def test_an_unknown_operator_is_blocking(ctx: Context, demo: Demo) -> None:
    assert "declarations.unknown_operator" in _codes(ctx, import_declaration("099999999999999"))


def test_a_prohibited_line_is_blocking(ctx: Context, demo: Demo) -> None:
    tariff = (
        "code10,hs6,description_fr,dd_pct,tva_pct,prohibited,valid_from\n"
        "8703219900,870321,Voitures usagées de plus de trois ans,30,19,yes,2026-01-01\n"
    )
    with ctx.db.transaction() as session:
        import_tariff(session, ctx.clock, io.StringIO(tariff))
    declaration = import_declaration(demo.operator_nif, items=(item(1, "8703219900", "20000.00"),))
    assert "declarations.prohibited_goods" in _codes(ctx, declaration)


def test_a_document_required_by_a_measure_must_be_attached(ctx: Context, demo: Demo) -> None:
    # Air conditioners (8415101000) need document 410 in the demo tariff.
    bare = import_declaration(demo.operator_nif, items=(item(1, "8415101000", "20000.00"),))
    with ctx.db.transaction() as session:
        findings = validation.validate(session, bare, ON)
    missing = [f for f in findings if f.code == "declarations.required_document_missing"]
    assert [(f.path, f.params["document"], f.blocking) for f in missing] == [
        ("items[0].line_code", "410", True)
    ]
    assert "declarations.required_document_missing" not in _codes(ctx, with_document(bare, "410"))


def test_a_currency_without_a_rate_is_blocking(ctx: Context, demo: Demo) -> None:
    declaration = import_declaration(demo.operator_nif, invoice_currency="JPY")
    assert "declarations.no_exchange_rate" in _codes(ctx, declaration)


LICENSED = "8415101000"  # air conditioners: document 410 required in the demo tariff
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _draft_with_licence(ctx: Context, demo: Demo, bare: Declaration) -> int:
    """A draft of `bare`, then its licence uploaded (the draft's id)."""
    with ctx.db.transaction() as session:
        draft = service.create_draft(session, ctx.clock, demo.broker, bare)
        assert "declarations.required_document_missing" in {f["code"] for f in draft.findings or []}
        draft_id = draft.id
    with ctx.db.transaction() as session, tempfile.TemporaryDirectory() as folder:
        service.add_document(
            session, ctx.clock, demo.broker, draft_id, data_dir=Path(folder), data=PDF,
            filename="licence.pdf", type_code="410", number="LIC-2026-7",
        )  # fmt: skip
    return draft_id


def test_attaching_the_required_document_clears_the_drafts_finding(ctx: Context, demo: Demo) -> None:
    bare = import_declaration(demo.operator_nif, items=(item(1, LICENSED, "20000.00"),))
    draft_id = _draft_with_licence(ctx, demo, bare)
    with ctx.db.transaction() as session:
        stored = service.get_row(session, draft_id).findings or []
        assert "declarations.required_document_missing" not in {f["code"] for f in stored}


def test_a_document_dated_after_the_declaration_is_warned_of(ctx: Context, demo: Demo) -> None:
    declaration = with_document(import_declaration(demo.operator_nif), "380")
    [invoice] = declaration.documents
    later = replace(declaration, documents=(replace(invoice, issued_on=date(9999, 12, 31)),))
    with ctx.db.transaction() as session:
        found = validation.validate(session, later, ON)
    [finding] = [f for f in found if f.code == "declarations.document_dated_later"]
    assert (finding.path, finding.blocking) == ("documents[0].issued_on", False)
    same_day = replace(declaration, documents=(replace(invoice, issued_on=ON),))
    assert "declarations.document_dated_later" not in _codes(ctx, same_day)


def test_an_uploaded_document_counts_when_the_form_that_saves_or_amends_does_not_list_it(
    ctx: Context, demo: Demo
) -> None:
    """A page's form carries no documents: saving the draft or amending the declaration with it keeps the
    uploaded file, and their checks see the file as attached."""
    bare = import_declaration(demo.operator_nif, items=(item(1, LICENSED, "20000.00"),))
    draft_id = _draft_with_licence(ctx, demo, bare)
    with ctx.db.transaction() as session:
        row = service.update_draft(session, ctx.clock, demo.broker, draft_id, bare, expected_version=None)
        assert "declarations.required_document_missing" not in {f["code"] for f in row.findings or []}
        lodging.lodge(session, ctx.clock, demo.broker, draft_id, selectivity=FixedSelectivity("red"))
    with ctx.db.transaction() as session:
        amended = lodging.amend(session, ctx.clock, demo.broker, draft_id, bare, reason="Consignee corrected")
        assert [(d.type_code, d.number) for d in amended.documents] == [("410", "LIC-2026-7")]
