"""The API of letters that travel and of sent documents: the same path as the screens, with the
same scope (another's delivery, letter or document is a 404, as a missing id)."""

import io

from sqlalchemy import select

from app.models import Agency, WorkGroup
from app.models.dispatch import Delivery
from app.models.documents import Document, DocumentRecipient
from tests.test_api import token
from tests.files import pdf_bytes


def agency_id(dbq, code):
    return dbq(lambda s: s.execute(select(Agency.id).where(Agency.code == code)).scalar_one())


def register(client, headers, subject):
    r = client.post("/api/v1/registers/province_in/entries", headers=headers, data={
        "sender": "กรมการปกครอง", "doc_number": "มท 0307/ว 55", "subject": subject,
        "files": [(io.BytesIO(pdf_bytes()), "หนังสือ.pdf")]}, content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_the_whole_path_over_the_api(client, dbq):
    central, dopa, cdd = (token(client, u) for u in ("central", "clerk.dopa", "clerk.cdd"))
    entry_id = register(client, central, "ขอเชิญร่วมงานวันท้องถิ่นไทย")
    dopa_id, cdd_id = agency_id(dbq, "พง 0016.1"), agency_id(dbq, "พง 0019.1")

    # Refusals change nothing: no recipients, own agency, an entry not theirs.
    deliveries = dbq.count(Delivery)
    assert client.post(f"/api/v1/letters/entries/{entry_id}/dispatch", headers=central,
                       json={"recipients": []}).status_code == 422
    assert client.post(f"/api/v1/letters/entries/{entry_id}/dispatch", headers=central,
                       json={"recipients": "ทุกหน่วย"}).status_code == 400
    assert client.post(f"/api/v1/letters/entries/{entry_id}/dispatch", headers=dopa,
                       json={"recipients": [cdd_id]}).status_code == 404
    for bad in ({"recipients": ["หนึ่ง"]}, {"recipients": [True]},
                {"recipients": [dopa_id], "note": 5}, ["not", "an", "object"]):
        r = client.post(f"/api/v1/letters/entries/{entry_id}/dispatch", headers=central,
                        json=bad)
        # Values of the wrong kind are malformed requests: 400, with the field named.
        assert r.status_code == 400 and r.json["message"], bad
    assert dbq.count(Delivery) == deliveries

    r = client.post(f"/api/v1/letters/entries/{entry_id}/dispatch", headers=central,
                    json={"recipients": [dopa_id, cdd_id], "note": "ด่วน"})
    assert r.status_code == 201
    to_dopa, to_cdd = (d["id"] for d in r.json["deliveries"])

    inbox = client.get("/api/v1/letters/inbox", headers=dopa).json
    assert [d["id"] for d in inbox["result"]] == [to_dopa]
    assert inbox["result"][0]["letter"]["subject"] == "ขอเชิญร่วมงานวันท้องถิ่นไทย"
    # cdd cannot see, accept or return dopa's delivery.
    for method, url in (("get", f"/api/v1/letters/deliveries/{to_dopa}"),
                        ("post", f"/api/v1/letters/deliveries/{to_dopa}/accept"),
                        ("post", f"/api/v1/letters/deliveries/{to_dopa}/return")):
        assert getattr(client, method)(url, headers=cdd, json={"reason": "x"}).status_code == 404

    r = client.post(f"/api/v1/letters/deliveries/{to_dopa}/accept", headers=dopa)
    assert r.status_code == 200 and r.json["delivery"]["status"] == "accepted"
    number = r.json["entry"]["number_text"]
    assert r.json["entry"]["register"] == "agency_in"
    again = client.post(f"/api/v1/letters/deliveries/{to_dopa}/accept", headers=dopa)
    assert again.json["entry"]["id"] == r.json["entry"]["id"]  # one entry, not two

    for bad, status in (({"reason": " "}, 422), ({"reason": 42}, 400), ({}, 422)):
        assert client.post(f"/api/v1/letters/deliveries/{to_cdd}/return", headers=cdd,
                           json=bad).status_code == status, bad
    r = client.post(f"/api/v1/letters/deliveries/{to_cdd}/return", headers=cdd,
                    json={"reason": "ไม่ใช่ภารกิจของหน่วยงาน"})
    assert r.status_code == 200 and r.json["return_reason"] == "ไม่ใช่ภารกิจของหน่วยงาน"

    timeline = client.get(f"/api/v1/letters/{entry_id}/timeline", headers=central).json
    actions = [e["action"] for e in timeline["result"]]
    assert actions == ["registered", "dispatched", "dispatched", "accepted", "returned"]
    assert timeline["result"][3]["detail"]["number"] == number
    assert client.get(f"/api/v1/letters/{entry_id}/timeline",
                      headers=token(client, "officer.cdd")).status_code == 404
    # The officer keeps no register: dispatching is not theirs at all.
    assert client.post(f"/api/v1/letters/entries/{entry_id}/dispatch",
                       headers=token(client, "officer.dopa"),
                       json={"recipients": [cdd_id]}).status_code == 403


def test_documents_over_the_api(client, dbq):
    sender, clerk = token(client, "officer.dopa"), token(client, "clerk.dopa")
    group_id = dbq(lambda s: s.execute(select(WorkGroup.id).where(
        WorkGroup.name == "ฝ่ายบริหารงานปกครอง")).scalar_one())
    before = dbq.count(Document), dbq.count(DocumentRecipient)
    refused = client.post("/api/v1/documents/", headers=sender, data={
        "scope": "internal", "subject": "ไม่มีไฟล์", "groups": [str(group_id)]},
        content_type="multipart/form-data")
    assert refused.status_code == 422 and "แนบไฟล์" in refused.json["message"]
    assert (dbq.count(Document), dbq.count(DocumentRecipient)) == before

    r = client.post("/api/v1/documents/", headers=sender, data={
        "scope": "internal", "subject": "ตารางเวรประจำเดือน", "note": "โปรดตรวจสอบ",
        "groups": [str(group_id)], "files": [(io.BytesIO(pdf_bytes()), "เวร.pdf")]},
        content_type="multipart/form-data")
    assert r.status_code == 201
    doc_id, file_id = r.json["id"], r.json["files"][0]["id"]

    assert [d["id"] for d in client.get("/api/v1/documents/new", headers=clerk).json["result"]] \
        == [doc_id]
    assert client.get(f"/api/v1/documents/{doc_id}/files/{file_id}",
                      headers=clerk).data.startswith(b"%PDF")
    assert client.post(f"/api/v1/documents/{doc_id}/receive", headers=sender).status_code == 403
    r = client.post(f"/api/v1/documents/{doc_id}/receive", headers=clerk)
    assert r.status_code == 200 and r.json["recipients"][0]["received_at"]
    assert client.post(f"/api/v1/documents/{doc_id}/receive", headers=clerk).status_code == 422
    assert [d["id"] for d in client.get("/api/v1/documents/received",
                                        headers=clerk).json["result"]] == [doc_id]
    history = client.get("/api/v1/documents/sent", headers=sender).json["result"]
    assert history[0]["recipients"][0]["received_at"]

    rows = dbq.snapshot(DocumentRecipient)
    for outsider in ("officer.cdd", "clerk.cdd", "admin", "group.dopa"):
        h = token(client, outsider)
        assert client.get(f"/api/v1/documents/{doc_id}", headers=h).status_code == 404
        assert client.get(f"/api/v1/documents/{doc_id}/files/{file_id}",
                          headers=h).status_code == 404
        assert client.post(f"/api/v1/documents/{doc_id}/receive", headers=h).status_code == 404
        for listing in ("new", "received", "sent"):
            ids = [d["id"] for d in client.get(f"/api/v1/documents/{listing}",
                                               headers=h).json["result"]]
            assert doc_id not in ids, (outsider, listing)
    assert dbq.snapshot(DocumentRecipient) == rows


def test_openapi_describes_the_new_routes(client):
    spec = client.get("/api/v1/_openapi", headers=token(client, "admin")).json
    for path in ("/letters/entries/{pk}/dispatch", "/letters/inbox",
                 "/letters/deliveries/{pk}/accept", "/letters/deliveries/{pk}/return",
                 "/letters/{letter_id}/timeline", "/documents/", "/documents/new",
                 "/documents/{pk}/receive", "/documents/{pk}/files/{file_id}"):
        assert "/api/v1" + path in spec["paths"], path
    tags = {t for p in spec["paths"].values() for op in p.values() for t in op.get("tags", [])}
    assert {"Letters", "Documents"} <= tags


def test_every_list_of_our_apis_pages_the_same_way(client):
    """page from 0, page_size to 100, and ``more`` saying that the next page has rows."""
    central = token(client, "central")
    ids = [register(client, central, f"หนังสือทดสอบการแบ่งหน้า {n}") for n in range(3)]
    url = "/api/v1/registers/province_in/entries?subject=ทดสอบการแบ่งหน้า&page_size=2"
    first = client.get(url, headers=central).json
    second = client.get(url + "&page=1", headers=central).json
    assert first["count"] == 3 and first["more"] and not second["more"]
    assert [e["id"] for e in first["result"] + second["result"]] == ids[::-1]
    for listing in ("/letters/inbox", "/documents/new", "/documents/received", "/documents/sent",
                    "/registers/province_in/entries"):
        page = client.get(f"/api/v1{listing}?page=0&page_size=100", headers=central)
        assert page.status_code == 200 and page.json["more"] in (True, False), listing
        for bad, status in (("page=-1", 422), ("page_size=0", 422), ("page_size=101", 422),
                            ("page=หนึ่ง", 400)):  # out of range / not a number at all
            r = client.get(f"/api/v1{listing}?{bad}", headers=central)
            assert r.status_code == status and r.json["message"], (listing, bad)


def test_shared_parameters_are_components_of_the_openapi_document(client):
    spec = client.get("/api/v1/_openapi", headers=token(client, "admin")).json
    parameters = spec["components"]["parameters"]
    assert {"page", "page_size", "pk", "file_id", "register"} <= set(parameters)
    assert parameters["page_size"]["schema"]["maximum"] == 100
    assert {"$ref": "#/components/parameters/page"} in \
        spec["paths"]["/api/v1/documents/sent"]["get"]["parameters"]


def test_the_monthly_tallies_match_the_entries_this_module_wrote(app):
    """Whatever this module registered, filled, accepted or cancelled, through whichever route,
    the letters tallied per month (the home page's chart) equal the entries counted afresh."""
    from app.extensions import db
    from tests.test_tally import assert_consistent

    with app.app_context():
        assert_consistent(db.session)
        db.session.remove()

