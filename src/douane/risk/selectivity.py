"""The default selectivity: each office sends a configured share of its declarations to each channel.

`DefaultSelectivity` implements `douane.declarations.ports.SelectivityPort`. The draw uses a cryptographic
random source, so neither declarants nor officers can predict or steer it; every decision is stored with the
value drawn and the shares it was drawn against.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from douane.declarations.ports import ChannelDecision, SelectivityRequest
from douane.kernel.clock import Clock, local_date
from douane.risk import service
from douane.risk.model import RandomSource, draw_channel
from douane.risk.selection.policy import draw_reason, shares_reason
from douane.risk.tables import SelectivityDecisionRow

SOURCE = "default-shares"


class DefaultSelectivity:
    """Channel = a random draw against the shares in force at the office on the registration date."""

    def __init__(self, random_source: RandomSource | None = None) -> None:
        self._random: RandomSource = random_source or secrets.SystemRandom()

    def choose_channel(self, session: Session, clock: Clock, request: SelectivityRequest) -> ChannelDecision:
        on = local_date(request.registered_at)
        in_force = service.shares_in_force(session, request.office_code, on)
        drawn = draw_channel(in_force.shares, self._random)
        reasons = (shares_reason(in_force.scope, in_force.shares.describe()), draw_reason(drawn.value))
        decision = SelectivityDecisionRow(
            declaration_id=request.declaration_id, office_code=request.office_code,
            channel=drawn.channel.value, reasons=list(reasons), source=SOURCE,
            shares=in_force.shares.as_dict(), setting_id=in_force.setting_id, draw_value=drawn.value,
            decided_at=clock.now(),
        )  # fmt: skip
        session.add(decision)
        return ChannelDecision(channel=drawn.channel.value, reasons=reasons, source=SOURCE)


if TYPE_CHECKING:  # mypy checks that DefaultSelectivity fits the declarations' port
    from douane.declarations.ports import SelectivityPort

    _fits: SelectivityPort = DefaultSelectivity()
