"""Domain events: one context announces a fact, others react inside the same transaction.

Handlers run synchronously, in subscription order, in the publisher's session: if a handler
raises, the whole unit of work rolls back, so a payment never lands without its effect.
Subscriptions are wired once, in `douane.bootstrap`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from douane.kernel.clock import Clock

E = TypeVar("E")
Handler = Callable[[Session, Clock, Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[Session, Clock, E], None]) -> None:
        if handler not in self._handlers[event_type]:
            self._handlers[event_type].append(handler)

    def publish(self, session: Session, clock: Clock, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            handler(session, clock, event)

    def handlers_of(self, event_type: type) -> list[Handler]:
        return list(self._handlers.get(event_type, ()))


bus = EventBus()
"""The process-wide bus; `douane.bootstrap.wire_subscriptions()` fills it."""
