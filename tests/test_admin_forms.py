"""The administrators' model forms say every fault the service finds beside its field at once
(not one at a time, joined above the form), keep what was typed and write nothing; one line above
says how many fields to mend. Over HTTP, on both databases."""

import re

from app.models import Agency, WorkGroup
from tests.conftest import text_of


def beside(page):
    """{field: its message} of the messages FAB's form draws beside the fields."""
    html = page.get_data(as_text=True)
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        field = re.search(r'name="([a-z_]+)"', row)
        message = re.search(r'<div class="alert alert-danger">(.*?)</div>', row, flags=re.S)
        if field and message:
            found[field.group(1)] = re.sub(r"\s+", " ", message.group(1)).strip()
    return found


def test_a_groups_faults_are_each_beside_its_field_at_once(login_as, dbq):
    admin = login_as("admin")
    agency_id, taken = dbq(lambda s: next((g.agency_id, g.name) for g in
                                          s.query(WorkGroup).order_by(WorkGroup.id)))
    before = dbq.snapshot(WorkGroup)
    page = admin.post("/workgroupview/add", data={
        "agency": str(agency_id), "kind": "ฝ่าย", "name": taken, "code": "PG-17",
        "phone": "076 123456"})
    assert page.status_code == 422
    found = beside(page)
    assert set(found) == {"name", "code"}, found
    assert "อยู่แล้ว" in found["name"] and "ไม่ถูกต้อง" in found["code"]
    said = text_of(page)
    assert "กรุณาแก้ไขข้อมูล 2 ช่อง" in said
    assert said.count("เลขที่หนังสือของกลุ่มงานไม่ถูกต้อง") == 1  # beside, not again above
    assert 'value="076 123456"' in page.get_data(as_text=True)  # what was typed stays
    assert dbq.snapshot(WorkGroup) == before


def test_an_agencys_service_fault_is_beside_its_field(login_as, dbq):
    admin = login_as("admin")
    before = dbq.snapshot(Agency)
    row = dbq(lambda s: s.query(Agency).order_by(Agency.id).first())
    agency_id = row.id
    page = admin.post(f"/agencyview/edit/{agency_id}", data={
        "code": "PG-17", "name": row.name, "kind": row.kind, "phone": "076 999999"})
    assert page.status_code == 422
    assert beside(page) == {"code": "เลขประจำส่วนราชการไม่ถูกต้อง ต้องเป็นอักษรย่อจังหวัด 2 ตัว "
                                     "เว้นวรรค แล้วตามด้วยเลข 4 หลัก เช่น พง 0017.2"}
    assert "กรุณาแก้ไขข้อมูล 1 ช่อง" in text_of(page)
    assert 'value="076 999999"' in page.get_data(as_text=True)
    assert dbq.snapshot(Agency) == before
