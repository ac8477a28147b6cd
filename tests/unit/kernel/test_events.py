from typing import Any

from douane.kernel.clock import FixedClock
from douane.kernel.events import EventBus
from tests.conftest import T0


class Paid:
    def __init__(self, amount: int) -> None:
        self.amount = amount


class Other:
    pass


def test_handlers_of_the_event_type_run_in_order_and_once() -> None:
    bus, seen = EventBus(), []

    def first(session: Any, clock: Any, event: Paid) -> None:
        seen.append(("first", event.amount))

    def second(session: Any, clock: Any, event: Paid) -> None:
        seen.append(("second", event.amount))

    bus.subscribe(Paid, first)
    bus.subscribe(Paid, second)
    bus.subscribe(Paid, first)  # wiring twice does not double the effect
    bus.publish(None, FixedClock(T0), Paid(5))  # type: ignore[arg-type]
    bus.publish(None, FixedClock(T0), Other())  # type: ignore[arg-type]
    assert seen == [("first", 5), ("second", 5)]
