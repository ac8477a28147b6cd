"""What payments do when other contexts announce facts (wired in douane.bootstrap).

Declarations announce `RegimeDischarged` inside the discharging transaction; the suspended duties stop being
owed and the guarantee's cover for them is freed in that same transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from douane.declarations.events import RegimeDischarged
from douane.kernel.clock import Clock
from douane.kernel.events import EventBus


def on_regime_discharged(session: Session, clock: Clock, event: RegimeDischarged) -> None:
    from douane.payments import service

    service.discharge_suspended(
        session, clock, event.subject_kind, event.subject_id,
        reason=f"regime discharged ({event.method}): declaration {event.reference}", by=event.discharged_by,
    )  # fmt: skip


def register(bus: EventBus) -> None:
    bus.subscribe(RegimeDischarged, on_regime_discharged)
