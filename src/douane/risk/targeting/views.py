"""Analyst pages: targeting rules (list, editor with live checking, versions, status, backtests) and value
indicators (list, set, derive and accept). Officers holding risk:read see them without the forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from douane.identity.model import Permission
from douane.kernel.clock import local_date
from douane.kernel.errors import DouaneError, InvalidInput
from douane.kernel.numbers import typed_amount
from douane.risk.rules import RuleError
from douane.risk.targeting import backtest_service, indicators, rules
from douane.risk.targeting.backtest_service import MAX_UPLOAD_BYTES
from douane.risk.targeting.indicators import Derivation
from douane.risk.targeting.model import TRANSITIONS, RuleAction, RuleContent, RuleStatus, Transition
from douane.web.deps import get_context
from douane.web.pages import PAGE_SIZE, attempt, optional_date, page_url
from douane.web.session import Viewer, csrf_protected, domain_message, page_requires
from douane.web.templating import render

router = APIRouter(include_in_schema=False)
P = Permission
READ = page_requires(P.RISK_READ, P.RULES_MANAGE)
MANAGE = page_requires(P.RULES_MANAGE)
RULES = "/risk/rules"
INDICATORS = "/risk/value-indicators"

STATUS_LABELS = {
    "draft": "Draft",
    "active": "Active",
    "suspended": "Suspended",
    "retired": "Retired",
}
ACTION_LABELS = {
    "yellow": "Yellow channel (documents)",
    "red": "Red channel (inspection)",
    "blue": "Blue channel (post-clearance audit)",
    "score": "Score increase",
    "scan": "Mandatory scan",
}
TRANSITION_LABELS = {
    "activate": "Activate",
    "suspend": "Suspend",
    "retire": "Retire",
}
FIELD_LABELS = {
    "status": "Status",
    "name": "Name",
    "description": "Purpose of the rule",
    "expression": "Condition",
    "action": "Action",
    "score_increase": "Points added",
    "priority": "Priority",
    "scope_offices": "Offices",
    "scope_regimes": "Regimes",
    "valid_from": "Valid from",
    "valid_to": "Valid to",
}
NOTICES = {
    "rule_created": "The rule was created as a draft",
    "rule_saved": "A new version of the rule was saved",
    "rule_activate": "The rule is active",
    "rule_suspend": "The rule is suspended",
    "rule_retire": "The rule is retired",
    "backtested": "The backtest ran; its figures are below",
    "indicator_set": "The value indicator was set",
    "indicators_accepted": "The chosen indicators were set",
}


def _done(url: str, key: str) -> Response:
    from fastapi.responses import RedirectResponse

    return RedirectResponse(f"{url}{'&' if '?' in url else '?'}{urlencode({'done': key})}", status_code=303)


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


def _today(request: Request) -> date:
    return local_date(get_context(request).clock.now())


# --- rules list -------------------------------------------------------------------------------------


@router.get(RULES)
def rules_list(
    request: Request,
    status: str = Query("", max_length=12),
    action: str = Query("", max_length=12),
    office: str = Query("", max_length=5),
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(READ),
) -> Response:
    filters = {
        "status": status if status in STATUS_LABELS else "",
        "action": action if action in ACTION_LABELS else "",
        "office": office if office.isdigit() else "",
        "q": q,
    }
    ctx = get_context(request)
    with ctx.db.transaction() as session:
        views, total = rules.list_rules(
            session, status=filters["status"] or None, action=filters["action"] or None,
            office=filters["office"] or None, q=q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
        )  # fmt: skip
        rows = [_row(view) for view in views]
    return render(
        request, "risk/rules_list.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
        page_url=page_url(request), filters=filters, status_labels=STATUS_LABELS, action_labels=ACTION_LABELS,
        notice=_notice(request), can_manage=viewer.can(P.RULES_MANAGE),
    )  # fmt: skip


def _row(view: rules.RuleView) -> dict[str, Any]:
    version = view.current
    return {
        "id": view.rule.id, "code": view.rule.code, "name": version.name, "status": view.rule.status,
        "action": version.action, "score_increase": version.score_increase, "priority": version.priority,
        "version": version.version, "offices": ", ".join(version.scope_offices),
    }  # fmt: skip


# --- the editor -------------------------------------------------------------------------------------


def _form_values(version: Any | None = None) -> dict[str, Any]:
    if version is None:
        blank = (
            "name",
            "description",
            "expression",
            "score_increase",
            "offices",
            "regimes",
            "valid_from",
            "valid_to",
        )
        return {**dict.fromkeys(blank, ""), "action": "yellow", "priority": "100"}
    return {
        "name": version.name, "description": version.description, "expression": version.expression,
        "action": version.action, "score_increase": str(version.score_increase or ""),
        "priority": str(version.priority), "offices": " ".join(version.scope_offices),
        "regimes": " ".join(version.scope_regimes),
        "valid_from": version.valid_from.isoformat() if version.valid_from else "",
        "valid_to": version.valid_to.isoformat() if version.valid_to else "",
    }  # fmt: skip


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def _content(values: dict[str, str]) -> RuleContent:
    action = values.get("action", "")
    if action not in ACTION_LABELS:
        raise InvalidInput("rules.bad_action", "Choose what the rule does")
    return RuleContent(
        name=values.get("name", "").strip(), expression=values.get("expression", ""),
        action=RuleAction(action),
        priority=_integer(values.get("priority"), "priority") or 100,
        description=values.get("description", "").strip(),
        score_increase=_integer(values.get("score_increase"), "score_increase"),
        offices=tuple(values.get("offices", "").replace(",", " ").split()),
        regimes=tuple(values.get("regimes", "").replace(",", " ").split()),
        valid_from=optional_date(values.get("valid_from")), valid_to=optional_date(values.get("valid_to")),
    )  # fmt: skip


def _integer(text: str | None, field: str) -> int | None:
    if not text or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput("pages.not_a_number", "{field} must be a whole number", field=field) from None


def _editor(
    request: Request, values: dict[str, Any], error: DouaneError | None, status_code: int = 200
) -> Response:
    language = str(request.state.page_language)
    return render(
        request, "risk/rules_new.html", status_code=status_code, values={**_form_values(), **values},
        action_labels=ACTION_LABELS,
        check=_check_view(values.get("expression", ""), language) if values.get("expression") else None,
        error=domain_message(error, language) if error else None,
    )  # fmt: skip


@router.get(RULES + "/new")
def rules_new(request: Request, _viewer: Viewer = Depends(MANAGE)) -> Response:
    return _editor(request, _form_values(), None)


@router.post(RULES + "/new", dependencies=[Depends(csrf_protected)])
async def rules_create(request: Request, viewer: Viewer = Depends(MANAGE)) -> Response:
    values = await _posted(request)
    clock = get_context(request).clock

    def create(session: Session) -> int:
        view = rules.create_rule(
            session, clock, _content(values), by=viewer.actor, reason=values.get("reason")
        )
        return view.rule.id

    outcome = attempt(request, create)
    if not outcome.ok:
        return _editor(request, values, outcome.error, status_code=422)
    return _done(f"{RULES}/{outcome.value}", "rule_created")


def _check_view(expression: str, language: str) -> dict[str, Any]:
    """What the live check shows: fine (with the fields read), or the fault with its line and column."""
    try:
        compiled = rules.check_expression(expression)
    except RuleError as fault:
        lines = expression.splitlines() or [""]
        line = lines[fault.line - 1] if 0 < fault.line <= len(lines) else ""
        pointer = " " * (fault.column - 1) + "^"
        return {"ok": False, "message": domain_message(fault, language), "line": fault.line,
                "column": fault.column, "source_line": line, "pointer": pointer}  # fmt: skip
    return {"ok": True, "fields": sorted(compiled.fields_used | compiled.functions_used)}


@router.post(RULES + "/check", dependencies=[Depends(csrf_protected)])
async def rules_check(request: Request, _viewer: Viewer = Depends(READ)) -> Response:
    """HTMX: the editor posts the expression as it is typed and gets the verdict fragment back."""
    values = await _posted(request)
    check = _check_view(values.get("expression", ""), str(request.state.page_language))
    return render(request, "risk/rules_check.html", check=check)


# --- one rule ---------------------------------------------------------------------------------------


@router.get(RULES + "/{rule_id}")
def rules_detail(
    request: Request,
    rule_id: int,
    backtest: int | None = Query(None, ge=1, le=2**63 - 1),
    viewer: Viewer = Depends(READ),
) -> Response:
    return _detail(request, viewer, rule_id, backtest_id=backtest)


def _detail(
    request: Request,
    viewer: Viewer,
    rule_id: int,
    *,
    values: dict[str, Any] | None = None,
    error: DouaneError | None = None,
    backtest_id: int | None = None,
    status_code: int = 200,
) -> Response:
    language = str(request.state.page_language)
    ctx = get_context(request)
    with ctx.db.transaction() as session:
        view = rules.get_rule(session, rule_id)
        history = rules.versions(session, rule_id)
        backtests, _ = backtest_service.list_backtests(session, rule_id, limit=20)
        status = RuleStatus(view.rule.status)
        shown = next((b for b in backtests if b.id == backtest_id), backtests[0] if backtests else None)
        today = _today(request)
        return render(
            request, "risk/rules_detail.html", status_code=status_code, rule=view.rule, current=view.current,
            versions=history, backtests=backtests, shown=shown, status_labels=STATUS_LABELS,
            action_labels=ACTION_LABELS, transition_labels=TRANSITION_LABELS,
            transitions=[t.value for t in Transition if (status, t) in TRANSITIONS],
            editable=status is not RuleStatus.RETIRED, can_manage=viewer.can(P.RULES_MANAGE),
            values={**_form_values(view.current), **(values or {})},
            error=domain_message(error, language) if error else None,
            notice=_notice(request), default_start=today.replace(day=1, year=today.year - 1).isoformat(),
            default_end=today.isoformat(),
        )  # fmt: skip


@router.get(RULES + "/{rule_id}/diff")
def rules_diff(
    request: Request,
    rule_id: int,
    before: int = Query(..., ge=1, le=1_000_000),
    after: int = Query(..., ge=1, le=1_000_000),
    _viewer: Viewer = Depends(READ),
) -> Response:
    """What changed between two versions: the fields, and the condition line by line."""
    with get_context(request).db.transaction() as session:
        view = rules.get_rule(session, rule_id)
        compared = rules.compare_versions(session, rule_id, before, after)
        old, new = rules.version_of(session, rule_id, before), rules.version_of(session, rule_id, after)
        changes = [
            {"field": c.field, "before": _shown(c.field, c.before), "after": _shown(c.field, c.after)}
            for c in compared.changes
            if c.field != "expression"
        ]
        return render(
            request, "risk/rules_diff.html", rule=view.rule, current=view.current, old=old, new=new,
            changes=changes, field_labels=FIELD_LABELS, expression_lines=compared.expression_lines,
            expression_changed=old.expression != new.expression,
        )  # fmt: skip


def _shown(field: str, value: Any) -> dict[str, Any]:
    """A field's value as the diff page shows it: a label to translate, a date, or text."""
    if value is None or value == [] or value == "":
        return {"empty": True}
    if field == "status":
        return {"label": STATUS_LABELS.get(str(value), str(value))}
    if field == "action":
        return {"label": ACTION_LABELS.get(str(value), str(value))}
    if isinstance(value, date):
        return {"date": value}
    if isinstance(value, list):
        return {"text": ", ".join(str(v) for v in value), "ltr": True}
    return {"text": str(value), "ltr": field in ("score_increase", "priority")}


@router.post(RULES + "/{rule_id}/edit", dependencies=[Depends(csrf_protected)])
async def rules_edit(request: Request, rule_id: int, viewer: Viewer = Depends(MANAGE)) -> Response:
    values = await _posted(request)
    clock = get_context(request).clock

    def edit(session: Session) -> None:
        rules.edit_rule(
            session, clock, rule_id, _content(values), reason=values.get("reason"),
            expected_version=_integer(values.get("row_version"), "row_version"), by=viewer.actor,
        )  # fmt: skip

    outcome = attempt(request, edit)
    if not outcome.ok:
        return _detail(request, viewer, rule_id, values=values, error=outcome.error, status_code=422)
    return _done(f"{RULES}/{rule_id}", "rule_saved")


@router.post(RULES + "/{rule_id}/status/{transition}", dependencies=[Depends(csrf_protected)])
async def rules_status(
    request: Request, rule_id: int, transition: str, viewer: Viewer = Depends(MANAGE)
) -> Response:
    values = await _posted(request)
    clock = get_context(request).clock

    def change(session: Session) -> None:
        if transition not in TRANSITION_LABELS:
            raise InvalidInput("rules.bad_transition", "This change does not exist")
        rules.change_status(
            session, clock, rule_id, Transition(transition), reason=values.get("reason"),
            expected_version=_integer(values.get("row_version"), "row_version"), by=viewer.actor,
        )  # fmt: skip

    outcome = attempt(request, change)
    if not outcome.ok:
        return _detail(request, viewer, rule_id, error=outcome.error, status_code=422)
    return _done(f"{RULES}/{rule_id}", f"rule_{transition}")


@router.post(RULES + "/{rule_id}/backtest", dependencies=[Depends(csrf_protected)])
async def rules_backtest(request: Request, rule_id: int, viewer: Viewer = Depends(MANAGE)) -> Response:
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    upload = form.get("history_file")
    has_file = upload is not None and not isinstance(upload, str)
    data = await upload.read(MAX_UPLOAD_BYTES + 1) if has_file else b""  # type: ignore[union-attr]
    filename = getattr(upload, "filename", None) or "history.csv"
    clock = get_context(request).clock

    def run(session: Session) -> int:
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput("uploads.too_large", "The file is larger than {megabytes} MB", megabytes=200)
        if data:
            history = backtest_service.history_from_csv(session, filename, _utf8(data))
        else:
            start, end = optional_date(values.get("start")), optional_date(values.get("end"))
            if start is None or end is None:
                raise InvalidInput("backtests.period_required", "Give the first and last day of the history")
            offices = values.get("offices", "").replace(",", " ").split()
            history = backtest_service.stored_history(session, start, end, offices)
        return backtest_service.run_backtest(session, clock, rule_id, None, history, by=viewer.actor).id

    outcome = await run_in_threadpool(attempt, request, run)  # a backtest is long: off the event loop
    if not outcome.ok:
        return _detail(request, viewer, rule_id, error=outcome.error, status_code=422)
    return _done(f"{RULES}/{rule_id}?backtest={outcome.value}", "backtested")


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("uploads.not_utf8", "The file is not UTF-8 text") from exc


# --- value indicators -------------------------------------------------------------------------------


@router.get(INDICATORS)
def indicators_list(
    request: Request,
    hs6: str = Query("", max_length=6),
    origin: str = Query("", max_length=2),
    on: str = Query("", max_length=10),
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(READ),
) -> Response:
    return _indicators_page(request, viewer, {"hs6": hs6, "origin": origin, "on": on}, page)


def _indicators_page(
    request: Request,
    viewer: Viewer,
    filters: dict[str, str],
    page: int = 1,
    *,
    error: DouaneError | None = None,
    proposals: list[Any] | None = None,
    derivation: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = get_context(request)
    today = _today(request)
    filters = {"hs6": "", "origin": "", "on": "", **filters}
    with ctx.db.transaction() as session:
        found, total = indicators.list_indicators(
            session, hs6=filters.get("hs6") or None, origin=filters.get("origin") or None,
            on=optional_date(filters.get("on")), offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
        )  # fmt: skip
        rows = [{"row": row, "dinars": indicators.dinars(row)} for row in found]
    return render(
        request, "risk/indicators_list.html", status_code=status_code, rows=rows, total=total, page=page,
        page_size=PAGE_SIZE, page_url=page_url(request), filters=filters, notice=_notice(request),
        error=domain_message(error, str(request.state.page_language)) if error else None,
        can_manage=viewer.can(P.RULES_MANAGE), proposals=proposals,
        derivation=derivation or {"start": today.replace(year=today.year - 1).isoformat(),
                                  "end": today.isoformat(), "quantile": "0.5", "min_observations": "5"},
        today=today.isoformat(),
    )  # fmt: skip


def _decimal(text: str | None, field: str, language: str) -> Decimal:
    value = typed_amount(text or "", language)
    if value is None:
        raise InvalidInput("pages.not_a_number", "{field} must be a number", field=field)
    return value


@router.post(INDICATORS, dependencies=[Depends(csrf_protected)])
async def indicators_set(request: Request, viewer: Viewer = Depends(MANAGE)) -> Response:
    values = await _posted(request)
    clock = get_context(request).clock

    def set_one(session: Session) -> None:
        start = optional_date(values.get("valid_from"))
        if start is None:
            raise InvalidInput("indicators.start_required", "Give the first day the indicator applies")
        indicators.set_indicator(
            session, clock, hs6=values.get("hs6", ""), origin=values.get("origin"),
            dinars_per_kg=_decimal(values.get("dinars_per_kg"), "dinars_per_kg", viewer.language),
            valid_from=start, by=viewer.actor,
        )  # fmt: skip

    outcome = attempt(request, set_one)
    if not outcome.ok:
        return _indicators_page(request, viewer, {}, error=outcome.error, status_code=422)
    return _done(INDICATORS, "indicator_set")


def _derivation(values: dict[str, str], language: str) -> Derivation:
    start, end = optional_date(values.get("start")), optional_date(values.get("end"))
    if start is None or end is None:
        raise InvalidInput("backtests.period_required", "Give the first and last day of the history")
    return Derivation(
        start, end, _decimal(values.get("quantile") or "0.5", "quantile", language),
        _integer(values.get("min_observations"), "min_observations") or 5,
    )  # fmt: skip


@router.post(INDICATORS + "/derive", dependencies=[Depends(csrf_protected)])
async def indicators_derive(request: Request, viewer: Viewer = Depends(MANAGE)) -> Response:
    values = await _posted(request)
    outcome = await run_in_threadpool(
        attempt, request, lambda session: indicators.derive(session, _derivation(values, viewer.language))
    )
    if not outcome.ok:
        return _indicators_page(request, viewer, {}, error=outcome.error, derivation=values, status_code=422)
    return _indicators_page(request, viewer, {}, proposals=outcome.value, derivation=values)


@router.post(INDICATORS + "/accept", dependencies=[Depends(csrf_protected)])
async def indicators_accept(request: Request, viewer: Viewer = Depends(MANAGE)) -> Response:
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    chosen = [tuple(str(line).split("/", 1)) for line in form.getlist("line") if "/" in str(line)]
    clock = get_context(request).clock

    def accept(session: Session) -> None:
        start = optional_date(values.get("valid_from"))
        if start is None:
            raise InvalidInput("indicators.start_required", "Give the first day the indicator applies")
        if not chosen:
            raise InvalidInput("indicators.none_chosen", "Tick at least one proposal")
        pairs = [(hs6, origin) for hs6, origin in chosen]
        indicators.accept(
            session, clock, _derivation(values, viewer.language), pairs, valid_from=start, by=viewer.actor
        )

    outcome = await run_in_threadpool(attempt, request, accept)
    if not outcome.ok:
        return _indicators_page(request, viewer, {}, error=outcome.error, derivation=values, status_code=422)
    return _done(INDICATORS, "indicators_accepted")


@router.get(INDICATORS + "/export.csv")
def indicators_export(request: Request, _viewer: Viewer = Depends(READ)) -> Response:
    with get_context(request).db.transaction() as session:
        text = indicators.export_csv(session)
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="value-indicators.csv"'},
    )  # fmt: skip
