"""A model returned as `model_json` reads byte for byte as FastAPI writes the same model returned as is."""

from __future__ import annotations

from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from douane.declarations.model import Channel, Severity, Status
from douane.declarations.schemas import BulkError, BulkOut, BulkOutcome, FindingOut
from douane.web.responses import model_json

ANSWER = BulkOut(
    lodged=1,
    failed=2,
    outcomes=[
        BulkOutcome(
            index=0,
            id=5,
            status=Status.CHANNEL_ASSIGNED,
            number="16011/2026/000001",
            channel=Channel.RED,
            total_due=Decimal("1339387.00"),
        ),
        BulkOutcome(
            index=1,
            id=6,
            status=Status.DRAFT,
            findings=[
                FindingOut(
                    code="declarations.mass",
                    path="items[0].net_mass_kg",
                    message="الكتلة الصافية",
                    severity=Severity.BLOCKING,
                    params={"limit": Decimal("1.50"), "item": 3, "unit": "kg"},
                ),
            ],
        ),
        BulkOutcome(index=2, error=BulkError(code="declarations.refused", message="Refusée « x »")),
    ],
)


def test_model_json_writes_what_fastapi_writes_for_the_model() -> None:
    app = FastAPI()

    @app.get("/as-is", response_model=BulkOut)
    def as_is() -> BulkOut:
        return ANSWER

    @app.get("/model-json", response_model=BulkOut)
    def serialised() -> object:
        return model_json(ANSWER)

    client = TestClient(app)
    fastapi_own, ours = client.get("/as-is"), client.get("/model-json")
    assert ours.content == fastapi_own.content
    assert ours.headers["content-type"] == fastapi_own.headers["content-type"] == "application/json"
    assert ours.json()["outcomes"][0]["total_due"] == "1339387.00"
