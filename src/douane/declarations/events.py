"""Facts the declarations context announces on `douane.kernel.events.bus`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from douane.audit.service import ActorRef


@dataclass(frozen=True)
class RegimeDischarged:
    """A suspensive regime (IM5, IM7, TR) was discharged: the duties and taxes it suspended are no longer
    owed, so the guarantee covering them is free of that declaration.

    Published inside the discharging transaction: a handler that raises rolls the discharge back.
    """

    subject_kind: str  # "declaration", as payments names what an amount due is for
    subject_id: int
    reference: str  # the declaration's registration number
    method: str  # a model.DischargeMethod value
    at: datetime
    discharged_by: ActorRef | None  # the officer: what follows from the discharge is audited as theirs
