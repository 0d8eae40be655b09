"""The correspondence registers through their screens: register and number, bad input that
changes nothing, outgoing number formats, cancel, reserve and fill, secret letters, attachments,
Thai search, the Excel export and the daily report."""

import datetime as dt
import io
import os

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app import thai
from app.extensions import db
from app.models import Attachment, AuditLog, EOfficeUser, NumberCounter, RegisterEntry
from app.services import correspondence as svc
from tests.conftest import text_of
from tests.pdftext import pdf_text
from tests.files import pdf_bytes


def entries(dbq, register=None, **where):
    def get(s):
        q = s.query(RegisterEntry)
        if register:
            q = q.filter(RegisterEntry.register == register)
        for k, v in where.items():
            q = q.filter(getattr(RegisterEntry, k) == v)
        return [(e.id, e.number, e.status, e.subject, e.secrecy) for e in q.order_by(RegisterEntry.id)]
    return dbq(get)


def counters(dbq):
    return dbq(lambda s: sorted((c.series_id, c.year, c.last_number)
                                for c in s.query(NumberCounter)))


def stored_files(app):
    root = app.config["ATTACHMENTS_DIR"]
    found = []
    for folder, _dirs, files in os.walk(root):
        found += [os.path.join(folder, f) for f in files]
    return sorted(found)


def register(client, view, **fields):
    data = {"speed": "normal", "secrecy": "normal", **fields}
    return client.post(f"/{view}/add", data=data, content_type="multipart/form-data")


def bangkok_today():
    return thai.to_bangkok(thai.utcnow()).date()


def this_year():
    return bangkok_today().year + 543


def test_central_registers_a_letter_to_the_province(login_as, dbq):
    central = login_as("central")
    r = register(central, "provinceincomingview", doc_number="มท 0212.3/ว 1", sender="กระทรวงมหาดไทย",
                 receiver="ผู้ว่าราชการจังหวัดพังงา", subject="การประชุมเตรียมความพร้อมวันสำคัญ",
                 doc_date="15/03/2568")
    assert r.status_code == 302, text_of(r)[-400:]
    assert "/provinceincomingview/show/" in r.headers["Location"]
    rows = entries(dbq, "province_in")
    assert [(n, st, subj) for _id, n, st, subj, _s in rows] == [
        (1, "active", "การประชุมเตรียมความพร้อมวันสำคัญ")]
    page = central.get(r.headers["Location"])
    body = text_of(page)
    assert f"ออกเลข 1/{thai.be_year(thai.today())} เรียบร้อยแล้ว" in body
    assert "15 มี.ค. 2568" in body  # the letter's date, in the Buddhist Era
    entry = dbq(lambda s: s.query(RegisterEntry).filter_by(register="province_in").one())
    assert entry.received_at is not None and entry.year == this_year()


def test_bad_input_changes_nothing_and_keeps_the_number(login_as, dbq, app):
    clerk = login_as("clerk.cdd")
    before, counters_before, files_before = entries(dbq), counters(dbq), stored_files(app)
    # No subject.
    r = register(clerk, "agencyincomingview", sender="สำนักงานจังหวัดพังงา", subject="")
    assert r.status_code == 200 and "กรุณากรอกเรื่อง" in text_of(r)
    # A Gregorian year.
    r = register(clerk, "agencyincomingview", sender="สำนักงานจังหวัดพังงา", subject="ทดสอบ",
                 doc_date="15/03/2025")
    assert r.status_code == 200 and "ปีพุทธศักราช" in text_of(r)
    # A program renamed to .pdf: refused by its content.
    r = register(clerk, "agencyincomingview", sender="สำนักงานจังหวัดพังงา", subject="ทดสอบไฟล์",
                 files=(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "scan.pdf"))
    assert r.status_code == 200 and "scan.pdf" in text_of(r)
    # The typed form comes back filled in, so that the clerk does not type it again.
    assert "ทดสอบไฟล์" in r.get_data(as_text=True)
    assert entries(dbq) == before
    assert counters(dbq) == counters_before
    assert stored_files(app) == files_before
    # The next good entry takes the number no failure consumed.
    r = register(clerk, "agencyincomingview", sender="สำนักงานจังหวัดพังงา", subject="เรื่องแรก")
    assert r.status_code == 302
    assert [n for _i, n, *_ in entries(dbq, "agency_in", subject="เรื่องแรก")] == [1]


def test_outgoing_circular_and_order_numbers(login_as, dbq):
    clerk = login_as("clerk.dopa")
    assert register(clerk, "outgoingnormalview", receiver="นายอำเภอทุกอำเภอ", subject="ส่งปกติ").status_code == 302
    assert register(clerk, "outgoingnormalview", receiver="นายอำเภอทุกอำเภอ", subject="ส่งปกติสอง").status_code == 302
    assert register(clerk, "outgoingcircularview", receiver="ทุกส่วนราชการ", subject="หนังสือเวียน").status_code == 302
    assert register(clerk, "orderview", subject="แต่งตั้งคณะกรรมการ").status_code == 302

    def numbers(s):
        return {e.subject: e.number_text() for e in s.query(RegisterEntry)
                if e.agency.code == "พง 0016.1" and e.register != "agency_in"}
    got = dbq(numbers)
    assert got["ส่งปกติ"] == "พง 0016.1/1"
    assert got["ส่งปกติสอง"] == "พง 0016.1/2"
    assert got["หนังสือเวียน"] == "พง 0016.1/ว 1"
    assert got["แต่งตั้งคณะกรรมการ"] == f"1/{this_year()}"
    listing = text_of(clerk.get("/outgoingcircularview/list/"))
    assert "พง 0016.1/ว 1" in listing and "หนังสือเวียน" in listing


def test_cancel_keeps_the_entry_and_its_number(login_as, dbq):
    clerk = login_as("clerk.dopa")
    register(clerk, "orderview", subject="คำสั่งที่จะยกเลิก")
    entry_id, number = dbq(lambda s: [(e.id, e.number) for e in s.query(RegisterEntry)
                                      .filter_by(subject="คำสั่งที่จะยกเลิก")][0])
    r = clerk.post(f"/orderview/cancel/{entry_id}", data={"reason": ""})
    assert "กรุณาระบุเหตุผลที่ยกเลิก" in text_of(clerk.get(r.headers["Location"]))
    assert dbq(lambda s: s.get(RegisterEntry, entry_id).status) == "active"
    r = clerk.post(f"/orderview/cancel/{entry_id}", data={"reason": "ออกคำสั่งซ้ำ"})
    body = text_of(clerk.get(r.headers["Location"]))
    assert "รายการนี้ถูกยกเลิกแล้ว" in body and "ออกคำสั่งซ้ำ" in body
    e = dbq(lambda s: s.get(RegisterEntry, entry_id))
    assert (e.status, e.number, e.cancel_reason) == ("cancelled", number, "ออกคำสั่งซ้ำ")
    assert e.cancelled_by_id == dbq.user("clerk.dopa")["id"] and e.cancelled_at is not None
    # Still listed, marked; never deleted (there is no delete route at all).
    assert "ยกเลิก" in text_of(clerk.get("/orderview/list/"))
    assert clerk.get(f"/orderview/delete/{entry_id}").status_code in (403, 404, 405)
    # A cancelled entry cannot be edited or cancelled again.
    r = clerk.post(f"/orderview/cancel/{entry_id}", data={"reason": "อีกครั้ง"})
    assert "ถูกยกเลิกไปแล้ว" in text_of(clerk.get(r.headers["Location"]))
    # The next order takes the next number: a cancelled number is never reused.
    register(clerk, "orderview", subject="คำสั่งถัดไป")
    assert entries(dbq, "order", subject="คำสั่งถัดไป")[0][1] == number + 1


def test_reserve_a_block_then_fill_one_and_let_one_expire(app, login_as, dbq):
    clerk = login_as("clerk.cdd")
    agency_id = dbq.user("clerk.cdd")["agency_id"]
    r = clerk.post("/outgoingnormalview/reserve", data={"count": "3", "secrecy": "normal"})
    assert r.status_code == 302
    reserved = entries(dbq, "out_normal", status="reserved", agency_id=agency_id)
    assert len(reserved) == 3
    first = reserved[0][1]
    assert [n for _i, n, *_ in reserved] == [first, first + 1, first + 2]
    # Refusals change nothing: zero, too many, not a number.
    for count in ("0", "51", "สาม"):
        clerk.post("/outgoingnormalview/reserve", data={"count": count})
    assert len(entries(dbq, "out_normal", agency_id=agency_id)) == 3
    # Fill the first through the edit form: it becomes an active entry with its number.
    r = clerk.post(f"/outgoingnormalview/edit/{reserved[0][0]}", data={
        "receiver": "พัฒนาการอำเภอทุกอำเภอ", "subject": "เรื่องที่จองเลขไว้", "speed": "normal",
        "secrecy": "normal", "doc_date": "", "doc_number": "พง 9999/1", "sender": "",
        "action": "", "remarks": ""})
    assert r.status_code == 302
    filled = dbq(lambda s: s.get(RegisterEntry, reserved[0][0]))
    assert (filled.status, filled.subject, filled.number) == ("active", "เรื่องที่จองเลขไว้", first)
    # The issued number is not a form field: a posted one is ignored.
    assert filled.doc_number == f"พง 0019.1/{first}"
    # Four days later, the other two are cancelled, not reused.
    with app.app_context():
        # RESERVATION_DAYS working days, whatever weekends and holidays lie between.
        deadline = db.session.get(RegisterEntry, reserved[1][0]).reserved_until
        assert deadline >= thai.utcnow() + dt.timedelta(days=app.config["RESERVATION_DAYS"],
                                                         minutes=-5)
        later = deadline + dt.timedelta(hours=1)
        assert svc.expire_reservations(db.session, now=later) == 2
        db.session.remove()
    expired = [dbq(lambda s, i=i: s.get(RegisterEntry, i)) for i, *_ in reserved[1:]]
    assert [e.status for e in expired] == ["cancelled", "cancelled"]
    assert all(e.cancel_reason == svc.EXPIRED_REASON for e in expired)
    register(clerk, "outgoingnormalview", receiver="x", subject="หลังหมดอายุ")
    assert entries(dbq, "out_normal", subject="หลังหมดอายุ")[0][1] == first + 3


def test_the_api_list_cancels_overdue_reservations_as_the_screen_does(app, client, dbq):
    """Listing a register through the API, as opening it on its screen, first cancels the
    reservations past their deadline: both read the same register."""
    from app.services.demo import DEMO_PASSWORD

    r = client.post("/api/v1/security/login", json={
        "username": "clerk.dopa", "password": DEMO_PASSWORD, "provider": "db"})
    headers = {"Authorization": "Bearer " + r.json["access_token"]}
    with app.app_context():
        clerk = db.session.query(EOfficeUser).filter_by(username="clerk.dopa").one()
        long_ago = thai.utcnow() - dt.timedelta(days=app.config["RESERVATION_DAYS"] * 3 + 10)
        overdue = svc.reserve(db.session, clerk, "order", 1, now=long_ago)[0].id
        db.session.remove()
    assert dbq(lambda s: s.get(RegisterEntry, overdue).status) == "reserved"
    r = client.get("/api/v1/registers/order/entries?page_size=100", headers=headers)
    assert r.status_code == 200
    listed = {e["id"]: e for e in r.json["result"]}
    assert listed[overdue]["status"] == "cancelled"
    found = dbq(lambda s: s.get(RegisterEntry, overdue))
    assert (found.status, found.cancel_reason) == ("cancelled", svc.EXPIRED_REASON)


def _make_clerk(app, username, agency_code, level=3):
    from werkzeug.security import generate_password_hash

    from app.models import Agency
    from app.services.demo import DEMO_PASSWORD

    with app.app_context():
        agency = db.session.query(Agency).filter_by(code=agency_code).one()
        db.session.add(EOfficeUser(
            username=username, first_name="ผู้ช่วย", last_name="สารบรรณ", email=f"{username}@x.example",
            password=generate_password_hash(DEMO_PASSWORD), active=True, level=level,
            agency=agency, work_group=agency.groups[0], must_change_password=False))
        db.session.commit()
        db.session.remove()


def test_secret_letter_has_its_own_series_and_shows_only_its_number(app, login_as, dbq):
    _make_clerk(app, "clerk2.dopa", "พง 0016.1")
    owner = login_as("clerk.dopa")
    other = login_as("clerk2.dopa")
    register(owner, "agencyincomingview", sender="กองอำนวยการรักษาความมั่นคงภายใน",
             subject="เรื่องธรรมดาของหน่วยงาน")
    pdf = pdf_bytes(2)
    r = register(owner, "agencyincomingview", sender="กองอำนวยการรักษาความมั่นคงภายใน",
                 doc_number="กอ.รมน. 0001/ลับ 9", subject="แผนรักษาความปลอดภัยบุคคลสำคัญ",
                 secrecy="secret", speed="most_urgent", files=(io.BytesIO(pdf), "plan.pdf"))
    assert r.status_code == 302, text_of(r)[-300:]
    secret = dbq(lambda s: s.query(RegisterEntry).filter_by(secrecy="secret").one())
    assert dbq(lambda s: s.get(RegisterEntry, secret.id).series.secret)
    agency_id = dbq.user("clerk.dopa")["agency_id"]
    normal_numbers = [n for _i, n, _st, _sub, sec in entries(dbq, "agency_in", agency_id=agency_id)
                      if sec == "normal"]
    assert secret.number == 1 and normal_numbers  # a series of its own, from 1
    # The file is encrypted at rest: the PDF's bytes are not on disk.
    att = dbq(lambda s: s.query(Attachment).filter_by(entry_id=secret.id).one())
    with open(os.path.join(app.config["ATTACHMENTS_DIR"], att.storage_name), "rb") as f:
        assert b"%PDF" not in f.read()
    assert att.wrapped_key is not None

    # The other clerk of the agency sees that number 1 exists, never what it is about.
    listing = text_of(other.get("/agencyincomingview/list/"))
    assert "(หนังสือลับ)" in listing and "แผนรักษาความปลอดภัย" not in listing
    shown = text_of(other.get(f"/agencyincomingview/show/{secret.id}"))
    assert "แผนรักษาความปลอดภัย" not in shown and "กอ.รมน." not in shown and "plan.pdf" not in shown
    found = text_of(other.get("/agencyincomingview/list/?_flt_0_subject=แผนรักษา"))
    assert "แผนรักษา" not in found.replace("_flt_0_subject=แผนรักษา", "")
    r = other.get(f"/agencyincomingview/file/{secret.id}/{att.id}")
    assert r.status_code == 403 and b"%PDF" not in r.data
    r = other.get(f"/agencyincomingview/edit/{secret.id}")
    assert "แผนรักษา" not in text_of(other.get(r.headers.get("Location", "/"))) if r.status_code == 302 else r.status_code == 403
    xlsx = load_workbook(io.BytesIO(other.get("/agencyincomingview/xlsx").data), read_only=True)
    cells = [str(c) for row in xlsx.active.iter_rows(values_only=True) for c in row if c]
    assert "แผนรักษาความปลอดภัยบุคคลสำคัญ" not in cells and "(หนังสือลับ)" in cells

    # Its owner reads it; the PDF opens stamped with the viewer's name on every page.
    assert "แผนรักษาความปลอดภัยบุคคลสำคัญ" in text_of(owner.get(f"/agencyincomingview/show/{secret.id}"))
    r = owner.get(f"/agencyincomingview/file/{secret.id}/{att.id}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("inline")
    assert len(PdfReader(io.BytesIO(r.data)).pages) == 2
    text = pdf_text(r.data)
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == 2 and all("วิชัย" in p for p in pages), text
    # Every opening is in the audit log; the log never holds the secret's subject.
    log = dbq(lambda s: [(a.action, a.detail or "", a.target_label or "") for a in s.query(AuditLog)])
    assert any(action == "attachment_open" for action, _d, _t in log)
    assert not any("แผนรักษา" in d or "plan.pdf" in t or "plan.pdf" in d for _a, d, t in log)


def test_top_secret_opens_in_the_browser_only(app, login_as, dbq):
    owner = login_as("clerk.cdd")
    r = register(owner, "agencyincomingview", sender="ส่วนกลาง", subject="ลับที่สุดเรื่องหนึ่ง",
                 secrecy="top_secret", files=(io.BytesIO(pdf_bytes()), "x.pdf"))
    assert r.status_code == 302
    e = dbq(lambda s: s.query(RegisterEntry).filter_by(secrecy="top_secret").one())
    att_id = dbq(lambda s: s.query(Attachment).filter_by(entry_id=e.id).one().id)
    assert owner.get(f"/agencyincomingview/file/{e.id}/{att_id}").status_code == 200
    r = owner.get(f"/agencyincomingview/file/{e.id}/{att_id}?download=1")
    assert r.status_code == 403 and "ดาวน์โหลด" in r.get_data(as_text=True)
    assert "ดาวน์โหลด" not in text_of(owner.get(f"/agencyincomingview/show/{e.id}")).split("เอกสารแนบ")[-1]


def test_attachment_round_trip_and_audit(app, login_as, dbq):
    clerk = login_as("group.dopa")
    pdf = pdf_bytes()
    r = register(clerk, "groupincomingview", sender="ที่ทำการปกครองจังหวัดพังงา",
                 subject="แนบไฟล์สแกน", files=[(io.BytesIO(pdf), "สแกน.pdf"),
                                               (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "รูป.png")])
    assert r.status_code == 302, text_of(r)[-300:]
    e = dbq(lambda s: s.query(RegisterEntry).filter_by(subject="แนบไฟล์สแกน").one())
    atts = dbq(lambda s: [(a.id, a.filename, a.content_type, a.storage_name)
                          for a in s.query(Attachment).filter_by(entry_id=e.id).order_by(Attachment.id)])
    assert [(n, t) for _i, n, t, _s in atts] == [("สแกน.pdf", "application/pdf"), ("รูป.png", "image/png")]
    assert all("สแกน" not in s and s.split("/")[-1] != "สแกน.pdf" for *_x, s in atts)  # generated names
    r = clerk.get(f"/groupincomingview/file/{e.id}/{atts[0][0]}?download=1")
    assert r.status_code == 200 and r.data == pdf
    assert r.headers["Content-Disposition"].startswith("attachment")
    # More files later; then a bad one leaves nothing behind.
    files_before = stored_files(app)
    r = clerk.post(f"/groupincomingview/attach/{e.id}", data={"files": (io.BytesIO(b"<html></html>"), "x.pdf")},
                   content_type="multipart/form-data")
    assert "x.pdf" in text_of(clerk.get(r.headers["Location"]))
    assert stored_files(app) == files_before
    log = dbq(lambda s: [a.action for a in s.query(AuditLog).filter(AuditLog.target_type == "Attachment")])
    assert "attachment_download" in log


def test_thai_substring_search_and_excel_export(login_as, dbq):
    clerk = login_as("clerk.cdd")
    for subject in ("ขออนุมัติจัดซื้อครุภัณฑ์คอมพิวเตอร์", "รายงานผลการจัดซื้อวัสดุสำนักงาน",
                    "ขอเชิญประชุมคณะทำงาน", "=HYPERLINK(\"http://evil\")"):
        assert register(clerk, "outgoingnormalview", receiver="ผู้ว่าราชการจังหวัดพังงา",
                        subject=subject).status_code == 302
    # "จัดซื้อ" sits inside Thai words with no spaces around it.
    listing = text_of(clerk.get("/outgoingnormalview/list/?_flt_0_subject=จัดซื้อ"))
    assert "ขออนุมัติจัดซื้อครุภัณฑ์คอมพิวเตอร์" in listing
    assert "รายงานผลการจัดซื้อวัสดุสำนักงาน" in listing
    assert "ขอเชิญประชุมคณะทำงาน" not in listing
    r = clerk.get("/outgoingnormalview/xlsx?_flt_0_subject=จัดซื้อ")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "หนังสือส่งปกติ"
    headers = rows[1]
    assert headers[:4] == ("เลขที่หนังสือส่ง", "ปี พ.ศ.", "วันเวลาที่ลงทะเบียน", "ที่")
    assert "เรื่อง" in headers and "ชั้นความเร็ว" in headers
    subjects = sorted(r[headers.index("เรื่อง")] for r in rows[2:])
    assert subjects == ["ขออนุมัติจัดซื้อครุภัณฑ์คอมพิวเตอร์", "รายงานผลการจัดซื้อวัสดุสำนักงาน"]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:{ws.cell(2, len(headers)).column_letter}{len(rows)}"
    assert ws.print_title_rows == "$1:$2" and ws.page_setup.orientation == "landscape"
    assert ws.page_margins.left >= 25 / 25.4 - 0.01  # mm to punch and bind
    # The number and its year are numbers, the time of registration a real time, shown in
    # the Buddhist Era by the Thai calendar's format; a formula typed as a subject stays text.
    number, year, when = ws["A3"], ws["B3"], ws["C3"]
    assert number.data_type == "n" and isinstance(number.value, int)
    assert year.value == this_year()
    assert isinstance(when.value, dt.datetime) and when.number_format.startswith("[$-107041E]")
    assert abs(when.value - thai.to_bangkok(thai.utcnow()).replace(tzinfo=None)) \
        < dt.timedelta(minutes=5)
    r = clerk.get("/outgoingnormalview/xlsx?_flt_0_subject=HYPERLINK")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[2][headers.index("เรื่อง")] == "'=HYPERLINK(\"http://evil\")"


def test_speed_filter_is_equality_and_a_long_list_says_more_than(app, login_as):
    clerk = login_as("clerk.cdd")
    for n, speed in enumerate(["most_urgent", "urgent", "most_urgent", "normal"]):
        assert register(clerk, "agencyincomingview", sender="กรมการพัฒนาชุมชน",
                        subject=f"เรื่องกรองชั้นความเร็ว {n}", speed=speed).status_code == 302
    # ด่วน only: equality ("contains urgent" would also take most_urgent, ด่วนที่สุด).
    listing = text_of(clerk.get("/agencyincomingview/list/?_flt_0_speed=urgent"
                                "&_flt_0_subject=เรื่องกรองชั้นความเร็ว"))
    assert "เรื่องกรองชั้นความเร็ว 1" in listing
    for n in (0, 2, 3):
        assert f"เรื่องกรองชั้นความเร็ว {n}" not in listing
    assert "พบมากกว่า" not in listing
    cap = app.config["LIST_COUNT_CAP"]
    app.config["LIST_COUNT_CAP"] = 2
    try:
        listing = text_of(clerk.get("/agencyincomingview/list/?_flt_0_subject=เรื่องกรองชั้นความเร็ว"))
    finally:
        app.config["LIST_COUNT_CAP"] = cap
    assert "พบมากกว่า 2 รายการ" in listing
    assert "เรื่องกรองชั้นความเร็ว 3" in listing  # the newest still shown


def test_daily_report_print_view_and_pdf(login_as):
    central = login_as("central")
    for subject in ("รายงานประจำวันเรื่องที่หนึ่ง", "รายงานประจำวันเรื่องที่สอง"):
        register(central, "provinceincomingview", sender="กรมการปกครอง", doc_number="มท 0307/1",
                 subject=subject, doc_date="01/03/2568")
    today = bangkok_today()
    day = f"{today.day:02d}/{today.month:02d}/{today.year + 543}"
    html = central.get(f"/provinceincomingview/report?day={day}")
    assert html.status_code == 200
    body = text_of(html)
    assert "รายงานทะเบียนหนังสือรับประจำวัน" in body and "รายงานประจำวันเรื่องที่สอง" in body
    r = central.get(f"/provinceincomingview/report?day={day}&format=pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    assert "รายงานทะเบียนหนังสือรับประจำวัน" in text
    assert "รายงานประจำวันเรื่องที่หนึ่ง" in text and "1 มี.ค. 2568" in text
    assert "ลงชื่อผู้รับ" in text and "หน้า 1/1" in text
    # A Gregorian date is refused with a Thai message, not a report of the wrong year.
    r = central.get("/provinceincomingview/report?day=01/03/2025")
    assert r.status_code == 302
    assert "ปีพุทธศักราช" in text_of(central.get(r.headers["Location"]))


def test_officer_has_no_register(login_as):
    officer = login_as("officer.dopa")
    for view in ("provinceincomingview", "agencyincomingview", "outgoingnormalview", "orderview"):
        assert officer.get(f"/{view}/list/").status_code == 403
    menu = text_of(officer.get("/"))
    # Only the letters sent to them personally (หนังสือเข้าใหม่), no register.
    assert "หนังสือเข้าใหม่" in menu
    for label in ("หนังสือรับถึงจังหวัด", "หนังสือรับถึงหน่วยงาน", "หนังสือส่ง", "หนังสือคำสั่ง"):
        assert label not in menu


def test_menus_by_level(login_as):
    assert "หนังสือรับถึงจังหวัด" in login_as("central").get("/").get_data(as_text=True)
    clerk_home = login_as("clerk.dopa").get("/").get_data(as_text=True)
    assert "หนังสือรับถึงหน่วยงาน" in clerk_home and "หนังสือรับถึงจังหวัด" not in clerk_home
    group_home = login_as("group.dopa").get("/").get_data(as_text=True)
    assert "หนังสือรับถึงกลุ่มงาน" in group_home and "หนังสือส่ง (ปกติ)" not in group_home


@pytest.mark.parametrize("register_code", ["out_normal", "order"])
def test_api_registers_searches_and_cancels(login_as, dbq, register_code):
    clerk = login_as("clerk.cdd")
    r = clerk.post(f"/api/v1/registers/{register_code}/entries",
                   json={"subject": "ผ่านเอพีไอ ขอความอนุเคราะห์ข้อมูล", "receiver": "ทุกอำเภอ",
                         "speed": "urgent", "doc_date": "2025-03-01"})
    assert r.status_code == 201, r.json
    made = r.json
    assert made["number"] >= 1 and made["number_text"] and made["doc_date_th"] == "1 มี.ค. 2568"
    counters_before = counters(dbq)
    r = clerk.post(f"/api/v1/registers/{register_code}/entries", json={"subject": ""})
    assert r.status_code == 422 and "กรุณากรอกเรื่อง" in r.json["message"]
    r = clerk.post(f"/api/v1/registers/{register_code}/entries", json={"subject": "x", "speed": "เร็ว"})
    assert r.status_code == 422
    assert counters(dbq) == counters_before
    r = clerk.get(f"/api/v1/registers/{register_code}/entries", query_string={"subject": "ความอนุเคราะห์"})
    assert r.status_code == 200 and made["id"] in [e["id"] for e in r.json["result"]]
    r = clerk.get(f"/api/v1/registers/{register_code}/entries", query_string={"subject": "ไม่มีเรื่องนี้"})
    assert r.json["result"] == []
    r = clerk.post(f"/api/v1/registers/{register_code}/entries/{made['id']}/cancel", json={})
    assert r.status_code == 422
    r = clerk.post(f"/api/v1/registers/{register_code}/entries/{made['id']}/cancel",
                   json={"reason": "ทดสอบยกเลิก"})
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    # Another agency's clerk: 404, and the list does not hold it.
    other = login_as("clerk.dopa")
    assert other.get(f"/api/v1/registers/{register_code}/entries/{made['id']}").status_code == 404
    listed = other.get(f"/api/v1/registers/{register_code}/entries").json["result"]
    assert made["id"] not in [e["id"] for e in listed]
    # A level that keeps no such register: 403.
    assert login_as("group.dopa").post(f"/api/v1/registers/{register_code}/entries",
                                       json={"subject": "x"}).status_code == 403


def test_api_is_in_the_openapi_document(login_as):
    admin = login_as("admin")
    spec = admin.get("/api/v1/_openapi").json
    paths = spec["paths"]
    assert "/registers/{register}/entries" in paths or "/api/v1/registers/{register}/entries" in paths


def test_year_basis_changes_only_before_the_first_number(app, login_as, dbq):
    from app.models import NumberSeries
    from app.services import numbering

    with app.app_context():
        fresh = numbering.get_series(db.session, "out_normal:test-fresh", "out_normal")
        db.session.commit()
        fresh_id = fresh.id
        db.session.remove()
    admin = login_as("admin")
    assert register(login_as("clerk.dopa"), "orderview", subject="ก่อนเปลี่ยนรอบปี").status_code == 302
    used_id = dbq(lambda s: s.query(RegisterEntry).filter_by(subject="ก่อนเปลี่ยนรอบปี").one().series_id)
    r = admin.post(f"/numberseriesview/edit/{used_id}", data={"year_basis": "fiscal"},
                   follow_redirects=True)
    assert "เปลี่ยนรอบปีไม่ได้" in text_of(r)
    assert dbq(lambda s: s.get(NumberSeries, used_id).year_basis) == "calendar"
    r = admin.post(f"/numberseriesview/edit/{fresh_id}", data={"year_basis": "fiscal"},
                   follow_redirects=True)
    assert dbq(lambda s: s.get(NumberSeries, fresh_id).year_basis) == "fiscal"
    # Clerks do not manage series.
    assert login_as("clerk.dopa").get("/numberseriesview/list/").status_code == 403


def test_the_monthly_tallies_match_the_entries_this_module_wrote(app):
    """Whatever this module registered, filled, accepted or cancelled, through whichever route,
    the letters tallied per month (the home page's chart) equal the entries counted afresh."""
    from tests.test_tally import assert_consistent

    with app.app_context():
        assert_consistent(db.session)
        db.session.remove()
