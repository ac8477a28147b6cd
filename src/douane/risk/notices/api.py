"""Targeting notices over HTTP: officers read them, analysts issue, close and cancel them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from douane.identity.guards import requires
from douane.identity.model import Actor, Permission
from douane.risk.notices import service
from douane.risk.notices.schemas import CancelIn, CloseIn, MatchOut, NoticeDetail, NoticeIn, NoticeOut
from douane.web.deps import UnitOfWork, get_context
from douane.web.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/api/v1/risk/notices", tags=["risk"])
NoticeId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
READ = requires(Permission.RISK_READ)
MANAGE = requires(Permission.NOTICES_MANAGE)


def detail(session: Session, notice_id: int) -> NoticeDetail:
    row = service.get(session, notice_id)
    matches = [MatchOut.model_validate(m) for m in service.matches_of(session, notice_id)]
    return NoticeDetail(**NoticeOut.model_validate(row).model_dump(), matches=matches)


@router.get("", response_model=Page[NoticeOut])
def list_notices(
    session: UnitOfWork,
    status: str | None = Query(None, pattern=r"^(open|matched|closed|cancelled)$"),
    subject_kind: str | None = Query(None, pattern=r"^(operator|consignment|container|vehicle)$"),
    subject: str | None = Query(None, max_length=64),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(READ),
) -> Page[NoticeOut]:
    rows, total = service.list_notices(
        session, status=status, subject_kind=subject_kind, subject=subject, offset=paging.offset,
        limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([NoticeOut.model_validate(row) for row in rows], total)


@router.post("", response_model=NoticeDetail, status_code=201)
def issue_notice(
    session: UnitOfWork, request: Request, body: NoticeIn, actor: Actor = Depends(MANAGE)
) -> NoticeDetail:
    draft = service.NoticeDraft(**body.model_dump())
    row = service.issue(session, get_context(request).clock, draft, by=actor)
    return detail(session, row.id)


@router.get("/{notice_id}", response_model=NoticeDetail)
def read_notice(session: UnitOfWork, notice_id: NoticeId, _actor: Actor = Depends(READ)) -> NoticeDetail:
    return detail(session, notice_id)


@router.post("/{notice_id}/close", response_model=NoticeDetail)
def close_notice(
    session: UnitOfWork, request: Request, notice_id: NoticeId, body: CloseIn, actor: Actor = Depends(MANAGE)
) -> NoticeDetail:
    service.close(
        session, get_context(request).clock, notice_id, outcome=body.outcome, note=body.note, by=actor,
        expected_version=body.expected_version,
    )  # fmt: skip
    return detail(session, notice_id)


@router.post("/{notice_id}/cancel", response_model=NoticeDetail)
def cancel_notice(
    session: UnitOfWork, request: Request, notice_id: NoticeId, body: CancelIn, actor: Actor = Depends(MANAGE)
) -> NoticeDetail:
    service.cancel(
        session, get_context(request).clock, notice_id, reason=body.reason, by=actor,
        expected_version=body.expected_version,
    )  # fmt: skip
    return detail(session, notice_id)
