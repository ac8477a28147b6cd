"""What declarations do when other contexts announce facts (wired in douane.bootstrap)."""

from __future__ import annotations

from douane.kernel.events import EventBus


def register(bus: EventBus) -> None:
    """PLACEHOLDER: the declarations helper subscribes to payments' settlement event here."""
