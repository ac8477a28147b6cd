"""Reference data over HTTP: reads for every role, imports for administrators only."""

from pathlib import Path

from fastapi.testclient import TestClient

from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.reference.factories import NATIONAL_HEADER, mini_hs, write

TARIFF = f"""
{NATIONAL_HEADER}
2103909100,210390,Mayonnaise,30.00,70.00,2.00,3.00,,19.00,902|910,2026-01-01
2103909200,210390,Assaisonnements pour salades,30.00,,2.00,3.00,,19.00,902,2026-01-01
"""


def upload(client: TestClient, headers: dict[str, str], kind: str, path: Path, **params: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return client.post(
            f"/api/v1/reference/imports/{kind}", files={"file": (path.name, handle, "text/csv")},
            params=params, headers=headers,
        )  # fmt: skip


def load(client: TestClient, admin: dict[str, str], tmp_path: Path) -> None:
    assert upload(client, admin, "hs", mini_hs(tmp_path, {"210390", "870360"})).status_code == 200
    response = upload(client, admin, "tariff", write(tmp_path, "tariff.csv", TARIFF))
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 2


def trader(client: TestClient, admin: dict[str, str], user_headers: UserFactory) -> dict[str, str]:
    """A trader user of a freshly registered economic operator (through the registry's API)."""
    body = {
        "nif": "099916000123456",
        "rc_number": "16/00-1234567B21",
        "legal_name_fr": "Sarl Test",
        "wilaya": "16",
    }
    operator = client.post("/api/v1/operators", json=body, headers=admin)
    assert operator.status_code == 201, operator.text
    return user_headers(Role.TRADER, username="trader", operator_id=operator.json()["id"])


def test_a_trader_reads_but_cannot_import(
    client: TestClient, user_headers: UserFactory, tmp_path: Path
) -> None:
    admin = user_headers(Role.ADMIN)
    trader_headers = trader(client, admin, user_headers)
    refused = upload(client, trader_headers, "tariff", write(tmp_path, "tariff.csv", TARIFF))
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.forbidden"
    load(client, admin, tmp_path)

    line = client.get(
        "/api/v1/reference/tariff-lines/2103909100", params={"on": "2026-05-01"}, headers=trader_headers
    )
    assert line.status_code == 200
    body = line.json()
    assert body["description_fr"] == "Mayonnaise"
    taxes = {m["tax_code"]: m for m in body["measures"] if m["tax_code"]}
    assert taxes["DD"]["rate_percent"] == "30"
    assert taxes["TVA"]["base"] == ["DD", "DAPS", "TCS", "TIC"]
    assert body["required_documents"] == ["902", "910"]
    assert body["prohibited"] is False

    before = client.get(
        "/api/v1/reference/tariff-lines/2103909100", params={"on": "2025-05-01"}, headers=trader_headers
    )
    assert before.status_code == 404
    assert before.json()["code"] == "reference.tariff_line_not_found"


def test_a_rejected_upload_lists_the_bad_lines_and_writes_nothing(
    client: TestClient, user_headers: UserFactory, tmp_path: Path
) -> None:
    admin = user_headers(Role.ADMIN)
    load(client, admin, tmp_path)
    bad = write(
        tmp_path,
        "bad.csv",
        f"{NATIONAL_HEADER}\n2103909900,210390,Autres,30,,2,3,,19,,2026-01-01\n123,210390,X,1,,,,,,,2026-01-01",
    )
    response = upload(client, admin, "tariff", bad)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "import.rejected"
    assert [e["line"] for e in response.json()["errors"]] == [3]
    listed = client.get("/api/v1/reference/tariff-lines", params={"on": "2026-05-01"}, headers=admin).json()
    assert [item["code"] for item in listed["items"]] == ["2103909100", "2103909200"]


def test_search_and_browse(client: TestClient, user_headers: UserFactory, tmp_path: Path) -> None:
    admin = user_headers(Role.ADMIN)
    load(client, admin, tmp_path)
    inspector = user_headers(Role.INSPECTOR, username="inspector")
    get = lambda path, **params: client.get(f"/api/v1/reference/{path}", params=params, headers=inspector)  # noqa: E731

    by_code = get("tariff-lines", q="2103909", on="2026-05-01").json()
    assert by_code["total"] == 2
    by_words = get("tariff-lines", q="salades", on="2026-05-01").json()
    assert [i["code"] for i in by_words["items"]] == ["2103909200"]
    assert get("tariff-lines", q="salades", on="2025-05-01").json()["total"] == 0

    headings = get("hs", level=4).json()
    assert [i["code"] for i in headings["items"]] == ["2103", "8703"]
    detail = get("hs/2103").json()
    assert [c["code"] for c in detail["children"]] == ["210390"]
    assert [a["code"] for a in detail["ancestors"]] == ["21"]
    assert get("hs", q="Subheading 8703").json()["items"][0]["code"] == "870360"

    taxes = get("tax-types").json()
    assert [t["code"] for t in taxes["items"]] == ["DD", "DAPS", "PRCT", "TCS", "TIC", "TVA"]

    algeria = get("countries", q="alg").json()["items"]
    assert any(
        c["alpha_2"] == "DZ" and c["name_ar"] == "الجزائر" and c["name_fr"] == "Algérie" for c in algeria
    )
    dinar = get("currencies", q="DZD").json()["items"]
    assert dinar[0]["name_fr"] == "Dinar algérien"
    assert dinar[0]["minor_units"] == 2

    assert get("tariff-lines/12345").status_code == 422
    assert get("hs", level=9).json()["code"] == "request.invalid"


def test_exchange_rates_by_date(client: TestClient, user_headers: UserFactory, tmp_path: Path) -> None:
    admin = user_headers(Role.ADMIN)
    rates = write(
        tmp_path, "rates.csv", "currency,valid_from,valid_to,dzd_per_unit\nEUR,2026-03-01,2026-03-31,148.5123"
    )
    assert upload(client, admin, "rates", rates).json()["inserted"] == 1
    inspector = user_headers(Role.INSPECTOR, username="inspector")
    rate = client.get("/api/v1/reference/exchange-rates/eur", params={"on": "2026-03-15"}, headers=inspector)
    assert rate.json() == {"currency": "EUR", "on": "2026-03-15", "dzd_per_unit": "148.5123"}
    missing = client.get(
        "/api/v1/reference/exchange-rates/EUR",
        params={"on": "2026-04-01"},
        headers={**inspector, "Accept-Language": "fr"},
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "reference.exchange_rate_not_found"
    assert missing.json()["detail"] == "Aucun taux de change pour EUR le 2026-04-01"
    listed = client.get(
        "/api/v1/reference/exchange-rates", params={"currency": "EUR"}, headers=inspector
    ).json()
    assert listed["total"] == 1
    unknown = client.get("/api/v1/reference/exchange-rates/ABC", headers=inspector)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "reference.unknown_currency"
