"""Builders for selectivity tests: requests with identifiers, a model that scores what it is told."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from douane.declarations.ports import ItemFacts, SelectivityRequest
from douane.risk.selection.policy import ModelScore, RuleHit
from tests.integration.risk.factories import request

NIF = "000116001234567"


def facts(declaration_id: int, office_code: str, at: datetime, **changes: object) -> SelectivityRequest:
    item = ItemFacts(
        number=1,
        line_code="8703231100",
        origin_country="DE",
        description="car",
        net_mass_kg=Decimal("1200"),
        gross_mass_kg=Decimal("1300"),
        customs_value_dzd=None,
    )
    base = request(declaration_id, office_code, at)._replace(
        operator_nif=NIF,
        bill_of_lading="MSCU-BL-1",
        manifest_reference="2026/16011/0042",
        transport_means="MSC ALGER",
        items=(item,),
    )
    return base._replace(**changes)


class FixedModel:
    """Scores every declaration the same (or per declaration id), with two contributing features."""

    def __init__(self, score: float, by_declaration: dict[int, float] | None = None) -> None:
        self.default = score
        self.by_declaration = by_declaration or {}

    def score(self, session: Session, request: SelectivityRequest) -> ModelScore | None:
        value = self.by_declaration.get(request.declaration_id, self.default)
        return ModelScore("test-1", value, (("importer_fraud_rate", 0.31), ("value_per_kg", 0.12)))


class FixedRules:
    def __init__(self, *hits: RuleHit) -> None:
        self.found = hits

    def hits(self, session: Session, request: SelectivityRequest) -> tuple[RuleHit, ...]:
        return self.found


def hit(code: str, action: str, *, points: int = 0, priority: int = 10) -> RuleHit:
    return RuleHit(rule_id=int(code[-1]), code=code, version=1, name=f"rule {code}", action=action,
                   priority=priority, points=points)  # fmt: skip
