"""Reference-data pieces of the pages: tariff-line suggestions for the declaration form (HTMX)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from douane.identity.model import Permission
from douane.kernel.clock import local_date
from douane.reference import service
from douane.reference.model import TariffLine
from douane.web.deps import UnitOfWork, get_context
from douane.web.session import Viewer, page_requires
from douane.web.templating import render

router = APIRouter(include_in_schema=False)
SUGGESTIONS = 12


@router.get("/reference/tariff-lines/suggest")
def suggest_tariff_lines(
    request: Request, session: UnitOfWork, viewer: Viewer = Depends(page_requires(Permission.REFERENCE_READ))
) -> Response:
    """`<option>`s for a tariff-line input's datalist. The input sends its own value under its own name."""
    typed = next((v for k, v in request.query_params.items() if k == "q" or k.endswith("line_code")), "")
    text = typed.strip()[:60]
    lines: list[TariffLine] = []
    if len(text) >= 2:
        today = local_date(get_context(request).clock.now())
        lines, _total = service.search_tariff_lines(session, text, today, 0, SUGGESTIONS)
    description = f"description_{viewer.language}"
    return render(request, "reference/suggestions.html", lines=lines, description=description)
