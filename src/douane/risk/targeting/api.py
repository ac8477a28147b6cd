"""Targeting over HTTP: rules, their versions and backtests, value indicators (analysts write)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from douane.identity.guards import requires_any
from douane.identity.model import Actor, Permission
from douane.kernel.clock import Clock
from douane.kernel.errors import InvalidInput
from douane.risk.tables import ValueIndicatorRow
from douane.risk.targeting import backtest_service, indicators, rules
from douane.risk.targeting.backtest_service import MAX_UPLOAD_BYTES
from douane.risk.targeting.indicators import Derivation
from douane.risk.targeting.model import RuleAction, RuleContent, Transition
from douane.risk.targeting.rules import RuleView
from douane.risk.targeting.schemas import (
    AcceptIn,
    BacktestOut,
    DerivationIn,
    DiffOut,
    ExpressionCheck,
    ExpressionIn,
    FieldChangeOut,
    ImportOut,
    IndicatorIn,
    IndicatorOut,
    ProposalOut,
    RuleCreate,
    RuleDetail,
    RuleEdit,
    RuleIn,
    RuleOut,
    StatusChange,
    StoredBacktestIn,
    VersionOut,
)
from douane.web.deps import UnitOfWork, get_context
from douane.web.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/api/v1/risk", tags=["risk: targeting"])
P = Permission
READ = requires_any(P.RISK_READ, P.RULES_MANAGE)
MANAGE = requires_any(P.RULES_MANAGE)
RuleId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


def _clock(request: Request) -> Clock:
    return get_context(request).clock


def content_of(body: RuleIn) -> RuleContent:
    return RuleContent(
        name=body.name, expression=body.expression, action=RuleAction(body.action), priority=body.priority,
        description=body.description, score_increase=body.score_increase, offices=tuple(body.offices),
        regimes=tuple(body.regimes), valid_from=body.valid_from, valid_to=body.valid_to,
    )  # fmt: skip


def rule_out(view: RuleView) -> RuleOut:
    rule = view.rule
    return RuleOut(
        id=rule.id, code=rule.code, status=rule.status, row_version=rule.row_version,
        created_at=rule.created_at, created_by=rule.created_by,
        current=VersionOut.model_validate(view.current),
    )  # fmt: skip


def _detail(session: Session, view: RuleView) -> RuleDetail:
    history = [VersionOut.model_validate(v) for v in rules.versions(session, view.rule.id)]
    return RuleDetail(**rule_out(view).model_dump(), versions=history)


# --- rules ------------------------------------------------------------------------------------------


@router.get("/rules", response_model=Page[RuleOut])
def list_rules(
    session: UnitOfWork,
    status: Literal["draft", "active", "suspended", "retired"] | None = None,
    action: Literal["yellow", "red", "blue", "score", "scan"] | None = None,
    office: str | None = Query(None, pattern=r"^[0-9]{5}$"),
    q: str | None = Query(None, max_length=100),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(READ),
) -> Page[RuleOut]:
    views, total = rules.list_rules(
        session,
        status=status,
        action=action,
        office=office,
        q=q,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return paging.page_of([rule_out(view) for view in views], total)


@router.post("/rules", response_model=RuleDetail, status_code=201)
def create_rule(
    session: UnitOfWork, request: Request, body: RuleCreate, actor: Actor = Depends(MANAGE)
) -> RuleDetail:
    view = rules.create_rule(session, _clock(request), content_of(body), by=actor, reason=body.reason)
    return _detail(session, view)


@router.post("/rules/check", response_model=ExpressionCheck)
def check_expression(body: ExpressionIn, _actor: Actor = Depends(READ)) -> ExpressionCheck:
    """Parse and type-check an expression; a fault answers 422 with its code, line and column."""
    compiled = rules.check_expression(body.expression)
    return ExpressionCheck(
        valid=True, fields_used=sorted(compiled.fields_used), functions_used=sorted(compiled.functions_used)
    )


@router.get("/rules/{rule_id}", response_model=RuleDetail)
def read_rule(session: UnitOfWork, rule_id: RuleId, _actor: Actor = Depends(READ)) -> RuleDetail:
    return _detail(session, rules.get_rule(session, rule_id))


@router.put("/rules/{rule_id}", response_model=RuleDetail)
def edit_rule(
    session: UnitOfWork, request: Request, rule_id: RuleId, body: RuleEdit, actor: Actor = Depends(MANAGE)
) -> RuleDetail:
    view = rules.edit_rule(
        session, _clock(request), rule_id, content_of(body), reason=body.reason,
        expected_version=body.row_version, by=actor,
    )  # fmt: skip
    return _detail(session, view)


def _transition(transition: Transition) -> None:
    @router.post(
        f"/rules/{{rule_id}}/{transition.value}", response_model=RuleDetail, name=f"{transition}_rule"
    )
    def change(
        session: UnitOfWork,
        request: Request,
        rule_id: RuleId,
        body: StatusChange,
        actor: Actor = Depends(MANAGE),
    ) -> RuleDetail:
        view = rules.change_status(
            session, _clock(request), rule_id, transition, reason=body.reason,
            expected_version=body.row_version, by=actor,
        )  # fmt: skip
        return _detail(session, view)


for _each in Transition:
    _transition(_each)


@router.get("/rules/{rule_id}/diff", response_model=DiffOut)
def diff_versions(
    session: UnitOfWork,
    rule_id: RuleId,
    before: int = Query(ge=1, le=1_000_000, alias="from"),
    after: int = Query(ge=1, le=1_000_000, alias="to"),
    _actor: Actor = Depends(READ),
) -> DiffOut:
    found = rules.compare_versions(session, rule_id, before, after)
    changes = [
        FieldChangeOut(field=c.field, before=_plain(c.before), after=_plain(c.after)) for c in found.changes
    ]
    return DiffOut(
        rule_id=rule_id, before=before, after=after, changes=changes, expression_lines=found.expression_lines
    )


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


# --- backtests --------------------------------------------------------------------------------------


@router.post("/rules/{rule_id}/backtests", response_model=BacktestOut, status_code=201)
def backtest_stored(
    session: UnitOfWork,
    request: Request,
    rule_id: RuleId,
    body: StoredBacktestIn,
    actor: Actor = Depends(MANAGE),
) -> BacktestOut:
    history = backtest_service.stored_history(session, body.start, body.end, body.offices)
    row = backtest_service.run_backtest(session, _clock(request), rule_id, body.version, history, by=actor)
    return BacktestOut.model_validate(row)


@router.post("/rules/{rule_id}/backtests/file", response_model=BacktestOut, status_code=201)
async def backtest_file(
    session: UnitOfWork,
    request: Request,
    rule_id: RuleId,
    file: UploadFile = File(...),
    version: int | None = Query(None, ge=1, le=1_000_000),
    actor: Actor = Depends(MANAGE),
) -> BacktestOut:
    text = _text(await file.read(MAX_UPLOAD_BYTES + 1))

    def run() -> BacktestOut:  # long: off the event loop
        history = backtest_service.history_from_csv(session, file.filename or "history.csv", text)
        row = backtest_service.run_backtest(session, _clock(request), rule_id, version, history, by=actor)
        return BacktestOut.model_validate(row)

    return await run_in_threadpool(run)


@router.get("/rules/{rule_id}/backtests", response_model=Page[BacktestOut])
def list_backtests(
    session: UnitOfWork,
    rule_id: RuleId,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(READ),
) -> Page[BacktestOut]:
    rows, total = backtest_service.list_backtests(
        session, rule_id, offset=paging.offset, limit=paging.page_size
    )
    return paging.page_of([BacktestOut.model_validate(row) for row in rows], total)


def _text(data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput("uploads.too_large", "The file is larger than {megabytes} MB", megabytes=200)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("uploads.not_utf8", "The file is not UTF-8 text") from exc


# --- value indicators -------------------------------------------------------------------------------


def indicator_out(row: ValueIndicatorRow) -> IndicatorOut:
    return IndicatorOut(
        id=row.id, hs6=row.hs6, origin=row.origin, dinars_per_kg=indicators.dinars(row),
        valid_from=row.valid_from, valid_to=row.valid_to, source=row.source, basis=row.basis,
        set_by=row.set_by, set_at=row.set_at,
    )  # fmt: skip


@router.get("/value-indicators", response_model=Page[IndicatorOut])
def list_indicators(
    session: UnitOfWork,
    hs6: str | None = Query(None, pattern=r"^[0-9]{1,6}$"),
    origin: str | None = Query(None, pattern=r"^[A-Za-z]{2}$"),
    on: date | None = None,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(READ),
) -> Page[IndicatorOut]:
    rows, total = indicators.list_indicators(
        session, hs6=hs6, origin=origin, on=on, offset=paging.offset, limit=paging.page_size
    )
    return paging.page_of([indicator_out(row) for row in rows], total)


@router.post("/value-indicators", response_model=IndicatorOut, status_code=201)
def set_indicator(
    session: UnitOfWork, request: Request, body: IndicatorIn, actor: Actor = Depends(MANAGE)
) -> IndicatorOut:
    row = indicators.set_indicator(
        session, _clock(request), hs6=body.hs6, origin=body.origin, dinars_per_kg=body.dinars_per_kg,
        valid_from=body.valid_from, by=actor,
    )  # fmt: skip
    return indicator_out(row)


def derivation_of(body: DerivationIn) -> Derivation:
    return Derivation(body.start, body.end, body.quantile, body.min_observations)


@router.post("/value-indicators/derive", response_model=list[ProposalOut])
def derive_indicators(
    session: UnitOfWork, body: DerivationIn, _actor: Actor = Depends(MANAGE)
) -> list[ProposalOut]:
    proposals = indicators.derive(session, derivation_of(body))
    return [ProposalOut(**vars(proposal)) for proposal in proposals]


@router.post("/value-indicators/accept", response_model=list[IndicatorOut], status_code=201)
def accept_indicators(
    session: UnitOfWork, request: Request, body: AcceptIn, actor: Actor = Depends(MANAGE)
) -> list[IndicatorOut]:
    chosen = [(hs6, origin.upper()) for hs6, origin in body.lines]
    rows = indicators.accept(
        session, _clock(request), derivation_of(body), chosen, valid_from=body.valid_from, by=actor
    )
    return [indicator_out(row) for row in rows]


@router.get("/value-indicators/export.csv", response_class=Response)
def export_indicators(session: UnitOfWork, on: date | None = None, _actor: Actor = Depends(READ)) -> Response:
    return Response(
        indicators.export_csv(session, on), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="value-indicators.csv"'},
    )  # fmt: skip


@router.post("/value-indicators/import", response_model=ImportOut)
async def import_indicators(
    session: UnitOfWork, request: Request, file: UploadFile = File(...), actor: Actor = Depends(MANAGE)
) -> ImportOut:
    text = _text(await file.read(MAX_UPLOAD_BYTES + 1))
    imported = await run_in_threadpool(indicators.import_csv, session, _clock(request), text, by=actor)
    return ImportOut(imported=imported)
