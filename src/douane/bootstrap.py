"""The one place that wires real implementations together."""

from __future__ import annotations

from dataclasses import dataclass, field

from douane.config import Settings, get_settings
from douane.db import Database
from douane.identity.passwords import Passwords
from douane.kernel.clock import Clock, SystemClock
from douane.kernel.events import bus


@dataclass
class Context:
    """What every use case may need: the database, the clock, the settings, the password hasher."""

    db: Database
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    passwords: Passwords = field(default_factory=Passwords)


def wire_subscriptions() -> None:
    """Subscribe each context's event handlers to the process-wide bus (idempotent)."""
    from douane.declarations import subscriptions as declaration_subscriptions
    from douane.payments import subscriptions as payment_subscriptions

    declaration_subscriptions.register(bus)
    payment_subscriptions.register(bus)


def build_context(settings: Settings | None = None, clock: Clock | None = None) -> Context:
    settings = settings or get_settings()
    return Context(
        db=Database(settings.resolved_database_url()),
        settings=settings,
        clock=clock or SystemClock(),
        passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_kib),
    )


wire_subscriptions()
