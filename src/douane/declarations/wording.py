"""How a declaration's statuses and the officers' actions on it are named to people: the status as the pages
and printouts show it ("Channel assigned"), an action as its button names it ("Release the goods"). A refusal
that names them by code (`declarations.transition_not_allowed`) is written with these words on pages and in
the API's problem details; its `params` keep the codes for programs."""

from __future__ import annotations

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
    Action.LODGE: "Lodge the declaration", Action.TAKE_FOR_CONTROL: "Take for control",
    Action.RECORD_CONTROL: "Record the control result", Action.CONFIRM_ASSESSMENT: "Confirm the assessment",
    Action.RELEASE: "Release the goods", Action.RECORD_EXIT: "Record the exit of the goods",
    Action.DISCHARGE: "Discharge the regime", Action.REJECT: "Reject the declaration",
    Action.REQUEST_INVALIDATION: "Request the invalidation",
    Action.APPROVE_INVALIDATION: "Approve: invalidate the declaration",
}  # fmt: skip
"""Actions as their buttons name them, for the messages that refuse them."""
QUOTES = {"en": ("\u201c", "\u201d"), "fr": ("«\u00a0", "\u00a0»"), "ar": ("«", "»")}


def in_words(exc: DouaneError, language: str) -> DouaneError:
    """The refusal with its action and status named for people in `language` (the same error when it names
    neither)."""
    action, status = exc.params.get("action"), exc.params.get("status")
    if action not in set(Action) and status not in set(Status):
        return exc
    words = dict(exc.params)
    if action in set(Action):
        opening, closing = QUOTES.get(language, QUOTES["en"])
        button = translate(ACTION_WORDS.get(Action(action), str(action)), language)
        words["action"] = f"{opening}{button}{closing}"
    if status in set(Status):
        words["status"] = translate(STATUS_LABELS[Status(status)], language)
    return DouaneError(exc.code, exc.message, **words)
