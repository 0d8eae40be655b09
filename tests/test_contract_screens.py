"""The contract registers' screens: issue a number through the form, refusals in Thai that keep
what was typed and save nothing, details with the amount in Thai words, edit, cancel, files,
search, the Excel export as searched (read back with openpyxl), the printed PDF (read back with
pdftotext), the flags of what falls due on the list and on the home page, and the scope."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from app import thai
from app.models import NumberCounter
from app.models.contracts import Contract, ContractFile
from app.thai import BANGKOK
from tests.conftest import text_of
from tests.pdftext import pdf_text
from tests.files import pdf_bytes

TAX_ID = "0994000165668"


def form(**fields):
    data = {"doc_date": "02/11/2569", "party_name": "บริษัท อันดามันก่อสร้าง จำกัด",
            "tax_id": TAX_ID, "subject": "จ้างก่อสร้างอาคารอเนกประสงค์",
            "amount": "1,200,000", "method": "e_bidding", "start_on": "03/11/2569",
            "end_on": "02/03/2570", "deadline_on": "02/03/2570", "warranty_months": "24",
            "guarantee_type": "bank_guarantee", "guarantee_amount": "60,000",
            "guarantee_return_on": "", "guarantee_returned_on": "", "officer_id": "",
            "remarks": ""}
    data.update(fields)
    return data


def state(dbq):
    return (dbq.snapshot(Contract), dbq.count(ContractFile),
            dbq(lambda s: sorted((c.series_id, c.year, c.last_number)
                                 for c in s.query(NumberCounter))))


def issue(client, register="hire", **fields):
    r = client.post(f"/contracts/{register}/add", data=form(**fields),
                    content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[:800]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_issue_a_number_and_read_the_details(login_as, dbq):
    clerk = login_as("clerk.dopa")
    page = clerk.get("/contracts/hire/add")
    assert page.status_code == 200
    for label in ("วันที่ทำสัญญา", "ผู้รับจ้าง", "เลขประจำตัวผู้เสียภาษีอากร", "มูลค่าสัญญา (บาท)",
                  "วิธีเฉพาะเจาะจง", "หนังสือค้ำประกันของธนาคารภายในประเทศ", "ผู้รับผิดชอบ"):
        assert label in text_of(page), label
    pk = issue(clerk, files=[(io.BytesIO(pdf_bytes()), "สัญญา.pdf")])
    shown = text_of(clerk.get(f"/contracts/hire/show/{pk}"))
    number = dbq(lambda s: s.get(Contract, pk).number_text())
    assert number.endswith(f"/{thai.fiscal_year(dt.datetime.now(BANGKOK).date())}")  # by fiscal year
    for expected in (number, "1,200,000.00", "หนึ่งล้านสองแสนบาทถ้วน", "หกหมื่นบาทถ้วน", TAX_ID,
                     "2 มี.ค. 2570", "2 ปี", "2 มี.ค. 2572", "สัญญา.pdf", "อยู่ระหว่างสัญญา"):
        assert expected in shown, expected
    file_id = dbq(lambda s: s.get(Contract, pk).files[0].id)
    assert clerk.get(f"/contracts/hire/file/{pk}/{file_id}").data.startswith(b"%PDF")


def test_a_refusal_keeps_what_was_typed_and_saves_nothing(login_as, dbq):
    clerk = login_as("clerk.dopa")
    issue(clerk)  # the series exists
    before = state(dbq)
    for fields, message in (
            ({"tax_id": "0994000165669"}, "เลขตรวจสอบหลักสุดท้ายไม่ตรง"),
            ({"end_on": "01/11/2569"}, "วันสิ้นสุดสัญญาต้องไม่ก่อนวันเริ่มสัญญา"),
            ({"amount": "-5,000"}, "ต้องไม่ติดลบ"),
            ({"doc_date": "02/11/2026"}, "กรุณากรอกปีพุทธศักราช"),
    ):
        r = clerk.post("/contracts/hire/add", data=form(
            subject="งานที่ต้องไม่ถูกบันทึก", files=[(io.BytesIO(pdf_bytes()), "x.pdf")],
            **fields), content_type="multipart/form-data")
        assert r.status_code == 200 and message in text_of(r), (fields, text_of(r)[:600])
        assert "งานที่ต้องไม่ถูกบันทึก" in r.get_data(as_text=True)  # what was typed stays
    assert state(dbq) == before


def test_edit_cancel_and_the_number_stays(login_as, dbq):
    clerk = login_as("clerk.cdd")
    pk = issue(clerk, "purchase", party_name="ร้านพังงาพาณิชย์")
    edit = clerk.get(f"/contracts/purchase/edit/{pk}")
    assert edit.status_code == 200 and 'value="1,200,000.00"' in edit.get_data(as_text=True)
    r = clerk.post(f"/contracts/purchase/edit/{pk}", data=form(
        party_name="ร้านพังงาพาณิชย์", amount="1,150,000.50", status="completed"))
    assert r.status_code == 302
    contract = dbq(lambda s: (s.get(Contract, pk).amount, s.get(Contract, pk).status))
    assert contract == (Decimal("1150000.50"), "completed")
    r = clerk.post(f"/contracts/purchase/cancel/{pk}", data={"reason": ""},
                   follow_redirects=True)
    assert "เหตุผล" in text_of(r)
    assert dbq(lambda s: s.get(Contract, pk).status) == "completed"
    clerk.post(f"/contracts/purchase/cancel/{pk}", data={"reason": "ผู้ขายขอยกเลิก"})
    shown = text_of(clerk.get(f"/contracts/purchase/show/{pk}"))
    assert "ยกเลิกเลข" in shown and "ผู้ขายขอยกเลิก" in shown
    r = clerk.get(f"/contracts/purchase/edit/{pk}", follow_redirects=True)
    assert "ถูกยกเลิกแล้ว" in text_of(r)


def test_search_export_and_print(login_as, dbq):
    clerk = login_as("clerk.dopa")
    road = issue(clerk, subject="จ้างก่อสร้างถนนลาดยางสายบ้านทุ่งมะพร้าว", amount="3,456,789.25")
    issue(clerk, subject="จ้างซ่อมหลังคาโรงจอดรถ", amount="95,000", guarantee_amount="4,750")
    listing = text_of(clerk.get("/contracts/hire/list/?subject=ถนนลาดยาง"))
    assert "ถนนลาดยางสายบ้านทุ่งมะพร้าว" in listing and "ซ่อมหลังคา" not in listing
    r = clerk.get("/contracts/hire/list/?amount_min=ล้าน")
    assert r.status_code == 200 and "ต้องเป็นตัวเลข" in text_of(r)

    book = openpyxl.load_workbook(io.BytesIO(
        clerk.get("/contracts/hire/xlsx?amount_min=1,000,000&subject=ถนนลาดยาง").data))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    header = next(r for r in rows if r and r[0] == "เลขที่")
    body = rows[rows.index(header) + 1:]
    assert len(body) == 1 and "ถนนลาดยาง" in body[0][header.index("โครงการ/รายการ")]
    assert float(body[0][header.index("มูลค่าสัญญา (บาท)")]) == 3456789.25
    assert body[0][header.index("เลขประจำตัวผู้เสียภาษีอากร")] == TAX_ID

    pdf = clerk.get(f"/contracts/hire/print/{road}?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    number = dbq(lambda s: s.get(Contract, road).number_text())
    for expected in (f"ทะเบียนคุมสัญญาจ้าง เลขที่ {number}", "3,456,789.25",
                     "สามล้านสี่แสนห้าหมื่นหกพันเจ็ดร้อยแปดสิบเก้าบาทยี่สิบห้าสตางค์",
                     "ที่ทำการปกครองจังหวัดพังงา"):
        assert expected in text, (expected, text[:800])


def test_flags_on_the_list_and_the_home_page(login_as, dbq):
    clerk = login_as("clerk.cdd")
    today = dt.datetime.now(BANGKOK).date()
    soon = today + dt.timedelta(days=12)
    thai_soon = f"{soon.day:02d}/{soon.month:02d}/{soon.year + 543}"
    start = today - dt.timedelta(days=100)
    thai_start = f"{start.day:02d}/{start.month:02d}/{start.year + 543}"
    pk = issue(clerk, subject="จ้างเหมาทำความสะอาดอาคารสำนักงาน", doc_date=thai_start,
               start_on=thai_start, end_on=thai_soon, deadline_on=thai_soon)
    listing = clerk.get("/contracts/hire/list/?subject=ทำความสะอาดอาคาร").get_data(as_text=True)
    assert "due-flag" in listing and "สิ้นสุดสัญญาในอีก 12 วัน" in listing
    home = clerk.get("/").get_data(as_text=True)
    assert 'id="contracts-due"' in home and "จ้างเหมาทำความสะอาดอาคารสำนักงาน" in home
    assert f"/contracts/hire/show/{pk}" in home
    # Another agency's clerk is not told about it.
    other = login_as("clerk.dopa").get("/").get_data(as_text=True)
    assert "จ้างเหมาทำความสะอาดอาคารสำนักงาน" not in other


def test_scope_other_agencies_and_levels(login_as, dbq):
    pk = issue(login_as("clerk.dopa"), subject="จ้างที่ปรึกษาออกแบบอาคารลับเฉพาะ")
    before = state(dbq)
    for name in ("clerk.cdd", "central"):
        c = login_as(name)
        for url in (f"/contracts/hire/show/{pk}", f"/contracts/hire/edit/{pk}",
                    f"/contracts/hire/print/{pk}?format=pdf"):
            assert c.get(url).status_code == 404, (name, url)
        assert c.post(f"/contracts/hire/cancel/{pk}", data={"reason": "x"}).status_code == 404
        assert "อาคารลับเฉพาะ" not in text_of(c.get("/contracts/hire/list/"))
        book = openpyxl.load_workbook(io.BytesIO(c.get("/contracts/hire/xlsx").data))
        assert "อาคารลับเฉพาะ" not in str([[x.value for x in r] for r in book.active.iter_rows()])
        assert c.get(f"/contracts/purchase/show/{pk}").status_code == 404  # wrong register
    for name in ("group.dopa", "officer.dopa"):
        r = login_as(name).get("/contracts/hire/list/")
        assert r.status_code in (302, 403), name
    # The administrator sees every agency's contracts and changes none of them: no button to
    # edit, attach or cancel, and the edit form itself refused in Thai.
    admin = login_as("admin")
    shown = admin.get(f"/contracts/hire/show/{pk}").get_data(as_text=True)
    assert "จ้างที่ปรึกษาออกแบบอาคารลับเฉพาะ" in shown
    assert 'id="edit-contract"' not in shown and 'id="attach-form"' not in shown
    assert f"/contracts/hire/cancel/{pk}" not in shown
    r = admin.get(f"/contracts/hire/edit/{pk}", follow_redirects=True)
    assert "แก้ไขได้เฉพาะทะเบียนของหน่วยงานตนเอง" in text_of(r)
    assert admin.post(f"/contracts/hire/cancel/{pk}", data={"reason": "x"}).status_code == 302
    assert state(dbq) == before
    # Its own clerk has them all.
    shown = login_as("clerk.dopa").get(f"/contracts/hire/show/{pk}").get_data(as_text=True)
    assert 'id="edit-contract"' in shown and 'id="attach-form"' in shown
    assert f"/contracts/hire/cancel/{pk}" in shown


def test_a_bid_document_through_its_form(login_as, dbq):
    """The bid document's form shows only its own fields (no contractor, no guarantee), and
    what a browser posts from it is numbered and saved, then edited."""
    clerk = login_as("clerk.cdd")
    page = clerk.get("/contracts/bid/add")
    text = text_of(page)
    assert "วันที่ประกาศ" in text and "วงเงินงบประมาณ (บาท)" in text
    assert "หลักประกันสัญญา" not in text and "เลขประจำตัวผู้เสียภาษีอากร" not in text
    fields = {"doc_date": "15/11/2569", "subject": "ประกวดราคาซื้อรถบรรทุกน้ำ ขนาด 6,000 ลิตร",
              "amount": "2,500,000", "method": "e_bidding", "remarks": ""}
    r = clerk.post("/contracts/bid/add", data=fields, content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[:600]
    pk = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    shown = text_of(clerk.get(f"/contracts/bid/show/{pk}"))
    assert "สองล้านห้าแสนบาทถ้วน" in shown and "ใช้งาน" in shown
    r = clerk.post(f"/contracts/bid/edit/{pk}", data={**fields, "amount": "2,400,000",
                                                        "status": "active"})
    assert r.status_code == 302, text_of(r)[:600]
    assert dbq(lambda s: s.get(Contract, pk).amount) == Decimal("2400000.00")
    r = clerk.post("/contracts/bid/add", data={**fields, "method": "ตกลงราคา"},
                   content_type="multipart/form-data")
    assert r.status_code == 200 and "กรุณาเลือกวิธีจัดซื้อจัดจ้าง" in text_of(r)


def test_a_contract_number_is_reserved_like_a_letters(login_as, dbq, app):
    """จองเลข: consecutive numbers kept, filled in with แก้ไข (then in force), cancelled when not
    filled in by the deadline (working days), never reused; refusals change nothing."""
    import datetime as dt

    from app.extensions import db
    from app.services import contracts as svc

    clerk = login_as("clerk.cdd")
    assert clerk.get("/contracts/hire/reserve").status_code == 200
    before = state(dbq)
    for bad in ({"count": "0"}, {"count": "หนึ่ง"}, {"count": "9999"},
                {"count": "1", "remarks": "ข" * 3000}):
        r = clerk.post("/contracts/hire/reserve", data=bad, follow_redirects=True)
        assert "alert-danger" in r.get_data(as_text=True), bad
        assert state(dbq) == before, bad
    for who in ("officer.cdd", "group.dopa"):
        assert login_as(who).post("/contracts/hire/reserve", data={"count": "1"}).status_code \
            in (302, 403)
    assert state(dbq) == before
    r = clerk.post("/contracts/hire/reserve", data={"count": "2", "remarks": "สัญญาจ้างเหมา"},
                   follow_redirects=True)
    assert "จองเลข" in text_of(r) and "กรุณากรอกรายละเอียดภายใน" in text_of(r)
    first, second = dbq(lambda s: [c.id for c in s.query(Contract).filter_by(
        status="reserved").order_by(Contract.number)])
    numbers = dbq(lambda s: [s.get(Contract, i).number for i in (first, second)])
    assert numbers[1] == numbers[0] + 1
    assert "จองเลข (รอกรอกรายละเอียด)" in text_of(clerk.get("/contracts/hire/list/"))
    edit = clerk.get(f"/contracts/hire/edit/{first}").get_data(as_text=True)
    assert 'value="reserved"' not in edit  # filled in, it is in use
    r = clerk.post(f"/contracts/hire/edit/{first}", data=form(subject="จ้างเหมาทำความสะอาด",
                                                              status="reserved"))
    assert r.status_code == 302
    assert dbq(lambda s: (s.get(Contract, first).status, s.get(Contract, first).subject,
                          s.get(Contract, first).reserved_until)) == \
        ("in_force", "จ้างเหมาทำความสะอาด", None)
    # The other, past its deadline, is cancelled and its number not reused.
    with app.app_context():
        deadline = db.session.get(Contract, second).reserved_until
        assert svc.expire_reservations(db.session, now=deadline + dt.timedelta(hours=1)) == 1
        db.session.remove()
    assert dbq(lambda s: (s.get(Contract, second).status, s.get(Contract, second).cancel_reason)) \
        == ("cancelled", svc.EXPIRED_REASON)
    pk = issue(clerk, "hire")
    assert dbq(lambda s: s.get(Contract, pk).number) == numbers[1] + 1
