"""The assessment breakdown a declarant and an officer read shows its sentences (how each customs value was
reached, each base, each rounding), although storage keeps only the figures they are written from; they read
as the engine writes them for the same declaration, in the detail, the officer view and the versions."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.declarations import service
from douane.declarations.model import declaration_to_dict
from douane.declarations.tables import DeclarationRow
from douane.identity.model import Role
from douane.read_cache import reads_cached
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

URL = "/api/v1/declarations"


def test_the_breakdown_reads_with_its_sentences_everywhere(
    ctx: Context, client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    content = import_declaration(demo.operator_nif)
    lodged = client.post(f"{URL}/bulk", json={"declarations": [declaration_to_dict(content)]}, headers=broker)
    declaration_id = lodged.json()["outcomes"][0]["id"]

    with ctx.db.transaction() as session:
        stored = session.get(DeclarationRow, declaration_id)
        assert stored is not None and stored.assessment is not None
        assert "value_text" not in stored.assessment["items"][0]  # the figures only
        with reads_cached(session):
            fresh = service.checked_assessment(session, content, service.today(ctx.clock))[1]
    assert fresh is not None
    written_by_engine = _sentences(fresh.to_readable_dict())

    detail = client.get(f"{URL}/{declaration_id}", headers=broker).json()["assessment"]
    assert _sentences(detail) == written_by_engine
    first = detail["items"][0]
    assert first["value_text"].startswith("EUR 12 000 x ") and " + freight " in first["value_text"]
    for line in first["lines"]:
        assert line["base_text"].startswith("CV ")
        assert line["explanation"].endswith(f"rounded down to {_grouped(line['amount'])} DZD")

    chief = user_headers(Role.OFFICE_CHIEF)
    officer_view = client.get(f"{URL}/{declaration_id}/control", headers=chief)
    assert officer_view.status_code == 200, officer_view.text
    assert _sentences(officer_view.json()["assessment"]) == written_by_engine
    versions = client.get(f"{URL}/{declaration_id}/versions", headers=broker).json()
    assert [_sentences(v["assessment"]) for v in versions if v["assessment"]] == [written_by_engine]


def _sentences(breakdown: dict[str, Any]) -> list[Any]:
    """Each item's value text and, per line, its amount, base text and explanation."""
    return [
        (item["value_text"], [(ln["amount"], ln["base_text"], ln["explanation"]) for ln in item["lines"]])
        for item in breakdown["items"]
    ]


def _grouped(amount: Any) -> str:
    return f"{int(amount):,}".replace(",", " ")
