"""A registration number typed with Arabic-Indic digits finds the declaration, through the API's search and
the declarations page's search box, as the same number in ASCII digits does."""

from __future__ import annotations

from fastapi.testclient import TestClient

from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

URL = "/api/v1/declarations"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EASTERN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_a_number_in_arabic_digits_finds_the_declaration(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = {"declarations": [declaration_to_dict(import_declaration(demo.operator_nif))]}
    lodged = client.post(f"{URL}/bulk", json=body, headers=broker)
    assert lodged.status_code == 200, lodged.text
    number = lodged.json()["outcomes"][0]["number"]  # 16011/2026/000001

    for typed in (number, number.translate(ARABIC), number.translate(EASTERN), number[:10].translate(ARABIC)):
        found = client.get(URL, params={"number": typed}, headers=broker)
        assert found.status_code == 200, (typed, found.text)
        assert [d["number"] for d in found.json()["items"]] == [number], typed


def test_reading_by_number_takes_every_part_in_arabic_digits(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = {"declarations": [declaration_to_dict(import_declaration(demo.operator_nif))]}
    number = client.post(f"{URL}/bulk", json=body, headers=broker).json()["outcomes"][0]["number"]

    for typed in (number, number.translate(ARABIC), number.translate(EASTERN)):
        read = client.get(f"{URL}/by-number/{typed}", headers=broker)
        assert read.status_code == 200, (typed, read.text)
        assert read.json()["number"] == number
    office, year, _ = number.split("/")
    for wrong in (f"{office}/{year}/0", f"{office}/1899/1", f"{office}/{year}/x1", f"१६०११/{year}/1"):
        refused = client.get(f"{URL}/by-number/{wrong}", headers=broker)
        assert refused.status_code == 422, (wrong, refused.text)
        assert refused.json()["code"] == "declarations.invalid_number"


def test_the_widest_dates_are_bounds_like_any_other(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = {"declarations": [declaration_to_dict(import_declaration(demo.operator_nif))]}
    assert client.post(f"{URL}/bulk", json=body, headers=broker).status_code == 200
    widest = {"registered_from": "0001-01-01", "registered_to": "9999-12-31"}
    found = client.get(URL, params=widest, headers=broker)
    assert found.status_code == 200, found.text
    assert found.json()["total"] == 1
