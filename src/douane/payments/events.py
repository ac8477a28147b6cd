"""Facts the payments context announces on `douane.kernel.events.bus`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class AmountDueSettled:
    """An amount due became fully paid, or fully covered by a guarantee.

    Published inside the paying transaction: a handler that raises rolls the payment back.
    Published once per amount due: a guaranteed amount that is later paid does not announce it again.
    """

    subject_kind: str
    subject_id: int
    how: Literal["paid", "guaranteed"]
    amount_due_id: int
    at: datetime
