"""Request-scoped dependencies shared by every context's api.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from douane.bootstrap import Context


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def transaction(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the handler returns, rolled back if it raises.

    Declare it with `Depends(transaction, scope="function")` so the commit happens before the response is
    sent: a failed commit then answers an error instead of a success whose data was lost.
    """
    ctx = get_context(request)
    with ctx.db.transaction() as session:
        yield session


UnitOfWork = Annotated[Session, Depends(transaction, scope="function")]
"""Declare a handler parameter `session: UnitOfWork` to get the request's transaction."""
