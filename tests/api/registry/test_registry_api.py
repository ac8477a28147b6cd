"""The registry over HTTP: who may do what, problem+json codes, row-level security for traders."""

from typing import Any

from fastapi.testclient import TestClient

from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.registry.factories import nif

OFFICE = {
    "code": "16011",
    "name_fr": "Alger Port",
    "name_ar": "ميناء الجزائر",
    "name_en": "Algiers Port",
    "kind": "sea_port",
    "regional_directorate": "ALP",
    "unlocode": "DZALG",
    "collection_office": "16000",
    "regimes": ["1000", "4000"],
}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _offices(client: TestClient, admin: dict[str, str], *codes: str) -> None:
    _ok(client.put("/api/v1/regional-directorates/ALP", json={"name_fr": "Alger-Port"}, headers=admin))
    for code in codes:
        _ok(client.post("/api/v1/offices", json={**OFFICE, "code": code}, headers=admin), 201)


def _operator(client: TestClient, admin: dict[str, str], n: int, name: str) -> dict[str, Any]:
    body = {"nif": nif(n), "rc_number": f"16/00-{n}B21", "legal_name_fr": name, "wilaya": "16"}
    return _ok(client.post("/api/v1/operators", json=body, headers=admin), 201)  # type: ignore[no-any-return]


def test_offices_are_managed_by_admins_and_read_by_staff(
    client: TestClient, user_headers: UserFactory
) -> None:
    admin = user_headers(Role.ADMIN)
    _offices(client, admin, "16011")
    broker_firm = _ok(
        client.post(
            "/api/v1/brokers",
            json={
                "licence_number": "AG-1",
                "firm_name": "Transit",
                "holder_name": "K. B.",
                "nif": nif(9),
                "licence_valid_from": "2024-01-01",
            },
            headers=admin,
        ),
        201,
    )
    broker = user_headers(Role.BROKER, broker_id=broker_firm["id"])
    refused = client.post("/api/v1/offices", json={**OFFICE, "code": "31011"}, headers=broker)
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.forbidden"
    inspector = user_headers(Role.INSPECTOR)
    listed = _ok(client.get("/api/v1/offices", params={"regime": "4000"}, headers=inspector))
    assert [o["code"] for o in listed["items"]] == ["16011"]
    assert listed["items"][0]["regional_directorate_name"] == "Alger-Port"
    patched = _ok(client.patch("/api/v1/offices/16011", json={"regimes": ["IM4"]}, headers=admin))
    assert patched["regimes"] == ["IM4"]
    assert (
        client.get("/api/v1/offices/99999", headers=inspector).json()["code"] == "registry.office_not_found"
    )
    assert _ok(client.get(f"/api/v1/brokers/{broker_firm['id']}", headers=broker))["firm_name"] == "Transit"


def test_bad_office_input_gets_field_paths_and_a_duplicate_a_conflict(
    client: TestClient, user_headers: UserFactory
) -> None:
    admin = user_headers(Role.ADMIN)
    _offices(client, admin, "16011")
    bad = client.post(
        "/api/v1/offices",
        json={**OFFICE, "code": "1601", "unlocode": "DZ-AL", "kind": "spaceport", "x": 1},
        headers=admin,
    )
    assert bad.status_code == 422
    assert {"body.code", "body.unlocode", "body.kind", "body.x"} <= {e["path"] for e in bad.json()["errors"]}
    again = client.post("/api/v1/offices", json=OFFICE, headers={**admin, "Accept-Language": "fr"})
    assert again.status_code == 409
    assert again.json()["code"] == "registry.office_exists"
    assert again.json()["detail"] == "Un bureau de douane de code 16011 existe déjà"
    unknown = client.post(
        "/api/v1/offices", json={**OFFICE, "code": "31011", "regional_directorate": "ZZ"}, headers=admin
    )
    assert unknown.json()["code"] == "registry.unknown_directorate"


def test_a_trader_reads_only_its_own_operator(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    mine = _operator(client, admin, 1, "Sarl Mine")
    other = _operator(client, admin, 2, "Sarl Other")
    trader = user_headers(Role.TRADER, operator_id=mine["id"])
    listed = _ok(client.get("/api/v1/operators", headers=trader))
    assert [o["id"] for o in listed["items"]] == [mine["id"]]
    assert listed["total"] == 1
    assert _ok(client.get("/api/v1/operators", params={"q": "other"}, headers=trader))["total"] == 0
    assert _ok(client.get(f"/api/v1/operators/{mine['id']}", headers=trader))["nif"] == nif(1)
    refused = client.get(f"/api/v1/operators/{other['id']}", headers={**trader, "Accept-Language": "ar"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "registry.not_your_operator"
    assert refused.json()["detail"] == "لا يمكنك الاطلاع إلا على متعاملك الاقتصادي"
    assert client.get(f"/api/v1/operators/{other['id']}/history", headers=trader).status_code == 403
    inspector = user_headers(Role.INSPECTOR)
    assert _ok(client.get("/api/v1/operators", headers=inspector))["total"] == 2


def test_suspending_an_operator_needs_the_permission_a_reason_and_the_version(
    client: TestClient, user_headers: UserFactory
) -> None:
    admin = user_headers(Role.ADMIN)
    operator = _operator(client, admin, 3, "Sarl Suspect")
    url = f"/api/v1/operators/{operator['id']}/status"
    body = {"status": "suspended", "reason": "Unpaid fines", "expected_version": 1}
    inspector = user_headers(Role.INSPECTOR)
    assert client.post(url, json=body, headers=inspector).status_code == 403
    assert client.post(url, json={**body, "reason": ""}, headers=admin).status_code == 422
    suspended = _ok(client.post(url, json=body, headers=admin))
    assert (suspended["status"], suspended["version"]) == ("suspended", 2)
    stale = client.post(url, json={**body, "status": "active"}, headers=admin)
    assert (stale.status_code, stale.json()["code"]) == (409, "registry.stale_version")
    struck = _ok(
        client.post(url, json={**body, "status": "struck_off", "expected_version": 2}, headers=admin)
    )
    final = client.post(
        url, json={**body, "status": "active", "expected_version": struck["version"]}, headers=admin
    )
    assert (final.status_code, final.json()["code"]) == (409, "registry.operator_transition_refused")
    history = _ok(client.get(f"/api/v1/operators/{operator['id']}/history", headers=inspector))
    assert [(h["to_status"], h["reason"]) for h in history] == [
        ("suspended", "Unpaid fines"),
        ("struck_off", "Unpaid fines"),
    ]
    bad_nif = client.post(
        "/api/v1/operators",
        json={"nif": "123", "rc_number": "x", "legal_name_fr": "X", "wilaya": "99"},
        headers=admin,
    )
    assert {"body.nif", "body.wilaya"} <= {e["path"] for e in bad_nif.json()["errors"]}


def test_operator_search_over_http(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    _operator(client, admin, 160001, "Électroménager de Sétif")
    _operator(client, admin, 160002, "Café d'Oran")
    found = _ok(client.get("/api/v1/operators", params={"q": "SETIF"}, headers=admin))
    assert [o["legal_name_fr"] for o in found["items"]] == ["Électroménager de Sétif"]
    by_prefix = _ok(
        client.get("/api/v1/operators", params={"q": "00000000016000", "page_size": 1}, headers=admin)
    )
    assert (by_prefix["total"], len(by_prefix["items"])) == (2, 1)
    assert client.get("/api/v1/operators", params={"wilaya": "60"}, headers=admin).status_code == 422


def test_operator_csv_upload_reports_rejected_lines(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    csv_text = (
        "nif,rc_number,legal_name_fr,legal_name_ar,address,wilaya\n"
        f"{nif(1)},16/00-1B21,Sarl Un,,,16\n"
        "42,16/00-2B21,Sarl Deux,,,16\n"
    )
    files = {"file": ("operators.csv", csv_text.encode(), "text/csv")}
    rejected = client.post("/api/v1/operators/import", files=files, headers=admin)
    assert rejected.status_code == 422
    assert rejected.json()["code"] == "import.rejected"
    assert [(e["line"], e["field"]) for e in rejected.json()["errors"]] == [(3, "nif")]
    assert _ok(client.get("/api/v1/operators", headers=admin))["total"] == 0
    good = {"file": ("operators.csv", csv_text.replace("42,", f"{nif(2)},").encode(), "text/csv")}
    assert _ok(client.post("/api/v1/operators/import", files=good, headers=admin))["inserted"] == 2


def test_brokers_may_declare_and_approvals(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    _offices(client, admin, "16011", "31011")
    broker = _ok(
        client.post(
            "/api/v1/brokers",
            json={
                "licence_number": "AG-2",
                "firm_name": "Transit Ouest",
                "holder_name": "S. M.",
                "nif": nif(77),
                "licence_valid_from": "2024-01-01",
                "licence_valid_to": "2027-12-31",
            },
            headers=admin,
        ),
        201,
    )
    base = f"/api/v1/brokers/{broker['id']}"
    _ok(
        client.post(
            f"{base}/approvals", json={"office_code": "31011", "valid_from": "2026-01-01"}, headers=admin
        ),
        201,
    )
    trader_firm = _operator(client, admin, 5, "Importer")
    trader = user_headers(Role.TRADER, operator_id=trader_firm["id"])
    here = _ok(client.get(f"{base}/may-declare", params={"office": "31011"}, headers=trader))
    assert here["may_declare"] is True
    there = _ok(
        client.get(f"{base}/may-declare", params={"office": "16011", "on": "2026-03-15"}, headers=trader)
    )
    assert (there["may_declare"], there["refusal_code"]) == (False, "registry.broker_not_approved_at_office")
    assert (
        client.post(
            f"{base}/status",
            json={"status": "suspended", "reason": "x", "expected_version": 1},
            headers=trader,
        ).status_code
        == 403
    )
    _ok(
        client.post(
            f"{base}/status",
            json={"status": "suspended", "reason": "Inquiry", "expected_version": 1},
            headers=admin,
        )
    )
    suspended = _ok(client.get(f"{base}/may-declare", params={"office": "31011"}, headers=trader))
    assert suspended["refusal_code"] == "registry.broker_suspended"


def test_office_chief_manages_own_office_and_the_roster(
    client: TestClient, user_headers: UserFactory
) -> None:
    admin = user_headers(Role.ADMIN)
    _offices(client, admin, "16011", "31011")

    def officer(number: str, on_duty: bool = True) -> int:
        body = {
            "service_number": number,
            "full_name": f"Agent {number}",
            "grade": "inspecteur",
            "on_duty": on_duty,
        }
        return _ok(client.post("/api/v1/officers", json=body, headers=admin), 201)["id"]  # type: ignore[no-any-return]

    chief_id, inspector_id, far_id = officer("C100"), officer("M100", on_duty=False), officer("M200")
    posting = {"role": "office_chief", "office_code": "16011", "valid_from": "2026-01-01"}
    _ok(client.post(f"/api/v1/officers/{chief_id}/postings", json=posting, headers=admin), 201)
    _ok(
        client.post(
            f"/api/v1/officers/{far_id}/postings",
            json={**posting, "role": "inspector", "office_code": "31011"},
            headers=admin,
        ),
        201,
    )
    chief = user_headers(Role.OFFICE_CHIEF, officer_id=chief_id)
    inspection = {"role": "inspector", "office_code": "16011", "valid_from": "2026-03-01"}
    _ok(client.post(f"/api/v1/officers/{inspector_id}/postings", json=inspection, headers=chief), 201)
    overlap = client.post(f"/api/v1/officers/{inspector_id}/postings", json=inspection, headers=admin)
    assert (overlap.status_code, overlap.json()["code"]) == (409, "registry.posting_overlaps")
    elsewhere = client.put(f"/api/v1/officers/{far_id}/duty", json={"on_duty": False}, headers=chief)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "registry.not_your_office")
    roster_url = "/api/v1/offices/16011/roster"
    assert _ok(client.get(roster_url, params={"role": "inspector"}, headers=chief)) == []
    _ok(client.put(f"/api/v1/officers/{inspector_id}/duty", json={"on_duty": True}, headers=chief))
    roster = _ok(
        client.get(roster_url, params={"role": "inspector", "at": "2026-03-15T10:00:00Z"}, headers=chief)
    )
    assert [o["service_number"] for o in roster] == ["M100"]
    inspector = user_headers(Role.INSPECTOR)
    assert (
        client.put(f"/api/v1/officers/{far_id}/duty", json={"on_duty": False}, headers=inspector).status_code
        == 403
    )
    assert client.get(roster_url, params={"role": "pilot"}, headers=inspector).status_code == 422


def test_hostile_input_never_gets_a_500(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    _offices(client, admin, "16011")
    probes = [
        client.get("/api/v1/operators/99999999999999999999", headers=admin),
        client.get("/api/v1/operators", params={"q": "a\x00b%_"}, headers=admin),
        client.get("/api/v1/brokers", params={"q": "x\x00"}, headers=admin),
        client.get("/api/v1/officers", params={"q": "\x00"}, headers=admin),
        client.get("/api/v1/offices", params={"q": "\x00%"}, headers=admin),
        client.get("/api/v1/offices/1%000", headers=admin),
        client.post("/api/v1/operators", json={"nif": nif(1), "rc_number": "\x00", "legal_name_fr": "A\x00B",
                                               "wilaya": "16"}, headers=admin),
        client.post("/api/v1/operators/1/status", json={"status": "suspended", "reason": "\x00",
                                                        "expected_version": 1}, headers=admin),
        client.post("/api/v1/offices", json={**OFFICE, "code": "31011", "regimes": ["\x00"]}, headers=admin),
    ]  # fmt: skip
    assert [p.status_code for p in probes] == [422, 200, 200, 200, 200, 422, 422, 422, 422]
