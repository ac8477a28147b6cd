"""Small helpers every context's views.py shares: run a use case in its own transaction and keep the
error for the page, redirect after a POST with a short notice, parse optional query values, paginate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from douane.kernel.errors import DouaneError
from douane.refusals import REFUSED_WRITES, refusal_of
from douane.web.deps import get_context
from douane.web.templating import render

T = TypeVar("T")
PAGE_SIZE = 25

# Notices shown once after a redirect (`?done=<key>`): keys are stable, texts are msgids.
NOTICES = {
    "saved": "The draft was saved",
    "lodged": "The declaration was lodged",
    "amended": "The declaration was amended",
    "uploaded": "The document was attached",
    "taken": "You took the declaration for control",
    "controlled": "The control result was recorded",
    "assessed": "The assessment was confirmed; the amount due is open at the cashier",
    "released": "The goods were released",
    "exited": "The exit of the goods was recorded",
    "discharged": "The regime was discharged: the guarantee no longer covers this declaration",
    "rejected": "The declaration was rejected",
    "created": "The record was created",
    "invalidation_requested": "Your invalidation request was sent to the office chief",
    "invalidated": "The declaration was invalidated",
    "invalidation_refused": "The invalidation request was refused",
    "guaranteed": "The amount due is covered by the guarantee",
    "guarantee_registered": "The guarantee was registered",
    "imported": "The file was imported",
    "posted": "The officer was posted",
}


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    error: DouaneError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def attempt(request: Request, work: Callable[[Session], T]) -> Outcome[T]:
    """Run `work` in one unit of work: committed if it returns, rolled back (and the error kept) if it
    raises a domain error or the database refuses what it wrote (a number beyond its column), so a refused
    action leaves nothing half-written and its page can say why."""
    ctx = get_context(request)
    try:
        with ctx.db.transaction() as session:
            return Outcome(value=work(session))
    except DouaneError as exc:
        return Outcome(error=exc)
    except REFUSED_WRITES as exc:
        refusal = refusal_of(exc)
        if refusal is None:
            raise
        return Outcome(error=refusal)


def see_other(url: str, done: str | None = None) -> RedirectResponse:
    if done:
        url += ("&" if "?" in url else "?") + urlencode({"done": done})
    return RedirectResponse(url, status_code=303)


def notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


def optional_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def page_url(request: Request) -> Callable[[int], str]:
    """A function giving the current URL with another `page` (for the pager)."""

    def build(page: int) -> str:
        params = dict(request.query_params)
        params.pop("done", None)
        params["page"] = str(page)
        return f"{request.url.path}?{urlencode(params)}"

    return build


Field = tuple[str, str, str, tuple[tuple[str, str], ...]]
"""A form field: (input name, label msgid, input type or "select", select options (value, label msgid))."""


@dataclass
class CreateForm:
    """A creation form under an administration list; it posts to `action` (default: the list's own URL)."""

    title: str
    fields: tuple[Field, ...]
    action: str = ""
    values: dict[str, str] = field(default_factory=dict)
    form_id: str = "create-form"
    button: str = "Create"


def admin_list(
    request: Request,
    title: str,
    columns: tuple[str, ...],
    rows: list[list[Any]],
    total: int,
    page: int,
    q: str,
    **extra: Any,
) -> Response:
    values: dict[str, Any] = {
        "title": title,
        "columns": columns,
        "rows": rows,
        "total": total,
        "page": page,
        "page_size": PAGE_SIZE,
        "page_url": page_url(request),
        "q": q,
        "notice": notice(request),
        "error": None,
    }
    status_code = extra.pop("status_code", 200)
    forms: list[CreateForm] = list(extra.pop("forms", []))
    create_fields = extra.pop("create_fields", ())
    create_title = extra.pop("create_title", "")
    form_values = extra.pop("values", {})
    if create_fields:
        forms.insert(0, CreateForm(create_title, create_fields, values=form_values))
    values.update(extra, forms=forms)
    return render(request, "web/admin_list.html", status_code=status_code, **values)
