"""Every kind of PDF the e-office makes, through its real route, reads back with ``pdftotext`` as
the exact Thai it printed: the daily register reports, a contract's printout, the executives'
agenda, the phone directory, a file's cover sheet, and a secret letter's PDF with the viewer's
watermark. Words with tone marks, สระอำ and ไม้หันอากาศ (ผู้รับจ้าง, สำหรับ, หนังสือรับ, ค้ำประกัน)
come back character for character, with no private-use code point; every page says หน้า x/y,
and the left margin leaves room to punch and bind (25 mm).

wkhtmltopdf, which printed them before, gave ``ผูรับจาง`` and ``สําหรับ`` (tests/pdftext.py).
Chromium and pdftotext must be there: without them these tests fail under CI (CI=true).
"""

import io
import re

import pytest
from sqlalchemy import select

from app import thai
from app.models import Attachment, Contract, RegisterEntry
from app.models.filetracking import Executive, TrackedFile
from app.services import pdf
from tests.conftest import text_of
from tests.files import pdf_bytes
from tests.pdftext import (MM, broken_thai, left_margin_mm, pages_of, pdf_text, require_pdf_tools,
                           words_with_boxes)

pytestmark = pytest.mark.usefixtures("tools")

SUBJECT = "หนังสือรับรองผลงานของผู้รับจ้าง สำหรับการค้ำประกันสัญญา"
SENDER = "กรมบัญชีกลาง"


@pytest.fixture
def tools():
    require_pdf_tools()


def today_be():
    today = thai.to_bangkok(thai.utcnow()).date()
    return f"{today.day:02d}/{today.month:02d}/{today.year + 543}"


def squeezed(text):
    return re.sub(r"\s+", "", text)


def read_back(r, *lines, anywhere=(), margin=True):
    """The PDF of response ``r``, read back: each of ``lines`` is a line of it as printed, each
    of ``anywhere`` is in it (a cell may wrap it: compared without whitespace); no broken Thai,
    หน้า 1/ on the first page, 25 mm or more of left margin (unless told). Returns the pages'
    texts."""
    assert r.status_code == 200 and r.mimetype == "application/pdf", text_of(r)[:500]
    data = r.get_data()
    pages = pages_of(data)
    text = "\n".join(pages)
    assert not broken_thai(text), broken_thai(text)
    printed = text.splitlines()
    for line in lines:
        assert line in printed, (line, text[:1500])
    for words in anywhere:
        assert squeezed(words) in squeezed(text), (words, text[:1500])
    assert re.search(r"หน้า 1/\d+$", pages[0], re.M), pages[0][-300:]
    if margin:
        assert left_margin_mm(data) >= 25 - 0.1
    return pages


def register(client, view, **fields):
    data = {"speed": "normal", "secrecy": "normal", "doc_date": "01/03/2568", **fields}
    r = client.post(f"/{view}/add", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[-500:]
    return r


# ---- the daily register reports -----------------------------------------------------------------

def test_the_central_registrys_daily_report_names_the_province(login_as):
    central = login_as("central")
    register(central, "provinceincomingview", sender=SENDER, doc_number="กค 0405.2/ว 123",
             subject=SUBJECT)
    r = central.get(f"/provinceincomingview/report?day={today_be()}&format=pdf")
    pages = read_back(
        r, "สารบรรณกลางจังหวัดพังงา", "# เลขรับ เลขหนังสือ เรื่อง ลงวันที่ ลงชื่อผู้รับ",
        anywhere=(SUBJECT, "กค 0405.2/ว 123", "1 มี.ค. 2568",
                  "*หมายเหตุ: ใช้สำหรับเจ้าหน้าที่นำส่งเอกสารลงชื่อรับเอกสารตัวจริง"))
    assert pages[0].splitlines()[0].startswith("รายงานทะเบียนหนังสือรับประจำวัน ")
    assert re.search(r"^พิมพ์โดย สุดา ใจดี เมื่อ .+ น\. หน้า 1/1$", pages[0], re.M)
    for word in ("ผู้รับจ้าง", "สำหรับ", "หนังสือรับ", "ค้ำประกัน"):
        assert word in pages[0]
    # The browser's print view names the province too.
    html = central.get(f"/provinceincomingview/report?day={today_be()}")
    assert "สารบรรณกลางจังหวัดพังงา" in text_of(html)


def test_an_agencys_and_a_groups_daily_reports(login_as):
    clerk = login_as("clerk.dopa")
    register(clerk, "agencyincomingview", sender=SENDER, subject="แจ้งผู้รับจ้างส่งมอบงานงวดที่ ๒")
    read_back(clerk.get(f"/agencyincomingview/report?day={today_be()}&format=pdf"),
              "ที่ทำการปกครองจังหวัดพังงา", anywhere=("แจ้งผู้รับจ้างส่งมอบงานงวดที่ ๒",))
    group = login_as("group.dopa")
    register(group, "groupincomingview", sender=SENDER, subject="ซักซ้อมแนวทางสำหรับผู้รับจ้าง")
    read_back(group.get(f"/groupincomingview/report?day={today_be()}&format=pdf"),
              "ฝ่ายความมั่นคง ที่ทำการปกครองจังหวัดพังงา",
              anywhere=("ซักซ้อมแนวทางสำหรับผู้รับจ้าง",))


def test_a_report_of_many_pages_repeats_its_heading(login_as):
    central = login_as("central")
    for i in range(1, 31):
        register(central, "provinceincomingview", sender=SENDER, doc_number=f"กค 0405.2/{i}",
                 subject=f"ขอความร่วมมือผู้รับจ้างสำหรับโครงการที่ {i} " + "ก่อสร้างอาคาร" * 4)
    r = central.get(f"/provinceincomingview/report?day={today_be()}&format=pdf")
    pages = read_back(r)
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        lines = page.splitlines()
        assert lines[0].startswith("รายงานทะเบียนหนังสือรับประจำวัน ") and lines[1] == \
            "สารบรรณกลางจังหวัดพังงา", n
        assert "# เลขรับ เลขหนังสือ เรื่อง ลงวันที่ ลงชื่อผู้รับ" in lines, n
        assert re.search(rf"หน้า {n}/{len(pages)}$", page, re.M), n


# ---- a contract, the agenda, the directory, a file's cover ----------------------------------------

def test_a_contracts_printout(login_as, dbq):
    clerk = login_as("clerk.dopa")
    form = {"doc_date": "02/11/2569", "party_name": "ห้างหุ้นส่วนจำกัด ผู้รับจ้างพังงาก่อสร้าง",
            "tax_id": "0994000165668", "subject": "จ้างซ่อมแซมถนนสำหรับหมู่บ้านน้ำเค็ม",
            "amount": "1,200,000", "method": "e_bidding", "start_on": "03/11/2569",
            "end_on": "02/03/2570", "deadline_on": "02/03/2570", "warranty_months": "24",
            "guarantee_type": "bank_guarantee", "guarantee_amount": "60,000",
            "guarantee_return_on": "", "guarantee_returned_on": "", "officer_id": "",
            "remarks": "ผู้รับจ้างวางหนังสือค้ำประกันของธนาคารแล้ว"}
    r = clerk.post("/contracts/hire/add", data=form, content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[:800]
    pk = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    number = dbq(lambda s: s.get(Contract, pk).number_text())
    read_back(clerk.get(f"/contracts/hire/print/{pk}?format=pdf"),
              f"ทะเบียนคุมสัญญาจ้าง เลขที่ {number}", "ที่ทำการปกครองจังหวัดพังงา",
              anywhere=("ห้างหุ้นส่วนจำกัด ผู้รับจ้างพังงาก่อสร้าง",
                        "จ้างซ่อมแซมถนนสำหรับหมู่บ้านน้ำเค็ม", "หนึ่งล้านสองแสนบาทถ้วน",
                        "ผู้รับจ้างวางหนังสือค้ำประกันของธนาคารแล้ว"))


def test_the_executives_agenda(login_as, dbq):
    secretary = login_as("secretary")
    governor = dbq(lambda s: s.execute(select(Executive.id).where(Executive.kind == "governor"))
                   .scalars().first())
    r = secretary.post("/agenda/new", data={
        "executive_id": str(governor), "title": "ประชุมชี้แจงผู้รับจ้างสำหรับโครงการน้ำประปา",
        "day": "18/03/2570", "start": "09:00", "end": "10:30", "public": "y",
        "place": "ห้องประชุมพังงาราชานุสรณ์", "attended_by": "", "notes": "แต่งกายชุดปกติขาว"})
    assert r.status_code == 302, text_of(r)[:800]
    pages = read_back(secretary.get("/agenda/print?day=18/03/2570"), "สำนักงานจังหวัดพังงา",
                      anywhere=("ประชุมชี้แจงผู้รับจ้างสำหรับโครงการน้ำประปา",
                                "ห้องประชุมพังงาราชานุสรณ์", "แต่งกายชุดปกติขาว",
                                "09:00-10:30 น.", "ผู้ว่าราชการจังหวัดพังงา"))
    assert pages[0].splitlines()[0].startswith("วาระงานผู้บริหารจังหวัด ")
    week = read_back(secretary.get("/agenda/print?day=18/03/2570&span=week"))
    assert "ประชุมชี้แจงผู้รับจ้างสำหรับโครงการน้ำประปา" in squeezed("".join(week))


def test_the_phone_directory(login_as):
    read_back(login_as("clerk.dopa").get("/directory/print"),
              "สมุดโทรศัพท์จังหวัดพังงา", "ทุกหน่วยงาน",
              "ชื่อ-นามสกุล ตำแหน่ง โทรศัพท์ เบอร์ภายใน โทรศัพท์มือถือ",
              anywhere=("ที่ทำการปกครองจังหวัดพังงา (พง 0016.1)", "วิชัย รักงาน",
                        "เจ้าพนักงานธุรการ", "ผู้ว่าราชการจังหวัดพังงา", "สำนักงานจังหวัดพังงา",
                        "รวม", "รายชื่อ"))


def test_a_files_cover_sheet_has_a_routing_grid(login_as, dbq):
    owner = login_as("officer.dopa")
    deputy = dbq(lambda s: s.execute(select(Executive.id).where(Executive.kind == "deputy")
                                     .order_by(Executive.id)).scalars().first())
    r = owner.post("/files/add", content_type="multipart/form-data", data={
        "subject": "ขออนุมัติจ้างเหมาบริการสำหรับผู้รับจ้างทำความสะอาด",
        "executive_id": str(deputy), "speed": "urgent", "entry_register": "",
        "entry_number": "", "files": [(io.BytesIO(pdf_bytes()), "บันทึกข้อความ.pdf")]})
    assert r.status_code == 302, text_of(r)[:800]
    pk = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    number = dbq(lambda s: s.get(TrackedFile, pk).number_text())
    pages = read_back(owner.get(f"/files/cover/{pk}"),
                      f"ใบปะหน้าแฟ้มเสนอลงนาม เลขที่แฟ้ม {number}", "ที่ทำการปกครองจังหวัดพังงา",
                      "บันทึกการเสนอและสั่งการ", "ลำดับ ถึง ความเห็น/สั่งการ ลงชื่อ วันที่",
                      anywhere=("ขออนุมัติจ้างเหมาบริการสำหรับผู้รับจ้างทำความสะอาด",
                                "รองผู้ว่าราชการจังหวัดพังงา"))
    assert len(pages) == 1  # the grid is on the sheet itself
    lines = pages[0].splitlines()
    grid = lines.index("ลำดับ ถึง ความเห็น/สั่งการ ลงชื่อ วันที่")
    assert lines[grid + 1:grid + 7] == ["1", "2", "3", "4", "5", "6"]  # six empty rows


# ---- a secret letter's PDF, stamped ----------------------------------------------------------------

def test_a_secret_pdf_is_stamped_in_exact_thai(login_as, dbq):
    letter = pdf.html_to_pdf(
        '<html lang="th"><body style="font-family: Laksaman">'
        "<p>เอกสารลับ สำหรับผู้รับจ้างและผู้ค้ำประกันเท่านั้น</p>"
        '<p style="break-before: page">หน้าที่สองของหนังสือ</p></body></html>',
        footer=pdf.page_footer("หนังสือลับ"))
    owner = login_as("clerk.dopa")
    register(owner, "agencyincomingview", sender="กองอำนวยการรักษาความมั่นคงภายใน",
             subject="แผนรักษาความปลอดภัยสำหรับผู้รับจ้าง", secrecy="secret",
             files=(io.BytesIO(letter), "ลับ.pdf"))
    entry = dbq(lambda s: s.query(RegisterEntry).filter_by(
        subject="แผนรักษาความปลอดภัยสำหรับผู้รับจ้าง").one().id)
    att = dbq(lambda s: s.query(Attachment).filter_by(entry_id=entry).one().id)
    r = owner.get(f"/agencyincomingview/file/{entry}/{att}")
    # The diagonal crosses the whole page, over the letter, as a watermark does.
    pages = read_back(r, "เอกสารลับ สำหรับผู้รับจ้างและผู้ค้ำประกันเท่านั้น", margin=False)
    assert len(pages) == 2 and "หน้าที่สองของหนังสือ" in pages[1]
    stamp = re.compile(r"^วิชัย รักงาน \(clerk\.dopa\) · \d{1,2} [ก-๙.]+ \d{4} \d{2}:\d{2} น\. "
                       r"· IP 127\.0\.0\.1$", re.M)
    assert all(len(stamp.findall(page)) == 1 for page in pages), pages
    assert pdf_text(r.get_data()).count("วิชัย รักงาน (clerk.dopa)") >= 2
    # The straight line along the foot keeps off the binding edge, as the letter's text does.
    upright = [w for w in words_with_boxes(r.get_data()) if w[4] - w[2] < 20]
    assert min(x for _p, x, *_rest in upright) >= 25 * MM - 0.5


# ---- when Chromium is not there ---------------------------------------------------------------------

def test_a_missing_chromium_is_a_thai_page_not_a_traceback(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_CHROMIUM", "/nonexistent/chromium")
    central = login_as("central")
    r = central.get(f"/provinceincomingview/report?day={today_be()}&format=pdf")
    assert r.status_code == 503 and r.mimetype == "text/html"
    page = text_of(r)
    assert "ไม่พบโปรแกรม Chromium ที่ใช้สร้างไฟล์ PDF" in page and "Traceback" not in page
    r = login_as("clerk.dopa").get("/directory/print")
    assert r.status_code == 503 and "ไม่พบโปรแกรม Chromium" in text_of(r)
