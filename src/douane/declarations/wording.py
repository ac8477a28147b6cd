"""How a declaration's statuses, its fields and the officers' actions on it are named to people: the status as
the pages and printouts show it ("Channel assigned"), a field as the form labels it ("Customs value (DZD)"),
an action as its button names it ("Release the goods"). A message that names them by code (a refused
transition, an item's amount that is no number) is written with these words on pages, in findings and in
the API's problem details; its `params` keep the codes for programs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from douane.declarations.model import Action, Status
from douane.i18n import translate
from douane.kernel.errors import DouaneError

STATUS_LABELS = {
    Status.DRAFT: "Draft", Status.LODGED: "Lodged", Status.REGISTERED: "Registered",
    Status.CHANNEL_ASSIGNED: "Channel assigned", Status.UNDER_CONTROL: "Under control",
    Status.ASSESSED: "Assessed", Status.PAID: "Paid", Status.GUARANTEED: "Guaranteed",
    Status.RELEASED: "Released", Status.EXITED: "Exited", Status.DISCHARGED: "Regime discharged",
    Status.INVALIDATED: "Invalidated", Status.REJECTED: "Rejected",
}  # fmt: skip
ACTION_WORDS = {
    Action.LODGE: "Lodge the declaration", Action.AMEND: "Amend the declaration",
    Action.TAKE_FOR_CONTROL: "Take for control",
    Action.RECORD_CONTROL: "Record the control result", Action.CONFIRM_ASSESSMENT: "Confirm the assessment",
    Action.RELEASE: "Release the goods", Action.RECORD_EXIT: "Record the exit of the goods",
    Action.DISCHARGE: "Discharge the regime", Action.REJECT: "Reject the declaration",
    Action.REQUEST_INVALIDATION: "Request the invalidation",
    Action.APPROVE_INVALIDATION: "Approve: invalidate the declaration",
}  # fmt: skip
"""Actions as their buttons name them, for the messages that refuse them."""
FIELD_WORDS = {
    "type": "Type", "regime": "Regime", "office_code": "Office", "operator_nif": "Importer/exporter NIF",
    "broker_id": "Customs broker",
    "consignor": "Consignor", "consignee": "Consignee", "dispatch_country": "Country of dispatch",
    "destination_country": "Country of destination", "transport_mode": "Transport mode",
    "transport_means": "Means of transport", "manifest_reference": "Manifest reference",
    "bill_of_lading": "Bill of lading", "containers": "Container numbers",
    "domiciliation_reference": "Bank domiciliation", "invoice_currency": "Invoice currency",
    "invoice_total": "Invoice total", "incoterm": "Incoterm", "freight": "Freight", "insurance": "Insurance",
    "other_costs": "Other costs", "costs_currency": "Costs currency", "line_code": "Tariff line",
    "description": "Description", "origin_country": "Origin", "preference": "Preference",
    "invoice_amount": "Invoice amount", "net_mass_kg": "Net mass (kg)", "gross_mass_kg": "Gross mass (kg)",
    "packages": "Packages", "package_kind": "Kind of packages",
    "supplementary_quantity": "Supplementary quantity", "supplementary_unit": "Supplementary unit",
    "customs_value_dzd": "Customs value (DZD)", "declared_customs_value": "Declared customs value",
    "type_code": "Document type", "number": "Document number", "issuer": "Issuer", "issued_on": "Issued on",
}  # fmt: skip
"""A declaration's fields (and its parts': items, documents) as people call them."""
WORDED_CODES = (
    "declarations.transition_not_allowed", "declarations.invalid_amendment",
    "declarations.field_not_amendable", "declarations.field_required", "declarations.field_too_long",
    "assessment.negative_amount", "assessment.not_a_number", "declarations.field_fixed",
)  # fmt: skip
"""The errors whose parameters name an action, a status or a field by code."""
QUOTES = {"en": ("\u201c", "\u201d"), "fr": ("«\u00a0", "\u00a0»"), "ar": ("«", "»")}


def in_words(exc: DouaneError, language: str) -> DouaneError:
    """The error with the action, status and field it names written for people in `language` (the same error
    when it names none)."""
    words = worded(exc.params, language)
    return exc if words is exc.params else DouaneError(exc.code, exc.message, **words)


def worded(params: Mapping[str, Any], language: str) -> Mapping[str, Any]:
    """`params` with its action, status and field named for people (the same mapping when none is there)."""
    action, status, field = params.get("action"), params.get("status"), params.get("field")
    if action not in ACTIONS and status not in STATUSES and field not in FIELD_WORDS:
        return params
    words = dict(params)
    if action in ACTIONS:
        opening, closing = QUOTES.get(language, QUOTES["en"])
        button = translate(ACTION_WORDS.get(Action(action), str(action)), language)
        words["action"] = f"{opening}{button}{closing}"
    if status in STATUSES:
        words["status"] = translate(STATUS_LABELS[Status(status)], language)
    if field in FIELD_WORDS:
        words["field"] = translate(FIELD_WORDS[field], language)
    return words


ACTIONS = frozenset(action.value for action in Action)
STATUSES = frozenset(status.value for status in Status)
