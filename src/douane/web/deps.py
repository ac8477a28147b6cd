"""Request-scoped dependencies shared by every context's api.py."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from douane.bootstrap import Context


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def transaction(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the handler returns, rolled back if it raises."""
    ctx = get_context(request)
    with ctx.db.transaction() as session:
        yield session
