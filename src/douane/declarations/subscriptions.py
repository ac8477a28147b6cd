"""What declarations do when other contexts announce facts (wired in douane.bootstrap).

Payments announce `AmountDueSettled` inside the paying transaction; the declaration moves from assessed
to paid or guaranteed in that same transaction, so a payment never lands without its effect.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from douane.audit.service import SYSTEM
from douane.kernel.clock import Clock
from douane.kernel.events import EventBus
from douane.payments.events import AmountDueSettled

SUBJECT_KIND = "declaration"


def on_amount_due_settled(session: Session, clock: Clock, event: AmountDueSettled) -> None:
    if event.subject_kind != SUBJECT_KIND:
        return
    from douane.declarations import control

    control.record_settlement(session, clock, event.subject_id, event.how, SYSTEM)


def register(bus: EventBus) -> None:
    bus.subscribe(AmountDueSettled, on_amount_due_settled)
