"""The declarant's side over HTTP: drafts, validation, lodging, reading, scoping, bulk, documents."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from douane.declarations import documents
from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from douane.registry import service as registry
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration, item

URL = "/api/v1/declarations"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _body(nif: str, **changes: Any) -> dict[str, Any]:
    data = declaration_to_dict(import_declaration(nif))
    data.update(changes)
    return data


def _lodge(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    created = client.post(URL, json=body, headers=headers)
    assert created.status_code == 201, created.text
    lodged = client.post(f"{URL}/{created.json()['id']}/lodge", headers=headers)
    assert lodged.status_code == 200, lodged.text
    result: dict[str, Any] = lodged.json()
    return result


def test_broker_creates_validates_lodges_and_reads(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    created = client.post(URL, json=_body(demo.operator_nif), headers=broker)
    assert created.status_code == 201, created.text
    draft = created.json()
    assert (draft["status"], draft["number"], draft["broker_id"]) == ("draft", None, demo.broker_id)
    checked = client.post(f"{URL}/{draft['id']}/validate", headers=broker).json()
    assert checked["blocking"] == 0
    lodged = client.post(f"{URL}/{draft['id']}/lodge", headers=broker)
    assert lodged.status_code == 200, lodged.text
    body = lodged.json()
    assert body["status"] == "channel_assigned" and body["number"] == "16011/2026/000001"
    assert body["channel"] in {"green", "yellow", "red", "blue"}
    assert float(body["total_due"]) > 0 and body["assessment"]["items"]
    assert body["channel_reasons"] is None and body["inspector_officer_id"] is None
    read = client.get(f"{URL}/by-number/16011/2026/1", headers=broker).json()
    assert read["id"] == draft["id"]
    assert [e["action"] for e in read["history"]][:3] == [
        "declaration.create", "declaration.lodge", "declaration.register"
    ]  # fmt: skip
    assert "inspector.drawn" not in {e["action"] for e in read["history"]}
    officer = user_headers(Role.INSPECTOR)
    assert client.get(f"{URL}/{draft['id']}", headers=officer).json()["channel_reasons"]


def test_another_firms_broker_gets_404(client: TestClient, demo: Demo, user_headers: UserFactory) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    declaration = _lodge(client, broker, _body(demo.operator_nif))
    other = user_headers(Role.BROKER, broker_id=demo.other_broker_id)
    for response in (
        client.get(f"{URL}/{declaration['id']}", headers=other),
        client.get(f"{URL}/by-number/16011/2026/1", headers=other),
        client.post(f"{URL}/{declaration['id']}/invalidation-request", json={"reason": "x"}, headers=other),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "declarations.not_found"
    missing = client.get(f"{URL}/999999", headers=other)
    assert missing.json()["code"] == "declarations.not_found"
    assert client.get(URL, headers=other).json()["total"] == 0


def test_a_trader_sees_only_its_own(
    client: TestClient, ctx: Any, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    declaration = _lodge(client, broker, _body(demo.operator_nif))
    with ctx.db.transaction() as session:
        importer = registry.find_operator_by_nif(session, demo.operator_nif)
        stranger = registry.find_operator_by_nif(session, demo.other_operator_nif)
        assert importer is not None and stranger is not None
        importer_id, stranger_id = importer.id, stranger.id
    own = user_headers(Role.TRADER, operator_id=importer_id)
    assert [d["id"] for d in client.get(URL, headers=own).json()["items"]] == [declaration["id"]]
    assert client.get(f"{URL}/{declaration['id']}", headers=own).status_code == 200
    foreign = user_headers(Role.TRADER, operator_id=stranger_id)
    assert client.get(URL, headers=foreign).json()["total"] == 0
    assert client.get(f"{URL}/{declaration['id']}", headers=foreign).status_code == 404


def test_lodging_with_blocking_findings_lists_them(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = _body(demo.operator_nif, invoice_total="99999")
    draft = client.post(URL, json=body, headers=broker).json()
    assert "declarations.items_do_not_add_up" in {f["code"] for f in draft["findings"]}
    refused = client.post(f"{URL}/{draft['id']}/lodge", headers={**broker, "Accept-Language": "fr"})
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "declarations.has_blocking_findings"
    finding = next(f for f in problem["findings"] if f["code"] == "declarations.items_do_not_add_up")
    assert finding["path"] == "invoice_total" and "99999" in finding["message"]
    assert client.get(f"{URL}/{draft['id']}", headers=broker).json()["status"] == "draft"


def test_a_finding_names_its_field_as_the_form_labels_it(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = {**user_headers(Role.BROKER, broker_id=demo.broker_id), "Accept-Language": "fr"}
    body = _body(demo.operator_nif)
    body["items"] = [{**body["items"][0], "description": " "}]
    draft = client.post(URL, json=body, headers=broker).json()
    missing = next(f for f in draft["findings"] if f["code"] == "declarations.field_required")
    assert missing["message"] == "Le champ Désignation est obligatoire", missing
    assert missing["params"] == {"field": "description"}  # the code, for programs


def test_stale_draft_update_is_a_conflict(client: TestClient, demo: Demo, user_headers: UserFactory) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    draft = client.post(URL, json=_body(demo.operator_nif), headers=broker).json()
    body = _body(demo.operator_nif, transport_means="CMA CGM TIPASA")
    first = client.put(
        f"{URL}/{draft['id']}", json=body, headers={**broker, "If-Match": str(draft["version"])}
    )
    assert first.status_code == 200, first.text
    assert first.json()["transport_means"] == "CMA CGM TIPASA"
    stale = client.put(f"{URL}/{draft['id']}", json={**body, "version": draft["version"]}, headers=broker)
    assert stale.status_code == 409 and stale.json()["code"] == "declarations.stale_version"


def test_bulk_lodging_gives_each_declaration_its_outcome(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    good = _body(demo.operator_nif)
    bad = declaration_to_dict(import_declaration(demo.operator_nif, items=(item(1, "9999999999", "20000"),)))
    response = client.post(f"{URL}/bulk", json={"declarations": [good, bad]}, headers=broker)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["lodged"], result["failed"]) == (1, 1)
    first, second = result["outcomes"]
    assert first["index"] == 0 and first["number"] == "16011/2026/000001" and first["findings"] == []
    assert second["index"] == 1 and second["status"] == "draft" and second["number"] is None
    assert "declarations.tariff_line_not_in_force" in {f["code"] for f in second["findings"]}
    too_many = client.post(f"{URL}/bulk", json={"declarations": [good] * 101}, headers=broker)
    assert too_many.status_code == 422


def test_a_bulk_body_drops_control_characters_whatever_escape_carries_them(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = _body(demo.operator_nif, transport_means="MSC\x00ALGER\r")
    body["items"] = [{**body["items"][0], "description": "Laptops\x1b"}, *body["items"][1:]]
    sent = json.dumps({"declarations": [body]})
    assert "\\u0000" in sent and "\\r" in sent  # how the JSON carries them
    headers = {**broker, "Content-Type": "application/json"}
    response = client.post(f"{URL}/bulk", content=sent, headers=headers)
    assert response.status_code == 200 and response.json()["lodged"] == 1, response.text
    stored = client.get(f"{URL}/{response.json()['outcomes'][0]['id']}", headers=broker).json()
    assert stored["transport_means"] == "MSCALGER" and stored["items"][0]["description"] == "Laptops"


def test_documents_are_sniffed_not_trusted(client: TestClient, demo: Demo, user_headers: UserFactory) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    draft = client.post(URL, json=_body(demo.operator_nif), headers=broker).json()
    upload = f"{URL}/{draft['id']}/documents"
    form = {"type_code": "380", "number": "INV-2026-17"}
    not_pdf = ("invoice.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    fake = client.post(upload, data=form, files={"file": not_pdf}, headers=broker)
    assert fake.status_code == 422 and fake.json()["code"] == "declarations.document_type_refused"
    big = PDF + b"0" * documents.MAX_DOCUMENT_BYTES
    too_big = client.post(
        upload, data=form, files={"file": ("invoice.pdf", big, "application/pdf")}, headers=broker
    )
    assert too_big.status_code == 413 and too_big.json()["code"] == "declarations.document_too_large"
    real = ("scan.bin", PDF, "application/octet-stream")
    stored = client.post(upload, data=form, files={"file": real}, headers=broker)
    assert stored.status_code == 201, stored.text
    assert stored.json()["content_type"] == "application/pdf"
    back = client.get(f"{upload}/{stored.json()['id']}", headers=broker)
    assert back.status_code == 200 and back.content == PDF
    other = user_headers(Role.BROKER, broker_id=demo.other_broker_id)
    assert client.get(f"{upload}/{stored.json()['id']}", headers=other).status_code == 404


def test_hostile_input_answers_4xx_never_500(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = _body(demo.operator_nif)
    nul = {
        **body,
        "transport_means": "MSC\x00ALGER",
        "items": [{**body["items"][0], "description": "a\x00b"}],
    }
    created = client.post(URL, json=nul, headers=broker)
    assert created.status_code == 201, created.text
    assert created.json()["transport_means"] == "MSCALGER"
    for bad in (
        {**body, "invoice_total": "NaN"},
        {**body, "invoice_total": "1e400"},
        {**body, "invoice_total": [1]},
        {**body, "items": [{**body["items"][0], "number": 0}]},
        {**body, "regime": "IM9"},
        {**body, "unknown": 1},
    ):
        response = client.post(URL, json=bad, headers=broker)
        assert response.status_code == 422, (bad, response.text)
    assert client.get(f"{URL}/by-number/16011/2026/0", headers=broker).status_code == 422
    assert client.get(URL, params={"number": "16011/2026/'--"}, headers=broker).status_code == 422
    reason = client.post(
        f"{URL}/{created.json()['id']}/invalidation-request", json={"reason": "\x00"}, headers=broker
    )
    assert reason.status_code == 422  # an empty reason once the NUL is dropped


def test_containers_are_checked_and_kept_compact(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    wrong = client.post(URL, json=_body(demo.operator_nif, containers=["CSQU3054384"]), headers=broker)
    assert wrong.status_code == 422 and "containers" in wrong.text
    created = client.post(URL, json=_body(demo.operator_nif, containers=["csqu 305438 3"]), headers=broker)
    assert created.status_code == 201, created.text
    assert created.json()["containers"] == ["CSQU3054383"]
