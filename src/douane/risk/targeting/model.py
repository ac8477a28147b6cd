"""Targeting rules as the domain sees them: lifecycle, actions, scope, and what an active rule is.

Lifecycle: draft -> active <-> suspended; any of them -> retired, which is final. Editing a draft or a
suspended rule keeps its status; editing an active rule makes a new version that is active at once, and
says why (the reason is required for every change except editing a draft). Every change, whether of
content or of status, is a new version; nothing is overwritten.

Priority: 1 is considered first, 999 last (selectivity orders the hits it reports by priority).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from douane.kernel.errors import Conflict, InvalidInput
from douane.risk.rules import CompiledRule


class RuleStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class RuleAction(StrEnum):
    YELLOW = "yellow"  # documentary control
    RED = "red"  # physical inspection
    BLUE = "blue"  # post-clearance audit
    SCORE = "score"  # adds points to the declaration's risk score
    SCAN = "scan"  # mandatory non-intrusive scan


class Transition(StrEnum):
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    RETIRE = "retire"


S = RuleStatus
TRANSITIONS: Mapping[tuple[RuleStatus, Transition], RuleStatus] = {
    (S.DRAFT, Transition.ACTIVATE): S.ACTIVE,
    (S.DRAFT, Transition.RETIRE): S.RETIRED,
    (S.ACTIVE, Transition.SUSPEND): S.SUSPENDED,
    (S.ACTIVE, Transition.RETIRE): S.RETIRED,
    (S.SUSPENDED, Transition.ACTIVATE): S.ACTIVE,
    (S.SUSPENDED, Transition.RETIRE): S.RETIRED,
}
EDITABLE = frozenset({S.DRAFT, S.ACTIVE, S.SUSPENDED})
PRIORITY_RANGE = (1, 999)
SCORE_RANGE = (1, 1000)
MAX_SCOPE = 200
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)  # history periods; local days stay instants


def check_period(start: date, end: date) -> None:
    """A history period (backtest, derivation) within the dates the system represents."""
    if not (FIRST_DAY <= start <= LAST_DAY and FIRST_DAY <= end <= LAST_DAY):
        raise InvalidInput(
            "risk.date_out_of_range", "Dates run from {first} to {last}",
            first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat(),
        )  # fmt: skip


def next_status(current: RuleStatus, transition: Transition) -> RuleStatus:
    """The status after the transition, or Conflict `rules.transition_refused`."""
    target = TRANSITIONS.get((current, transition))
    if target is None:
        raise Conflict(
            "rules.transition_refused", "A {status} rule cannot be changed by \"{transition}\"",
            status=current.value, transition=transition.value,
        )  # fmt: skip
    return target


def check_editable(current: RuleStatus) -> None:
    if current not in EDITABLE:
        raise Conflict("rules.retired", "A retired rule cannot be changed; write a new rule instead")


def reason_required(current: RuleStatus) -> bool:
    """Every change needs a reason, except editing a draft nobody relies on yet."""
    return current is not RuleStatus.DRAFT


@dataclass(frozen=True)
class RuleContent:
    """What an analyst writes: everything a version holds except its bookkeeping."""

    name: str
    expression: str
    action: RuleAction
    priority: int = 100
    description: str = ""
    score_increase: int | None = None
    offices: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None

    def check(self) -> None:
        """Raise InvalidInput for the first content problem (the expression is checked by the compiler)."""
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidInput("rules.name_required", "A rule needs a name of 1 to 200 characters")
        low, high = PRIORITY_RANGE
        if not low <= self.priority <= high:
            raise InvalidInput(
                "rules.priority_range", "Priority goes from {low} to {high}", low=low, high=high
            )
        self._check_score()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise InvalidInput("rules.dates_reversed", "The end date comes before the start date")
        if len(self.offices) > MAX_SCOPE or len(self.regimes) > MAX_SCOPE:
            raise InvalidInput("rules.scope_too_long", "A scope lists at most {count} codes", count=MAX_SCOPE)

    def _check_score(self) -> None:
        if self.action is RuleAction.SCORE:
            low, high = SCORE_RANGE
            if self.score_increase is None or not low <= self.score_increase <= high:
                raise InvalidInput(
                    "rules.score_range", "A score rule adds {low} to {high} points", low=low, high=high
                )
        elif self.score_increase is not None:
            raise InvalidInput("rules.score_without_score_action", "Only a score rule adds points")


@dataclass(frozen=True)
class ActiveRule:
    """An active rule's version in force, compiled, as selectivity and backtests use it."""

    rule_id: int
    code: str
    version: int
    name: str
    action: RuleAction
    score_increase: int | None
    priority: int
    offices: frozenset[str]
    regimes: frozenset[str]
    valid_from: date | None
    valid_to: date | None
    compiled: CompiledRule

    def applies(self, office: str, regime: str, on: date) -> bool:
        """In scope: the office and regime are listed (or none are), and `on` is within the dates."""
        return (
            (not self.offices or office in self.offices)
            and (not self.regimes or regime in self.regimes)
            and (self.valid_from is None or self.valid_from <= on)
            and (self.valid_to is None or on <= self.valid_to)
        )


DIFF_FIELDS = (
    "status", "name", "description", "expression", "action", "score_increase", "priority", "scope_offices",
    "scope_regimes", "valid_from", "valid_to",
)  # fmt: skip


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """The fields that differ between two versions, in a fixed order."""
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in DIFF_FIELDS
        if before.get(name) != after.get(name)
    ]


def expression_diff(before: str, after: str) -> list[str]:
    """A line diff of two expressions ("- " removed, "+ " added, "  " kept)."""
    return [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if not line.startswith("? ")
    ]
