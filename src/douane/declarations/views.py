"""Declaration pages: the declarant's list, form (items, tariff search, live findings, documents) and
lodging; the declaration page with status, channel, assessment, discharge and history; the officers' queues
and actions (take, control result, confirm the assessment, release, exit, discharge of a suspensive regime);
the office chief's dashboard.

Every action calls the same use cases as the API (service, lodging, control); nothing is decided here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from douane.assessment.model import SUSPENSION_NOTE
from douane.assessment.texts import words_in
from douane.declarations import (
    api,
    changes,
    control,
    discharge,
    documents,
    lodging,
    model,
    printouts,
    service,
    wording,
)
from douane.declarations.model import (
    Action,
    Channel,
    ControlOutcome,
    DiscrepancyType,
    Finding,
    InvalidationDecision,
    Status,
)
from douane.declarations.schemas import DeclarationIn, ItemIn
from douane.declarations.tables import DeclarationRow
from douane.declarations.wording import FIELD_WORDS, STATUS_LABELS
from douane.i18n import translate
from douane.identity.model import Permission
from douane.kernel.clock import local_date
from douane.kernel.errors import DouaneError, InvalidInput
from douane.kernel.numbers import typed_amount, whole_number
from douane.printing.http import pdf_response, verification_link
from douane.registry import service as registry
from douane.risk.selection import reasons
from douane.web.deps import UnitOfWork, get_context
from douane.web.form_errors import field_error_text
from douane.web.formats import Formats, readable_params
from douane.web.pages import PAGE_SIZE, attempt, notice, optional_date, page_url, see_other
from douane.web.session import Viewer, csrf_protected, domain_message, office_name, page_requires
from douane.web.templating import render

router = APIRouter(include_in_schema=False)
P = Permission
READ = page_requires(P.DECLARATIONS_READ)
LODGE = page_requires(P.DECLARATIONS_LODGE)
CONTROL = page_requires(P.DECLARATIONS_CONTROL, P.DECLARATIONS_APPROVE)
ASSESS = page_requires(P.DECLARATIONS_ASSESS)
RELEASE = page_requires(P.DECLARATIONS_RELEASE)
DISCHARGE = page_requires(P.DECLARATIONS_DISCHARGE)
OFFICER_ACTION = page_requires(
    P.DECLARATIONS_CONTROL, P.DECLARATIONS_ASSESS, P.DECLARATIONS_RELEASE, P.DECLARATIONS_APPROVE
)
CHIEF = page_requires(P.DECLARATIONS_APPROVE)
CSRF = Depends(csrf_protected)

HEADER_FIELDS = (
    "type",
    "regime",
    "office_code",
    "operator_nif",
    "invoice_currency",
    "invoice_total",
    "incoterm",
    "freight",
    "insurance",
    "other_costs",
    "transport_mode",
    "transport_means",
    "manifest_reference",
    "bill_of_lading",
    "containers",
    "dispatch_country",
    "domiciliation_reference",
    "consignor_name",
    "consignor_country",
)
ITEM_FIELDS = (
    "line_code",
    "description",
    "origin_country",
    "invoice_amount",
    "net_mass_kg",
    "gross_mass_kg",
    "packages",
    "package_kind",
    "supplementary_quantity",
    "supplementary_unit",
)
MAX_FORM_FIELDS = model.MAX_ITEMS * (len(ITEM_FIELDS) + 1) + 200
"""A declaration form's fields at most: every item's, and the header's, documents' and containers' (Starlette
reads 1,000 by default, about 120 items)."""


def _holds_decimal(annotation: object) -> bool:
    """Decimal, or a type built of it (Decimal | None, Annotated[Decimal, ...])."""
    return annotation is Decimal or any(_holds_decimal(arg) for arg in get_args(annotation))


AMOUNT_FIELDS = frozenset(
    name
    for form_model in (DeclarationIn, ItemIn)
    for name, field_info in form_model.model_fields.items()
    if _holds_decimal(field_info.annotation)
)
"""Inputs holding an amount or a mass (the request models' decimal fields), typed as the page's language
writes numbers (`typed_amount`)."""
FIELD_LABELS = {
    **FIELD_WORDS, "consignor_name": "Consignor (supplier)", "consignor_country": "Consignor country",
    "containers": "Container numbers (ISO 6346, separated by spaces)", "supplementary_quantity": "Suppl. qty",
    "number": "Number",  # an item's, in the form's paths (items[1].number)
}  # fmt: skip
"""The label each input of the declaration form shows (the form's templates use the same words)."""
CHANNEL_LABELS = {Channel.GREEN: "Green", Channel.YELLOW: "Yellow", Channel.RED: "Red", Channel.BLUE: "Blue"}
DISCREPANCY_LABELS = {
    DiscrepancyType.VALUE: "Value",
    DiscrepancyType.CLASSIFICATION: "Classification",
    DiscrepancyType.ORIGIN: "Origin",
    DiscrepancyType.QUANTITY: "Quantity",
    DiscrepancyType.PROHIBITED_GOODS: "Prohibited goods",
}
AMENDABLE_FIELDS = {
    name: FIELD_WORDS[name]
    for name in (
        "customs_value_dzd", "line_code", "origin_country", "net_mass_kg", "supplementary_quantity",
        "supplementary_unit",
    )
}  # fmt: skip
TRANSPORT_LABELS = {
    "1": "Sea",
    "2": "Rail",
    "3": "Road",
    "4": "Air",
    "5": "Post",
    "7": "Fixed installation",
    "8": "Inland waterway",
}
HISTORY_LABELS = {
    "declaration.create": "Draft created",
    "declaration.update_draft": "Draft saved",
    "declaration.document_added": "Document attached",
    "declaration.lodge": "Lodged",
    "declaration.register": "Registered",
    "declaration.assign_channel": "Channel assigned",
    "inspector.drawn": "Inspector drawn",
    "declaration.inspector_pending": "Waiting for an inspector",
    "declaration.inspector_redrawn": "Inspector drawn again",
    "declaration.take_for_control": "Taken for control",
    "declaration.record_control": "Control result recorded",
    "declaration.assessed": "Assessment computed",
    "declaration.confirm_assessment": "Assessment confirmed",
    "declaration.settle_paid": "Duties paid",
    "declaration.settle_guaranteed": "Duties covered by a guarantee",
    "declaration.release": "Goods released",
    "declaration.record_exit": "Exit recorded",
    "declaration.discharge": "Regime discharged",
    "declaration.amend": "Amended by the declarant",
    "declaration.channel_raised": "Sent to documentary control after the amendment",
    "declaration.request_invalidation": "Invalidation requested",
    "declaration.approve_invalidation": "Invalidation approved",
    "declaration.refuse_invalidation": "Invalidation refused",
    "declaration.reject": "Rejected",
}
"""Audit actions of a declaration's history as the page names them; an unknown one shows its code."""
DECISION_LABELS = {
    InvalidationDecision.PENDING.value: "Waiting for the office chief",
    InvalidationDecision.APPROVED.value: "Approved",
    InvalidationDecision.REFUSED.value: "Refused",
}
REASON_LABELS = {"risk.no_inspector_on_duty": "No inspector on duty at the office"}
LABELS: dict[str, Any] = {
    "history_labels": HISTORY_LABELS,
    "reason_labels": REASON_LABELS,
    "decision_labels": DECISION_LABELS,
    "status_labels": STATUS_LABELS,
    "channel_labels": CHANNEL_LABELS,
    "discrepancy_labels": DISCREPANCY_LABELS,
    "amendable_fields": AMENDABLE_FIELDS,
    "transport_labels": TRANSPORT_LABELS,
    "discharge_method_labels": model.DISCHARGE_METHOD_LABELS,
}


# --- the form --------------------------------------------------------------------------------------


@dataclass
class DeclarationForm:
    """What the form shows: header values, item rows (key -> values) and field errors by input name."""

    header: dict[str, str] = field(default_factory=dict)
    items: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.header.get(name, "")

    def error_list(self, language: str) -> list[tuple[str, str]]:
        """Each refused input as its label ("Item 2 · Origin" for an item's) and why, in `language`."""
        item_numbers = {key: number for number, (key, _values) in enumerate(self.items, start=1)}
        shown = []
        for name, message in self.errors.items():
            parts = name.split("-", 2)
            if len(parts) == 3 and parts[0] == "items":
                field_label = translate(FIELD_LABELS.get(parts[2], parts[2]), language)
                number = item_numbers.get(parts[1], "?")
                label = translate("Item {number} · {field}", language, number=number, field=field_label)
            else:
                label = translate(FIELD_LABELS.get(name, name), language)
            shown.append((label, message))
        return shown


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(getattr(value, "value", value))


def new_row_key() -> str:
    return secrets.token_hex(4)


def blank_form(viewer: Viewer, session: Session, today: date) -> DeclarationForm:
    header = {
        "type": "import",
        "regime": "IM4",
        "incoterm": "FOB",
        "invoice_currency": "EUR",
        "transport_mode": "1",
        "office_code": viewer.office_code or _approved_office(session, viewer, today),
    }
    if viewer.actor.operator_id is not None:
        header["operator_nif"] = registry.get_operator(session, viewer.actor.operator_id).nif
    return DeclarationForm(header=header, items=[(new_row_key(), {})])


def _approved_office(session: Session, viewer: Viewer, today: date) -> str:
    """A broker's first office where its approval is in force today (the form's office to start with)."""
    if viewer.actor.broker_id is None:
        return ""
    return next(
        (a.office.code for a in registry.broker_approvals(session, viewer.actor.broker_id)
         if a.valid_from <= today and (a.valid_to is None or today <= a.valid_to)),
        "",
    )  # fmt: skip


def form_of(content: model.Declaration) -> DeclarationForm:
    header = {name: _text(getattr(content, name, None)) for name in HEADER_FIELDS if hasattr(content, name)}
    header["containers"] = " ".join(content.containers)
    if content.consignor is not None:
        header["consignor_name"] = content.consignor.name
        header["consignor_country"] = content.consignor.country or ""
    items = [
        (f"{STORED_ROW}{item.number}", {name: _text(getattr(item, name)) for name in ITEM_FIELDS})
        for item in content.items
    ]
    return DeclarationForm(header=header, items=items or [(new_row_key(), {})])


STORED_ROW = "n"
"""The key of a form's row shown from a stored item, before the item's number ("n3"); rows added on the page
have random hexadecimal keys."""
BEYOND_THE_FORM = ("broker_id", "consignee", "destination_country", "costs_currency", "documents")
"""What a declaration holds that its page's form has no input for."""


def over_stored(
    stored: model.Declaration, typed: model.Declaration, form: DeclarationForm
) -> model.Declaration:
    """The content the form describes, laid over the stored one: what the form has no input for (the
    consignee, the destination, the costs' currency, the consignor's NIF and address, the documents listed, an
    item's preference or declared value, an item field the row did not send) stays as stored, so that saving
    or amending from the page loses nothing an API client put there."""
    by_number = {item.number: item for item in stored.items}
    items = []
    for (key, values), item in zip(form.items, typed.items, strict=True):
        base = by_number.get(int(key[1:])) if key[:1] == STORED_ROW and key[1:].isdigit() else None
        if base is not None:
            item = replace(
                base, number=item.number, **{n: getattr(item, n) for n in ITEM_FIELDS if n in values}
            )
        items.append(item)
    consignor = typed.consignor
    if consignor is not None and stored.consignor is not None:
        consignor = replace(consignor, nif=stored.consignor.nif, address=stored.consignor.address)
    kept = {name: getattr(stored, name) for name in BEYOND_THE_FORM}
    return replace(typed, **kept, consignor=consignor, items=tuple(items))


def read_form(data: FormData) -> DeclarationForm:
    header = {name: str(data.get(name) or "").strip() for name in HEADER_FIELDS}
    rows: dict[str, dict[str, str]] = {}
    for name, value in data.multi_items():
        parts = name.split("-", 2)
        if len(parts) == 3 and parts[0] == "items" and parts[2] in ITEM_FIELDS and isinstance(value, str):
            rows.setdefault(parts[1][:16], {})[parts[2]] = value.strip()
    items = [(key, values) for key, values in rows.items() if any(values.values())]
    return DeclarationForm(header=header, items=items)


def _as_typed(name: str, value: str, language: str) -> str:
    """An amount as the page's language writes it, in plain digits for validation; anything that is not
    a number is left as typed, for validation to refuse."""
    if name not in AMOUNT_FIELDS or not value:
        return value
    number = typed_amount(value, language)
    return value if number is None else format(number, "f")


def _typed_or_none(name: str, values: Mapping[str, str], language: str) -> str | None:
    return _as_typed(name, values.get(name) or "", language) or None


def _payload(form: DeclarationForm, language: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        name: _typed_or_none(name, form.header, language)
        for name in HEADER_FIELDS
        if name not in ("consignor_name", "consignor_country")
    }
    payload["containers"] = (form.header.get("containers") or "").replace(",", " ").split()
    if form.value("consignor_name"):
        payload["consignor"] = {
            "name": form.value("consignor_name"),
            "country": form.value("consignor_country") or None,
        }
    payload["items"] = [
        {"number": index, **{name: _typed_or_none(name, values, language) for name in ITEM_FIELDS}}
        for index, (_key, values) in enumerate(form.items, start=1)
    ]
    for item in payload["items"]:
        item["description"] = item["description"] or ""
    return payload


def _input_name(form: DeclarationForm, loc: tuple[Any, ...]) -> str:
    if len(loc) >= 3 and loc[0] == "items" and isinstance(loc[1], int) and loc[1] < len(form.items):
        return f"items-{form.items[loc[1]][0]}-{loc[2]}"
    if loc and loc[0] == "consignor":
        return "consignor_" + str(loc[1]) if len(loc) > 1 else "consignor_name"
    return str(loc[0]) if loc else "form"


def content_from(form: DeclarationForm, language: str) -> model.Declaration | None:
    """The declaration the form describes, or None with `form.errors` filled per input (in `language`)."""
    form.errors.update(_amount_errors(form, language))
    try:
        content = DeclarationIn.model_validate(_payload(form, language)).to_model()
    except ValidationError as exc:
        for error in exc.errors():
            form.errors.setdefault(_input_name(form, tuple(error["loc"])), field_error_text(error, language))
        return None
    return None if form.errors else content


def _amount_errors(form: DeclarationForm, language: str) -> dict[str, str]:
    """The amount inputs holding something that is not a number as the language writes one (1e3 included,
    which the API's own validation would read as 1000)."""
    typed = [(name, form.value(name)) for name in HEADER_FIELDS if name in AMOUNT_FIELDS]
    typed += [
        (f"items-{key}-{name}", values.get(name, "")) for key, values in form.items
        for name in ITEM_FIELDS if name in AMOUNT_FIELDS
    ]  # fmt: skip
    refused = translate("Type a number", language)
    return {name: refused for name, value in typed if value and typed_amount(value, language) is None}


@dataclass(frozen=True)
class ShownFinding:
    code: str
    path: str
    message: str
    blocking: bool
    where: str = ""  # the path as the form labels it ("Item 3 · Tariff line")


PART_PATH = re.compile(r"^(items|documents)\[([0-9]+)\](?:\.(\w+))?$")
PART_LABELS = {"items": ("Item {number}", "Item {number} · {field}"),
               "documents": ("Document {number}", "Document {number} · {field}")}  # fmt: skip


def path_label(path: str, language: str) -> str:
    """A finding's field path (items[2].line_code, documents[0].issued_on: counted from 0) as the form labels
    it, counted from 1."""
    part = PART_PATH.match(path)
    if part is None:
        return translate(FIELD_LABELS[path], language) if path in FIELD_LABELS else path
    whole, of_field = PART_LABELS[part.group(1)]
    number = int(part.group(2)) + 1
    if not part.group(3):
        return translate(whole, language, number=number)
    field_label = translate(FIELD_LABELS.get(part.group(3), part.group(3)), language)
    return translate(of_field, language, number=number, field=field_label)


def shown_findings(
    findings: Sequence[Finding | Mapping[str, Any]] | None, language: str
) -> list[ShownFinding]:
    result = []
    for finding in findings or []:
        data = finding.to_dict() if isinstance(finding, Finding) else dict(finding)
        params = data.get("params") if isinstance(data.get("params"), dict) else {}
        shown = readable_params(wording.worded(params or {}, language), language)
        message = translate(str(data["message"]), language, **shown)
        path = str(data["path"])
        blocking = data["severity"] == "blocking"
        result.append(ShownFinding(str(data["code"]), path, message, blocking, path_label(path, language)))
    return result


def _offices(session: Session, language: str) -> list[tuple[str, str]]:
    rows, _total = registry.list_offices(session, active=True, limit=500)
    return [(row.code, office_name(row, language)) for row in rows]


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    form: DeclarationForm,
    *,
    row: DeclarationRow | None = None,
    findings: list[ShownFinding] | None = None,
    error: str | None = None,
    status_code: int = 200,
    amending: bool = False,
) -> Response:
    if not form.items:  # a form sent back with no item still offers a row to fill in
        form.items.append((new_row_key(), {}))
    return render(
        request,
        "declarations/form.html",
        status_code=status_code,
        form=form,
        row=row,
        findings=findings
        if findings is not None
        else shown_findings(row.findings if row else None, viewer.language),
        error=error,
        offices=_offices(session, viewer.language),
        notice=notice(request),
        amending=amending,
        fixed_fields=FIXED_WHEN_AMENDING,
        documents=row.documents if row else [],
        **_choices(viewer.language),
        **LABELS,
    )


def _choices(language: str) -> dict[str, Any]:
    return {
        "regime_options": [(r.value, f"{r.value} · {model.regime_label(r, language)}") for r in model.Regime],
        "incoterm_options": [(i.value, i.value) for i in model.Incoterm],
        "transport_options": [(code, translate(label, language)) for code, label in TRANSPORT_LABELS.items()],
    }


@router.get("/declarations/new")
def new_declaration(request: Request, session: UnitOfWork, viewer: Viewer = Depends(LODGE)) -> Response:
    today = local_date(get_context(request).clock.now())
    return _form_page(request, session, viewer, blank_form(viewer, session, today))


@router.post("/declarations/new", dependencies=[CSRF])
async def create_declaration(request: Request, viewer: Viewer = Depends(LODGE)) -> Response:
    form = read_form(await request.form(max_fields=MAX_FORM_FIELDS))
    content = content_from(form, viewer.language)
    ctx = get_context(request)
    if content is not None:
        created = attempt(request, lambda s: service.create_draft(s, ctx.clock, viewer.actor, content).id)
        if created.ok:
            return see_other(f"/declarations/{created.value}/edit", "saved")
        assert created.error is not None
        error = domain_message(created.error, viewer.language)
    else:
        error = translate("Some fields are not valid: see the marked fields", viewer.language)
    with ctx.db.transaction() as session:
        return _form_page(request, session, viewer, form, error=error, status_code=422)


@router.get("/declarations/item-row")
def item_row(request: Request, viewer: Viewer = Depends(LODGE)) -> Response:
    """One more empty row of the items table (HTMX)."""
    return render(request, "declarations/item_row.html", key=new_row_key(), values={}, form=DeclarationForm())


@router.get("/declarations/{declaration_id}/edit")
def edit_declaration(
    request: Request, session: UnitOfWork, declaration_id: int, viewer: Viewer = Depends(LODGE)
) -> Response:
    row = service.get(session, viewer.actor, declaration_id)
    if row.status != Status.DRAFT.value:
        return see_other(f"/declarations/{row.id}")
    return _form_page(request, session, viewer, form_of(service.content_of(row)), row=row)


def _save(
    request: Request, viewer: Viewer, declaration_id: int, form: DeclarationForm, version: int | None
) -> Any:
    content = content_from(form, viewer.language)
    if content is None:
        return None
    clock = get_context(request).clock

    def save(session: Session) -> tuple[int, list[Any]]:
        laid = over_stored(_stored(session, viewer, declaration_id), content, form)
        return _saved_state(
            service.update_draft(session, clock, viewer.actor, declaration_id, laid, expected_version=version)
        )

    return attempt(request, save)


def _stored(session: Session, viewer: Viewer, declaration_id: int) -> model.Declaration:
    return service.content_of(service.own(session, viewer.actor, declaration_id))


def _saved_state(row: DeclarationRow) -> tuple[int, list[Any]]:
    return row.version, list(row.findings or [])


def _version(data: FormData) -> int | None:
    text = str(data.get("version") or "")
    return whole_number(text)


@router.post("/declarations/{declaration_id}/edit", dependencies=[CSRF])
async def save_declaration(
    request: Request, declaration_id: int, viewer: Viewer = Depends(LODGE)
) -> Response:
    """Save the draft. From HTMX (every change) it answers the findings panel and the new version."""
    data = await request.form(max_fields=MAX_FORM_FIELDS)
    form = read_form(data)
    outcome = _save(request, viewer, declaration_id, form, _version(data))
    live = bool(request.headers.get("HX-Request"))
    if outcome is not None and outcome.ok:
        version, findings = outcome.value
        if live:
            return render(
                request,
                "declarations/findings.html",
                findings=shown_findings(findings, viewer.language),
                version=version,
                form_errors={},
                error=None,
                live=True,
            )
        return see_other(f"/declarations/{declaration_id}/edit", "saved")
    error = (
        domain_message(outcome.error, viewer.language)
        if outcome is not None and outcome.error is not None
        else translate("Some fields are not valid: see the marked fields", viewer.language)
    )
    if live:
        return render(
            request,
            "declarations/findings.html",
            findings=[],
            version=None,
            form_errors=form.error_list(viewer.language),
            error=error,
            live=True,
        )
    with get_context(request).db.transaction() as session:
        row = service.get(session, viewer.actor, declaration_id)
        return _form_page(request, session, viewer, form, row=row, error=error, status_code=422)


@router.post("/declarations/{declaration_id}/lodge", dependencies=[CSRF])
async def lodge_declaration(
    request: Request, declaration_id: int, viewer: Viewer = Depends(LODGE)
) -> Response:
    """Save what the form shows, then lodge it, in one transaction: what was seen is what is lodged."""
    data = await request.form(max_fields=MAX_FORM_FIELDS)
    form = read_form(data)
    content = content_from(form, viewer.language)
    clock = get_context(request).clock

    def save_and_lodge(session: Session) -> str | None:
        assert content is not None
        laid = over_stored(_stored(session, viewer, declaration_id), content, form)
        saved = service.update_draft(
            session, clock, viewer.actor, declaration_id, laid, expected_version=_version(data)
        )
        return lodging.lodge(
            session, clock, viewer.actor, declaration_id, expected_version=saved.version
        ).number

    return _submitted(request, viewer, declaration_id, form, content, save_and_lodge, "lodged")


def _submitted(
    request: Request,
    viewer: Viewer,
    declaration_id: int,
    form: DeclarationForm,
    content: model.Declaration | None,
    work: Any,
    done: str,
    *,
    amending: bool = False,
) -> Response:
    """Run a declaration form's `work` when its content could be read; refused, the form again with why (and
    the findings that blocked it)."""
    findings: list[ShownFinding] = []
    if content is None:
        error = translate("Some fields are not valid: see the marked fields", viewer.language)
    else:
        outcome = attempt(request, work)
        if outcome.ok:
            return see_other(f"/declarations/{declaration_id}", done)
        assert outcome.error is not None
        error = action_message(outcome.error, viewer.language)
        if isinstance(outcome.error, service.BlockingFindings):
            findings = shown_findings(list(outcome.error.findings), viewer.language)
    with get_context(request).db.transaction() as session:
        row = service.get(session, viewer.actor, declaration_id)
        return _form_page(
            request, session, viewer, form, row=row, findings=findings or None, error=error, status_code=422,
            amending=amending,
        )  # fmt: skip


FIXED_WHEN_AMENDING = frozenset({"type", "regime", "office_code", "operator_nif"})
"""What the amendment form shows but does not let change (`service.amend` refuses it)."""


@router.get("/declarations/{declaration_id}/amend")
def amendment_form(
    request: Request, session: UnitOfWork, declaration_id: int, viewer: Viewer = Depends(LODGE)
) -> Response:
    """The lodged declaration's form, to amend before its control (the declarant, with a reason)."""
    row = service.own(session, viewer.actor, declaration_id)
    try:
        model.next_status(row.status, Action.AMEND)
    except DouaneError as exc:  # under control already, or further on: the page says so
        error = action_message(exc, viewer.language)
        return _detail_page(request, session, viewer, declaration_id, error=error, status_code=exc.status)
    return _form_page(request, session, viewer, form_of(service.content_of(row)), row=row, amending=True)


@router.post("/declarations/{declaration_id}/amend", dependencies=[CSRF])
async def amend_declaration(
    request: Request, declaration_id: int, viewer: Viewer = Depends(LODGE)
) -> Response:
    """Amend what the form shows (`lodging.amend`): a new version, checked and assessed again."""
    data = await request.form(max_fields=MAX_FORM_FIELDS)
    form = read_form(data)
    content = content_from(form, viewer.language)
    reason = form.header["reason"] = str(data.get("reason") or "")
    clock, version = get_context(request).clock, _version(data)

    def amend(session: Session) -> int:
        assert content is not None
        laid = over_stored(_stored(session, viewer, declaration_id), content, form)
        return lodging.amend(
            session, clock, viewer.actor, declaration_id, laid, reason=reason, expected_version=version
        ).id

    return _submitted(request, viewer, declaration_id, form, content, amend, "amended", amending=True)


@router.post("/declarations/{declaration_id}/documents", dependencies=[CSRF])
async def upload_document(
    request: Request,
    declaration_id: int,
    file: UploadFile = File(...),
    type_code: str = Form(..., min_length=1, max_length=8),
    number: str = Form(..., min_length=1, max_length=60),
    issuer: str = Form("", max_length=200),
    issued_on: str = Form("", max_length=10),
    viewer: Viewer = Depends(LODGE),
) -> Response:
    data = await file.read(documents.MAX_DOCUMENT_BYTES + 1)
    ctx = get_context(request)
    outcome = attempt(
        request,
        lambda s: (
            service.add_document(
                s,
                ctx.clock,
                viewer.actor,
                declaration_id,
                data_dir=ctx.settings.data_dir,
                data=data,
                filename=file.filename,
                type_code=type_code,
                number=number,
                issuer=issuer or None,
                issued_on=optional_date(issued_on),
            ).id
        ),
    )
    if outcome.ok:
        return see_other(f"/declarations/{declaration_id}/edit", "uploaded")
    assert outcome.error is not None
    with ctx.db.transaction() as session:
        row = service.get(session, viewer.actor, declaration_id)
        error = domain_message(outcome.error, viewer.language)
        return _form_page(
            request,
            session,
            viewer,
            form_of(service.content_of(row)),
            row=row,
            error=error,
            status_code=outcome.error.status,
        )


# --- lists ----------------------------------------------------------------------------------------


@router.get("/declarations")
def declaration_list(
    request: Request,
    session: UnitOfWork,
    status: str = Query("", max_length=20),
    registered_from: str = Query("", max_length=10),
    registered_to: str = Query("", max_length=10),
    number: str = Query("", max_length=24),
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(READ),
) -> Response:
    chosen = Status(status) if status in {s.value for s in Status} else None
    wanted_number = "".join(c for c in number if c.isdigit() or c == "/")
    rows, total = service.search(
        session,
        viewer.actor,
        status=chosen,
        registered_from=optional_date(registered_from),
        registered_to=optional_date(registered_to),
        number=wanted_number or None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    filters = {
        "status": status,
        "registered_from": registered_from,
        "registered_to": registered_to,
        "number": wanted_number,
    }
    return render(
        request,
        "declarations/list.html",
        rows=rows,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        page_url=page_url(request),
        filters=filters,
        statuses=list(Status),
        notice=notice(request),
        **LABELS,
    )


def _queue_page(request: Request, title: str, rows: list[DeclarationRow], total: int, page: int) -> Response:
    return render(
        request,
        "declarations/queue.html",
        title=title,
        rows=rows,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        page_url=page_url(request),
        notice=notice(request),
        **LABELS,
    )


@router.get("/inspection")
def inspection_queue(
    request: Request,
    session: UnitOfWork,
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(page_requires(P.DECLARATIONS_CONTROL)),
) -> Response:
    rows, total = control.inspector_queue(
        session, viewer.office_code, viewer.actor, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return _queue_page(request, "My control queue", rows, total, page)


@router.get("/liquidation")
def liquidation_queue(
    request: Request,
    session: UnitOfWork,
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(ASSESS),
) -> Response:
    rows, total = control.liquidation_queue(
        session, viewer.office_code, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return _queue_page(request, "Liquidation queue", rows, total, page)


@router.get("/invalidations")
def invalidation_queue(
    request: Request,
    session: UnitOfWork,
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(page_requires(P.DECLARATIONS_APPROVE)),
) -> Response:
    rows, total = control.invalidation_queue(
        session, viewer.office_code, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return _queue_page(request, "Invalidation requests", rows, total, page)


# --- the declaration page ----------------------------------------------------------------------------


def _detail_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    declaration_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    typed: Typed | None = None,
) -> Response:
    row = service.get(session, viewer.actor, declaration_id)
    shown = api.declaration_out(session, viewer.actor, row, viewer.language)
    officer = service.is_officer(viewer.actor)
    results = control.control_results(session, row.id) if officer else []
    requests = service.invalidation_requests(session, viewer.actor, row.id)
    pending = next((r for r in requests if r.decision == InvalidationDecision.PENDING.value), None)
    formats = Formats(viewer.language)
    return render(
        request,
        "declarations/detail.html",
        status_code=status_code,
        row=row,
        d=shown,
        officer=officer,
        selectivity_reasons=[reasons.in_language(r, viewer.language) for r in shown.channel_reasons or ()],
        control_results=results,
        amendments=shown.control_amendments,
        version_changes=_version_changes(session, viewer, row) if officer else [],
        path_label=lambda path: path_label(path, viewer.language),
        numeric_amendments=NUMERIC_AMENDMENTS,
        office=" · ".join(
            filter(None, (row.office_code, printouts.office_name(session, row.office_code, viewer.language)))
        ),
        error=error,
        typed=typed or {},
        breakdown_text=lambda sentence: formats.figures(words_in(sentence, viewer.language)),
        suspension_note=lambda breakdown: _suspension_note(breakdown, formats),
        notice=notice(request),
        actions=_actions(viewer, row, shown, pending is not None),
        invalidation_requests=requests,
        pending_invalidation=pending,
        amount_due_link=_amount_due_link(viewer, row),
        pdf_links=_pdf_links(row),
        **_discharge_parts(session, viewer, row),
        **LABELS,
    )


NUMERIC_AMENDMENTS = frozenset({"customs_value_dzd", "net_mass_kg", "supplementary_quantity"})


def _discharge_parts(session: Session, viewer: Viewer, row: DeclarationRow) -> dict[str, Any]:
    """The discharge record once the regime is discharged; before, what the discharge form offers."""
    if row.status == Status.DISCHARGED.value:
        return {"discharge": discharge.discharge_of(session, row.id)}
    methods = model.DISCHARGE_METHODS.get(model.Regime(row.regime), frozenset())
    return {
        "discharge": None,
        "discharge_methods": [m for m in model.DischargeMethod if m in methods],
        "destination_offices": _offices(session, viewer.language) if row.regime == model.Regime.TR else [],
    }


def _actions(viewer: Viewer, row: DeclarationRow, shown: Any, invalidation_pending: bool) -> set[str]:
    """Which action panels this viewer may see now (the use case still checks everything)."""
    allowed = set(shown.allowed_actions)
    actions = set()
    if viewer.can(P.DECLARATIONS_CONTROL, P.DECLARATIONS_APPROVE):
        drawn = viewer.actor.officer_id is not None and row.inspector_officer_id == viewer.actor.officer_id
        controls = drawn or viewer.can(P.DECLARATIONS_APPROVE)
        if "take_for_control" in allowed and controls:  # the drawn inspector, or the chief
            actions.add("take")
        if row.status == Status.UNDER_CONTROL.value and controls:
            actions.add("control")
        if "reject" in allowed:
            actions.add("reject")
    if viewer.can(P.DECLARATIONS_APPROVE) and invalidation_pending:
        actions.add("decide_invalidation")
    declarant = service.may_declare_for(viewer.actor, row)
    may_ask = declarant and viewer.can(P.DECLARATIONS_LODGE) and not invalidation_pending
    if may_ask and "request_invalidation" in allowed:
        actions.add("request_invalidation")
    if viewer.can(P.DECLARATIONS_ASSESS) and "confirm_assessment" in allowed:
        actions.add("assess")
    if viewer.can(P.DECLARATIONS_RELEASE):
        if "release" in allowed:
            actions.add("release")
        if "record_exit" in allowed:
            actions.add("exit")
    if viewer.can(P.DECLARATIONS_DISCHARGE) and "discharge" in allowed:
        actions.add("discharge")
    if viewer.can(P.DECLARATIONS_LODGE) and row.status == Status.DRAFT.value:
        actions.add("edit")
    if declarant and viewer.can(P.DECLARATIONS_LODGE) and "amend" in allowed:
        actions.add("amend")
    return actions


def _amount_due_link(viewer: Viewer, row: DeclarationRow) -> str | None:
    if row.number and row.status in {
        Status.ASSESSED.value,
        Status.PAID.value,
        Status.GUARANTEED.value,
        Status.RELEASED.value,
        Status.EXITED.value,
        Status.DISCHARGED.value,
    }:
        return f"/amounts-due?reference={row.number}"
    return None


def _pdf_links(row: DeclarationRow) -> list[tuple[str, str]]:
    """The printed documents that exist now: the summary once registered, the release authorization once
    the goods are released."""
    links = []
    if row.number:
        links.append((f"/declarations/{row.id}/summary.pdf", "Declaration summary (PDF)"))
    if row.number and row.released_at and row.status in printouts.RELEASED:
        links.append((f"/declarations/{row.id}/release.pdf", "Release authorization (PDF)"))
    return links


Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


@router.get("/declarations/{declaration_id}/summary.pdf")
def summary_pdf(
    request: Request, session: UnitOfWork, declaration_id: Id, viewer: Viewer = Depends(READ)
) -> Response:
    row = service.get(session, viewer.actor, declaration_id)
    data = printouts.summary_pdf(
        session, viewer.actor, row, viewer.language, link=verification_link(request),
        printed_at=get_context(request).clock.now(),
    )  # fmt: skip
    return pdf_response(data, f"declaration-{row.number}")


@router.get("/declarations/{declaration_id}/release.pdf")
def release_pdf(
    request: Request, session: UnitOfWork, declaration_id: Id, viewer: Viewer = Depends(READ)
) -> Response:
    row = service.get(session, viewer.actor, declaration_id)
    data = printouts.release_pdf(
        session, viewer.actor, row, viewer.language, link=verification_link(request),
        printed_at=get_context(request).clock.now(),
    )  # fmt: skip
    return pdf_response(data, f"release-{row.number}")


@router.get("/declarations/{declaration_id}")
def declaration_page(
    request: Request, session: UnitOfWork, declaration_id: int, viewer: Viewer = Depends(READ)
) -> Response:
    return _detail_page(request, session, viewer, declaration_id)


def action_message(exc: DouaneError, language: str) -> str:
    """A refused action as a page says it: the action named as its button is, the status as the page shows it
    ("Confirm the assessment", "Channel assigned"), not by their codes."""
    return domain_message(wording.in_words(exc, language), language)


def _version_changes(session: Session, viewer: Viewer, row: DeclarationRow) -> list[Any]:
    """What each version changed, for the officers (none before a first amendment)."""
    if row.current_version < 2:
        return []
    return changes.of_versions(service.versions(session, viewer.actor, row.id))


def _suspension_note(breakdown: Mapping[str, Any], formats: Formats) -> str:
    """The note of a suspended assessment, its amount as the language writes numbers."""
    total = formats.exact(str(breakdown["guarantee_required"]))
    return translate(SUSPENSION_NOTE, formats.language, total=total)


def _officer_action(
    request: Request, viewer: Viewer, declaration_id: int, work: Any, done: str, typed: Typed | None = None
) -> Response:
    """Run an action form's work; refused, the page is shown again with what was typed in the form
    (`typed`: the form's name in the page and its fields)."""
    outcome = attempt(request, work)
    if outcome.ok:
        return see_other(f"/declarations/{declaration_id}", done)
    assert outcome.error is not None
    error = action_message(outcome.error, viewer.language)
    with get_context(request).db.transaction() as session:
        return _detail_page(
            request, session, viewer, declaration_id, error=error, status_code=outcome.error.status,
            typed=typed,
        )  # fmt: skip


Typed = dict[str, dict[str, str]]


@router.post("/declarations/{declaration_id}/take", dependencies=[CSRF])
def take(
    request: Request,
    declaration_id: int,
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(CONTROL),
) -> Response:
    clock = get_context(request).clock
    work = lambda s: control.take_for_control(  # noqa: E731
        s, clock, declaration_id, by=viewer.actor, expected_version=whole_number(version)
    )
    return _officer_action(request, viewer, declaration_id, work, "taken")


def _amendments(data: FormData, language: str) -> list[control.ItemAmendment]:
    found = []
    for index in range(1, 4):
        item, field_name = (
            str(data.get(f"amend-{index}-item") or ""),
            str(data.get(f"amend-{index}-field") or ""),
        )
        value, reason = (
            str(data.get(f"amend-{index}-value") or ""),
            str(data.get(f"amend-{index}-reason") or ""),
        )
        if not (item or value.strip() or reason.strip()):
            continue  # a row left empty (its field list always has a choice)
        number = whole_number(item)
        if number is None or not field_name or not value.strip():
            raise InvalidInput(
                "declarations.incomplete_amendment",
                "Amendment {row}: choose the item and give the new value, or leave the row empty", row=index,
            )  # fmt: skip
        typed = _as_typed(field_name, value.strip(), language)
        found.append(control.ItemAmendment(number, field_name, typed, reason.strip()))
    return found


NOT_RETYPED = frozenset({"csrf_token", "version"})
"""Fields a refused form does not give back as typed: the page writes its own."""


@router.post("/declarations/{declaration_id}/control-result", dependencies=[CSRF])
async def record_control_result(
    request: Request, declaration_id: int, viewer: Viewer = Depends(CONTROL)
) -> Response:
    data = await request.form()
    clock = get_context(request).clock
    outcome = str(data.get("outcome") or ControlOutcome.NO_DISCREPANCY.value)
    discrepancy = str(data.get("discrepancy_type") or "") or None
    notes = str(data.get("notes") or "").strip() or None
    work = lambda s: control.record_control_result(  # noqa: E731
        s,
        clock,
        declaration_id,
        by=viewer.actor,
        outcome=outcome,
        discrepancy_type=discrepancy if outcome == ControlOutcome.DISCREPANCY.value else None,
        notes=notes,
        amendments=_amendments(data, viewer.language),
        expected_version=_version(data),
    )
    typed = {"control": {k: v for k, v in data.items() if isinstance(v, str) and k not in NOT_RETYPED}}
    return _officer_action(request, viewer, declaration_id, work, "controlled", typed)


@router.post("/declarations/{declaration_id}/confirm-assessment", dependencies=[CSRF])
def confirm_assessment(
    request: Request,
    declaration_id: int,
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(ASSESS),
) -> Response:
    clock = get_context(request).clock
    work = lambda s: control.confirm_assessment(  # noqa: E731
        s, clock, declaration_id, by=viewer.actor, expected_version=whole_number(version)
    )
    return _officer_action(request, viewer, declaration_id, work, "assessed")


@router.post("/declarations/{declaration_id}/release", dependencies=[CSRF])
def release(
    request: Request,
    declaration_id: int,
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(RELEASE),
) -> Response:
    clock = get_context(request).clock
    work = lambda s: control.release(  # noqa: E731
        s, clock, declaration_id, by=viewer.actor, expected_version=whole_number(version)
    )
    return _officer_action(request, viewer, declaration_id, work, "released")


@router.post("/declarations/{declaration_id}/exit", dependencies=[CSRF])
def record_exit(
    request: Request,
    declaration_id: int,
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(RELEASE),
) -> Response:
    clock = get_context(request).clock
    work = lambda s: control.record_exit(  # noqa: E731
        s, clock, declaration_id, by=viewer.actor, expected_version=whole_number(version)
    )
    return _officer_action(request, viewer, declaration_id, work, "exited")


@router.post("/declarations/{declaration_id}/discharge", dependencies=[CSRF])
def discharge_regime(
    request: Request,
    declaration_id: int,
    method: str = Form("", max_length=20),
    reference_number: str = Form("", max_length=24),
    destination_office: str = Form("", max_length=5),
    arrived_on: str = Form("", max_length=10),
    reason: str = Form("", max_length=2000),
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(DISCHARGE),
) -> Response:
    clock = get_context(request).clock

    def work(session: Session) -> DeclarationRow:
        evidence = model.discharge_evidence(
            method, reference_number=reference_number, destination_office=destination_office,
            arrived_on=optional_date(arrived_on),
        )  # fmt: skip
        return control.discharge(
            session, clock, declaration_id, by=viewer.actor, evidence=evidence, reason=reason,
            expected_version=whole_number(version),
        )  # fmt: skip

    typed = {"discharge": {"method": method, "reference_number": reference_number, "reason": reason,
                           "destination_office": destination_office, "arrived_on": arrived_on}}  # fmt: skip
    return _officer_action(request, viewer, declaration_id, work, "discharged", typed)


@router.post("/declarations/{declaration_id}/reject", dependencies=[CSRF])
def reject(
    request: Request,
    declaration_id: int,
    reason: str = Form("", max_length=2000),
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(CONTROL),
) -> Response:
    clock = get_context(request).clock
    work = lambda s: control.reject(  # noqa: E731
        s, clock, declaration_id, by=viewer.actor, reason=reason, expected_version=whole_number(version)
    )
    return _officer_action(request, viewer, declaration_id, work, "rejected", {"reject": {"reason": reason}})


@router.post("/declarations/{declaration_id}/request-invalidation", dependencies=[CSRF])
def request_invalidation(
    request: Request,
    declaration_id: int,
    reason: str = Form("", max_length=2000),
    viewer: Viewer = Depends(LODGE),
) -> Response:
    """The declarant asks customs to cancel its declaration; the office chief decides."""
    clock = get_context(request).clock

    def work(session: Session) -> int:
        return service.request_invalidation(session, clock, viewer.actor, declaration_id, reason=reason).id

    typed = {"request_invalidation": {"reason": reason}}
    return _officer_action(request, viewer, declaration_id, work, "invalidation_requested", typed)


@router.post("/declarations/{declaration_id}/invalidation/approve", dependencies=[CSRF])
def approve_invalidation(
    request: Request,
    declaration_id: int,
    note: str = Form("", max_length=2000),
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(CHIEF),
) -> Response:
    clock = get_context(request).clock
    work = lambda s: control.approve_invalidation(  # noqa: E731
        s,
        clock,
        declaration_id,
        by=viewer.actor,
        note=note or None,
        expected_version=whole_number(version),
    )
    typed = {"approve_invalidation": {"note": note}}
    return _officer_action(request, viewer, declaration_id, work, "invalidated", typed)


@router.post("/declarations/{declaration_id}/invalidation/refuse", dependencies=[CSRF])
def refuse_invalidation(
    request: Request,
    declaration_id: int,
    reason: str = Form("", max_length=2000),
    version: str = Form("", max_length=12),
    viewer: Viewer = Depends(CHIEF),
) -> Response:
    clock = get_context(request).clock
    work = lambda s: control.refuse_invalidation(  # noqa: E731
        s, clock, declaration_id, by=viewer.actor, reason=reason, expected_version=whole_number(version)
    )
    typed = {"refuse_invalidation": {"reason": reason}}
    return _officer_action(request, viewer, declaration_id, work, "invalidation_refused", typed)


# --- the office chief's dashboard -----------------------------------------------------------------


@router.get("/dashboard")
def dashboard(request: Request, session: UnitOfWork, viewer: Viewer = Depends(CHIEF)) -> Response:
    figures = service.office_figures(session, viewer.office_code)
    language = viewer.language
    channel_rows = [
        (translate(CHANNEL_LABELS[c], language), n, f"channel-{c.value}") for c, n in figures.by_channel
    ]
    status_rows = [(translate(STATUS_LABELS[s], language), n, "bar-status") for s, n in figures.by_status]
    return render(
        request,
        "declarations/dashboard.html",
        figures=figures,
        bar_chart=bar_chart,
        channel_rows=channel_rows,
        status_rows=status_rows,
        **LABELS,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: float
    y: int
    css: str


def bar_chart(values: list[tuple[str, int, str]], width: int = 420) -> list[Bar]:
    """Horizontal bars for an inline SVG chart: (label, value, css class) -> bars scaled to `width`."""
    top = max((v for _l, v, _c in values), default=0) or 1
    return [
        Bar(label, value, value / top * width, index * 28, css)
        for index, (label, value, css) in enumerate(values)
    ]
