"""Notice use cases: issue, read, match at lodging, follow the controls of matched declarations, close,
cancel.

Numbers are AC-YYYY-NNNNNN, gap-free per year of issue: the next number follows the year's highest, under the
unique constraint on `number` (two analysts issuing at the same instant: one gets a Conflict and issues again;
notices are a few thousand a year). Every status change is audited. The caller owns the transaction.

Outcomes are read lazily: when a notice is read, the control results recorded since for its matched
declarations are copied onto the matches. Declarations do not announce control results as events, and this
keeps the lodging and control transactions free of notice work; the first reading fixes the outcome on the
match, so the figures do not move afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.db import fetch_page
from douane.declarations import history_service as declarations
from douane.declarations.ports import SelectivityRequest
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import Conflict, InvalidInput, NotFound
from douane.read_cache import cached, watch_writes
from douane.registry import service as registry
from douane.risk.model import office_code_format, plain_text, storable_id
from douane.risk.notices.model import (
    NOTICE_CHANNELS,
    DeclarationSubjects,
    IssuingService,
    LiveNotice,
    NoticeIndex,
    NoticeOutcome,
    NoticeStatus,
    clean_subject,
    index_notices,
    matching,
    next_status,
)
from douane.risk.tables import NoticeMatchRow, TargetingNoticeRow

watch_writes(TargetingNoticeRow)  # the index of live notices is shared between units of work

ENTITY = "targeting_notice"
PREFIX = "AC"


@dataclass(frozen=True)
class NoticeDraft:
    issuing_service: str
    subject_kind: str
    subject: str
    channel: str
    reason: str
    office_codes: Sequence[str] = ()
    valid_from: date | None = None
    valid_to: date | None = None


# --- issue -------------------------------------------------------------------------------------------


def issue(session: Session, clock: Clock, draft: NoticeDraft, *, by: Actor) -> TargetingNoticeRow:
    today = local_date(clock.now())
    start = draft.valid_from or today
    _check_dates(start, draft.valid_to, today)
    row = TargetingNoticeRow(
        number=_next_number(session, today.year),
        issuing_service=_service(draft.issuing_service),
        subject_kind=draft.subject_kind,
        subject=clean_subject(draft.subject_kind, draft.subject),
        channel=_channel(draft.channel),
        office_codes=_offices(session, draft.office_codes),
        reason=_reason(draft.reason),
        valid_from=start,
        valid_to=draft.valid_to,
        status=NoticeStatus.OPEN.value,
        issued_by=by.username,
        issued_at=clock.now(),
    )
    session.add(row)
    _flush_or_conflict(session)
    audit.record(
        session,
        clock,
        category=audit.STATE,
        action="notice.issued",
        actor=actor_ref(by),
        entity_type=ENTITY,
        entity_id=row.id,
        to_state=row.status,
        reason=row.reason,
        detail={
            "number": row.number,
            "subject_kind": row.subject_kind,
            "subject": row.subject,
            "channel": row.channel,
            "offices": row.office_codes,
        },
    )
    return row


def _next_number(session: Session, year: int) -> str:
    stem = f"{PREFIX}-{year}-"
    query = select(TargetingNoticeRow.number).where(TargetingNoticeRow.number.like(f"{stem}%"))
    last = session.scalar(query.order_by(TargetingNoticeRow.number.desc()).limit(1))
    following = 1 if last is None else int(last.removeprefix(stem)) + 1
    return f"{stem}{following:06d}"


def _flush_or_conflict(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "risk.notice_number_taken", "Another notice took this number at the same moment: issue it again"
        ) from exc


def _check_dates(start: date, end: date | None, today: date) -> None:
    if start < today:
        raise InvalidInput(
            "risk.notice_in_the_past",
            "A notice takes effect today or later, not on {date}",
            date=start.isoformat(),
        )
    if end is not None and end < start:
        raise InvalidInput("risk.notice_ends_before_start", "A notice cannot end before it starts")


def _service(value: str) -> str:
    try:
        return IssuingService(value).value
    except ValueError as exc:
        raise InvalidInput(
            "risk.notice_invalid_service",
            "A notice is issued by risk analysis, intelligence or mutual assistance",
        ) from exc


def _channel(value: str) -> str:
    if value not in NOTICE_CHANNELS:
        raise InvalidInput("risk.notice_invalid_channel", "A notice sends declarations to yellow or red")
    return value


def _offices(session: Session, codes: Sequence[str]) -> list[str]:
    return sorted({registry.get_office(session, office_code_format(code)).code for code in codes})


def _reason(text: str | None) -> str:
    cleaned = (text or "").replace("\x00", "").strip()
    if not cleaned:
        raise InvalidInput("risk.notice_reason_required", "Say why: the reason is empty")
    return cleaned[:4000]


# --- read --------------------------------------------------------------------------------------------


def get(session: Session, notice_id: int) -> TargetingNoticeRow:
    row = session.get(TargetingNoticeRow, notice_id) if storable_id(notice_id) else None
    if row is None:
        raise NotFound("risk.notice_not_found", "No such notice", notice_id=notice_id)
    return row


def list_notices(
    session: Session,
    *,
    status: str | None = None,
    subject_kind: str | None = None,
    subject: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[TargetingNoticeRow], int]:
    query = select(TargetingNoticeRow)
    if status:
        query = query.where(TargetingNoticeRow.status == status)
    if subject_kind:
        query = query.where(TargetingNoticeRow.subject_kind == subject_kind)
    if subject and plain_text(subject):
        query = query.where(TargetingNoticeRow.subject.contains(plain_text(subject).upper()[:64]))
    return fetch_page(session, query, TargetingNoticeRow.id.desc(), offset, limit)


def matches_of(session: Session, notice_id: int) -> list[NoticeMatchRow]:
    """The notice's matched declarations, with the outcome of each control recorded so far."""
    matches = list(
        session.scalars(
            select(NoticeMatchRow).where(NoticeMatchRow.notice_id == notice_id).order_by(NoticeMatchRow.id)
        )
    )
    _fill_outcomes(session, [m for m in matches if m.control_outcome is None])
    return matches


def _fill_outcomes(session: Session, pending: list[NoticeMatchRow]) -> None:
    if not pending:
        return
    latest = declarations.last_control_outcomes(session, [match.declaration_id for match in pending])
    for match in pending:
        match.control_outcome = latest.get(match.declaration_id)


# --- close and cancel --------------------------------------------------------------------------------


def close(
    session: Session,
    clock: Clock,
    notice_id: int,
    *,
    outcome: str,
    note: str,
    by: Actor,
    expected_version: int | None = None,
) -> TargetingNoticeRow:
    """The analyst's conclusion: the suspicion was confirmed or unfounded."""
    try:
        result = NoticeOutcome(outcome)
    except ValueError as exc:
        raise InvalidInput(
            "risk.notice_invalid_outcome", "A notice closes as confirmed or unfounded"
        ) from exc
    row = _for_change(session, notice_id, expected_version)
    before = row.status
    row.status = next_status(row.status, "close").value
    row.outcome, row.outcome_note = result.value, _reason(note)
    _audit_change(session, clock, row, before, by, row.outcome_note, "notice.closed")
    return row


def cancel(
    session: Session,
    clock: Clock,
    notice_id: int,
    *,
    reason: str,
    by: Actor,
    expected_version: int | None = None,
) -> TargetingNoticeRow:
    row = _for_change(session, notice_id, expected_version)
    before = row.status
    row.status = next_status(row.status, "cancel").value
    row.outcome_note = _reason(reason)
    _audit_change(session, clock, row, before, by, row.outcome_note, "notice.cancelled")
    return row


def _for_change(session: Session, notice_id: int, expected_version: int | None) -> TargetingNoticeRow:
    row = get(session, notice_id)
    if expected_version is not None and row.row_version != expected_version:
        raise Conflict(
            "risk.notice_changed",
            "The notice changed meanwhile (version {current}): reload it",
            current=row.row_version,
        )
    return row


def _audit_change(
    session: Session, clock: Clock, row: TargetingNoticeRow, before: str, by: Actor, reason: str, action: str
) -> None:
    session.flush()
    audit.record(
        session,
        clock,
        category=audit.STATE,
        action=action,
        actor=actor_ref(by),
        entity_type=ENTITY,
        entity_id=row.id,
        from_state=before,
        to_state=row.status,
        reason=reason,
        detail={"number": row.number, "outcome": row.outcome},
    )


# --- matching at lodging -----------------------------------------------------------------------------


def live_index(session: Session) -> NoticeIndex:
    """Open and matched notices by (subject kind, subject); kept between units of work until one changes."""
    return cached(session, ("risk.live_notices",), lambda: _load_index(session), shared=True)


def _load_index(session: Session) -> NoticeIndex:
    live = [NoticeStatus.OPEN.value, NoticeStatus.MATCHED.value]
    rows = session.scalars(select(TargetingNoticeRow).where(TargetingNoticeRow.status.in_(live)))
    return index_notices(
        LiveNotice(
            id=row.id,
            number=row.number,
            subject_kind=row.subject_kind,
            subject=row.subject,
            channel=row.channel,
            office_codes=frozenset(row.office_codes or ()),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            status=row.status,
        )
        for row in rows
    )


def subjects_of(request: SelectivityRequest) -> DeclarationSubjects:
    return DeclarationSubjects(
        operator_nif=request.operator_nif,
        consignments=tuple(v for v in (request.bill_of_lading, request.manifest_reference) if v),
        containers=request.containers,
        vehicles=(request.transport_means,) if request.transport_means else (),
    )


def notices_for(session: Session, request: SelectivityRequest) -> list[LiveNotice]:
    """The live notices that name one of the declaration's identifiers, at its office and date."""
    index = live_index(session)
    if not index:
        return []
    return matching(index, subjects_of(request), request.office_code, local_date(request.registered_at))


def record_matches(
    session: Session, clock: Clock, declaration_id: int, notices: Sequence[LiveNotice]
) -> None:
    """Store each match, mark notices matched the first time, audit; in the lodging transaction."""
    if not notices:
        return
    now = clock.now()
    session.add_all(
        NoticeMatchRow(notice_id=n.id, declaration_id=declaration_id, matched_at=now) for n in notices
    )
    first_matches = [n for n in notices if n.status == NoticeStatus.OPEN.value]
    if first_matches:  # open -> matched, once: a notice already matched is not written again
        session.execute(
            update(TargetingNoticeRow)
            .where(
                TargetingNoticeRow.id.in_([n.id for n in first_matches]),
                TargetingNoticeRow.status == NoticeStatus.OPEN.value,
            )
            .values(status=NoticeStatus.MATCHED.value, row_version=TargetingNoticeRow.row_version + 1)
            .execution_options(synchronize_session="fetch")
        )
    for notice in notices:
        first = notice in first_matches
        audit.record(
            session,
            clock,
            category=audit.STATE,
            action="notice.matched",
            actor=audit.SYSTEM,
            entity_type=ENTITY,
            entity_id=notice.id,
            from_state=NoticeStatus.OPEN.value if first else None,
            to_state=NoticeStatus.MATCHED.value if first else None,
            detail={"number": notice.number, "declaration_id": declaration_id},
        )
