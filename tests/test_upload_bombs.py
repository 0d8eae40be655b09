"""Zip bombs and their kin at every door that takes documents, over HTTP: the register screens
(register, attach) and the REST API, sent documents (internal, external), contracts (register,
attach), file tracking, announcements (post, edit) and room photos.

Each hostile package rides beside a good file and refuses the whole request with a Thai message
naming it; every row of every table (entries, number counters, tallies, audit...) and every file
under ATTACHMENTS_DIR is as it was. A clerk's real Word, Excel and OpenDocument files still go in.
"""

import html
import io
import os
import re

import pytest
from flask_appbuilder import Model
from sqlalchemy import select

from app.models import Agency, Attachment, RegisterEntry, WorkGroup
from app.models.announcements import Announcement
from app.models.contracts import Contract
from app.models.rooms import Room
from tests.conftest import DB, login, text_of
from tests.files import package, pdf_bytes
from tests.test_announcement_screens import form as announcement_form
from tests.test_api import token
from tests.test_attachments_service import png_bytes
from tests.test_contract_screens import form as contract_form
from tests.test_filetracking_screens import deputy_id

ZIP_TAIL = "ระบบจึงไม่รับไฟล์นี้ เพราะอาจเป็นไฟล์อันตราย (zip bomb"

# The hostile packages (tests/files.py), the name each is uploaded under, and why it is refused.
HOSTILE = {
    "bomb": ("รายงานประจำปี.docx", "ถูกบีบอัดไว้มากผิดปกติ ข้อมูลภายในขยายตัวได้ถึง 1,0"),
    "lying_local_header": ("คำสั่งจังหวัด.docx", "ระบุขนาดของข้อมูลภายในไว้ไม่ตรงกับข้อมูลจริง"),
    "extreme_ratio": ("สรุปงบประมาณ.xlsx", "ถูกบีบอัดไว้มากผิดปกติ"),
    "many_members": ("นำเสนอ.docx", "มีส่วนประกอบภายในมากกว่า 10,000 ส่วน"),
}


# ---- the state a refused request must leave as it was -------------------------------------------


def state(app):
    """Every row of every table, and every stored file with its size."""
    def rows(s):
        return {table.name: [tuple(row) for row in s.execute(
                    table.select().order_by(*(table.primary_key.columns or table.columns)))]
                for table in Model.metadata.sorted_tables}

    root = app.config["ATTACHMENTS_DIR"]
    files = sorted(
        (os.path.relpath(os.path.join(folder, f), root), os.path.getsize(os.path.join(folder, f)))
        for folder, _dirs, names in os.walk(root) for f in names)
    return DB(app)(rows), files


@pytest.fixture(scope="module")
def clients(app):
    """One logged-in test client per demo user, for the module, with its API token (a login
    writes rows: done once, before any state is taken)."""
    made = {}

    def client(username):
        if username not in made:
            c = app.test_client()
            r = login(c, username)
            assert r.status_code == 302 and "/login" not in r.headers["Location"], username
            c.api_headers = token(c, username)
            made[username] = c
        return made[username]

    return client


def _id_after_redirect(response):
    assert response.status_code == 302, text_of(response)[:600]
    return int(re.search(r"/(\d+)(?:\?|$)", response.headers["Location"]).group(1))


@pytest.fixture(scope="module")
def targets(app, clients):
    """What the doors that add files to something need: an entry, a contract, an announcement,
    a room, and the ids their forms name."""
    clerk = clients("clerk.dopa")
    entry = _id_after_redirect(clerk.post("/agencyincomingview/add", data={
        "speed": "normal", "secrecy": "normal", "sender": "กรมการปกครอง",
        "subject": "หนังสือที่จะแนบไฟล์เพิ่ม"}, content_type="multipart/form-data"))
    contract = _id_after_redirect(clerk.post("/contracts/hire/add", data=contract_form(),
                                             content_type="multipart/form-data"))
    announcement = _id_after_redirect(clerk.post(
        "/announcements/new", data=announcement_form("ประกาศที่จะแก้ไข"),
        content_type="multipart/form-data"))
    db = DB(app)
    return {
        "entry": entry, "contract": contract, "announcement": announcement,
        "room": db(lambda s: s.execute(select(Room.id).where(
            Room.name == "ห้องประชุมที่ทำการปกครองจังหวัด")).scalar_one()),
        "group": db(lambda s: s.execute(select(WorkGroup.id).where(
            WorkGroup.name == "ฝ่ายบริหารงานปกครอง")).scalar_one()),
        "agency": db(lambda s: s.execute(select(Agency.id).where(
            Agency.code == "พง 0019.1")).scalar_one()),
        "executive": deputy_id(db),
    }


# ---- the doors -----------------------------------------------------------------------------------
#
# Each: (user, URL, form fields, field of the files, the status answered). A 302 carries its
# message to the page it redirects to.

def _doors(t):
    return {
        "register-add": ("clerk.dopa", "/agencyincomingview/add", {
            "speed": "normal", "secrecy": "normal", "sender": "กรมการปกครอง",
            "subject": "หนังสือที่แนบไฟล์อันตราย"}, 200),
        "register-attach": ("clerk.dopa", f"/agencyincomingview/attach/{t['entry']}", {}, 302),
        "register-api": ("clerk.dopa", "/api/v1/registers/agency_in/entries", {
            "sender": "กรมการปกครอง", "subject": "หนังสือที่แนบไฟล์อันตรายทาง API"}, 422),
        "document-internal": ("officer.dopa", "/documents/send/internal", {
            "subject": "เอกสารที่แนบไฟล์อันตราย", "groups": [str(t["group"])]}, 200),
        "document-external": ("officer.dopa", "/documents/send/external", {
            "subject": "เอกสารที่แนบไฟล์อันตราย", "agencies": [str(t["agency"])]}, 200),
        "contract-add": ("clerk.dopa", "/contracts/hire/add",
                         contract_form(subject="สัญญาที่แนบไฟล์อันตราย"), 200),
        "contract-attach": ("clerk.dopa", f"/contracts/hire/attach/{t['contract']}", {}, 302),
        "file-tracking": ("officer.dopa", "/files/add", {
            "subject": "แฟ้มที่แนบไฟล์อันตราย", "executive_id": str(t["executive"]),
            "speed": "normal", "entry_id": ""}, 200),
        "announcement-new": ("clerk.dopa", "/announcements/new",
                             announcement_form("ประกาศที่แนบไฟล์อันตราย"), 200),
        "announcement-edit": ("clerk.dopa", f"/announcements/edit/{t['announcement']}",
                              announcement_form("ประกาศที่จะแก้ไข"), 200),
        "room-photos": ("clerk.dopa", f"/roomview/photos/{t['room']}", {}, 302),
    }


DOORS = ["register-add", "register-attach", "register-api", "document-internal",
         "document-external", "contract-add", "contract-attach", "file-tracking",
         "announcement-new", "announcement-edit", "room-photos"]


def send(client, targets, door, files):
    """POST ``files`` [(name, bytes)] through ``door``: (status, the Thai message shown)."""
    _username, url, fields, _status = _doors(targets)[door]
    data = dict(fields)
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    headers = client.api_headers if url.startswith("/api/") else None
    r = client.post(url, data=data, headers=headers, content_type="multipart/form-data")
    if r.is_json:
        return r.status_code, r.json["message"]
    if r.status_code == 302:
        return r.status_code, html.unescape(text_of(client.get(r.headers["Location"])))
    return r.status_code, html.unescape(text_of(r))


@pytest.mark.parametrize("hostile", list(HOSTILE))
@pytest.mark.parametrize("door", DOORS)
def test_a_hostile_package_is_refused_and_changes_nothing(app, clients, targets, packages, door,
                                                         hostile):
    name, why = HOSTILE[hostile]
    good = ("ภาพห้อง.png", png_bytes()) if door == "room-photos" else ("หนังสือ.pdf", pdf_bytes())
    data = packages[hostile]
    client = clients(_doors(targets)[door][0])
    before = state(app)
    status, message = send(client, targets, door, [good, (name, data)])
    assert status == _doors(targets)[door][3], (door, hostile, message[:400])
    assert f'ไฟล์ "{name}" {why}' in message, (door, hostile, message[:600])
    assert ZIP_TAIL in message
    assert state(app) == before, (door, hostile)


# ---- a clerk's real documents still go in --------------------------------------------------------


def test_real_word_excel_and_opendocument_files_still_register(app, clients, packages):
    clerk = clients("clerk.dopa")
    photos, sheet, odt = packages["photos_docx"], packages["big_xlsx"], package("odt")
    r = clerk.post("/agencyincomingview/add", data={
        "speed": "normal", "secrecy": "normal", "sender": "สำนักงานจังหวัดพังงา",
        "subject": "รายงานผลการดำเนินงานพร้อมภาพและตาราง",
        "files": [(io.BytesIO(photos), "รายงานพร้อมภาพ.docx"),
                  (io.BytesIO(sheet), "ทะเบียนทั้งปี.xlsx"), (io.BytesIO(odt), "บันทึก.odt")]},
        content_type="multipart/form-data")
    entry_id = _id_after_redirect(r)
    assert "ออกเลข" in text_of(clerk.get(r.headers["Location"]))
    files = DB(app)(lambda s: [(a.filename, a.content_type, a.size) for a in
                               s.get(RegisterEntry, entry_id).attachments])
    assert files == [
        ("รายงานพร้อมภาพ.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", len(photos)),
        ("ทะเบียนทั้งปี.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(sheet)),
        ("บันทึก.odt", "application/vnd.oasis.opendocument.text", len(odt)),
    ]
    # The API takes the big workbook too, and numbers it.
    r = clerk.post("/api/v1/registers/agency_in/entries", headers=clerk.api_headers,
                   data={"sender": "สำนักงานจังหวัดพังงา", "subject": "ตารางสรุปทั้งปีทาง API",
                         "files": [(io.BytesIO(sheet), "ทะเบียนทั้งปี.xlsx")]},
                   content_type="multipart/form-data")
    assert r.status_code == 201, r.get_data(as_text=True)[:400]
    count = DB(app)(lambda s: s.query(Attachment).filter(
        Attachment.filename == "ทะเบียนทั้งปี.xlsx").count())
    assert count == 2


def test_announcement_and_contract_take_real_documents(app, clients, targets):
    clerk = clients("clerk.dopa")
    before = DB(app)(lambda s: len(s.get(Contract, targets["contract"]).files))
    r = clerk.post(f"/contracts/hire/attach/{targets['contract']}", data={
        "files": [(io.BytesIO(package("xlsx")), "งวดงาน.xlsx")]},
        content_type="multipart/form-data")
    assert r.status_code == 302
    assert DB(app)(lambda s: len(s.get(Contract, targets["contract"]).files)) == before + 1
    r = clerk.post("/announcements/new", data={
        **announcement_form("ประกาศพร้อมเอกสาร Word"),
        "files": [(io.BytesIO(package("docx")), "ประกาศ.docx")]},
        content_type="multipart/form-data")
    pk = _id_after_redirect(r)
    assert DB(app)(lambda s: [f.filename for f in s.get(Announcement, pk).files]) == [
        "ประกาศ.docx"]
