"""The daily register report: HTML (the print view) and PDF through Debian's wkhtmltopdf.

The PDF is read back with ``pdftotext``. Laksaman draws Thai marks that must sit lower or further
left (a tone mark over a letter without an upper vowel, as in หน้า) with glyphs the font maps to
the Private Use Area, the Windows convention HarfBuzz also knows (hb-ot-shaper-thai.cc), and
Qt splits sara am (ำ) into nikhahit and sara aa; ``thai_text`` maps both back before comparing.
"""

import datetime as dt
import io
import logging
import re
import shutil
import subprocess
import unicodedata

import pdfkit
import pytest
from pypdf import PdfReader

from app.services import reports
from app.services.reports import ReportRow, ReportSpec, paginate, render_html, render_pdf, soft_wrap

needs_pdf_tools = pytest.mark.skipif(
    not (shutil.which("wkhtmltopdf") and shutil.which("pdftotext")),
    reason="wkhtmltopdf and pdftotext (poppler-utils) are needed")

# Windows Thai PUA glyph codes (shifted down, down-left, left; letters without descender).
THAI_PUA = {
    0xF70A: 0x0E48, 0xF70B: 0x0E49, 0xF70C: 0x0E4A, 0xF70D: 0x0E4B, 0xF70E: 0x0E4C,
    0xF718: 0x0E38, 0xF719: 0x0E39, 0xF71A: 0x0E3A,
    0xF705: 0x0E48, 0xF706: 0x0E49, 0xF707: 0x0E4A, 0xF708: 0x0E4B, 0xF709: 0x0E4C,
    0xF713: 0x0E48, 0xF714: 0x0E49, 0xF715: 0x0E4A, 0xF716: 0x0E4B, 0xF717: 0x0E4C,
    0xF710: 0x0E31, 0xF701: 0x0E34, 0xF702: 0x0E35, 0xF703: 0x0E36, 0xF704: 0x0E37,
    0xF712: 0x0E47, 0xF711: 0x0E4D, 0xF70F: 0x0E0D, 0xF700: 0x0E10,
}

TITLE = "รายงานทะเบียนหนังสือรับประจำวัน"
OWNER = "สารบรรณกลางจังหวัดพังงา"
DAY = dt.date(2018, 3, 18)
COLUMN_TITLES = ("#", "เลขรับ", "เลขหนังสือ", "เรื่อง", "ลงวันที่", "ลงชื่อผู้รับ")
SUBJECTS = (
    "ขอเชิญประชุมคณะกรรมการจังหวัด",
    "แจ้งการโอนเงินงบประมาณ",
    "ขอความร่วมมือรณรงค์ป้องกันไข้เลือดออก",
    "รายงานผลการดำเนินงานโครงการพัฒนาคุณภาพชีวิต",
    "ขอส่งสำเนาคำสั่งแต่งตั้งคณะทำงาน",
)
LONG_SUBJECT = (
    "ขอความอนุเคราะห์ข้อมูลผู้ประสบภัยพิบัติจากอุทกภัยในพื้นที่อำเภอตะกั่วป่า อำเภอท้ายเหมือง "
    "และอำเภอคุระบุรี เพื่อประกอบการพิจารณาให้ความช่วยเหลือตามระเบียบกระทรวงการคลังว่าด้วย"
    "เงินทดรองราชการเพื่อช่วยเหลือผู้ประสบภัยพิบัติกรณีฉุกเฉิน"
)


def thai_text(text):
    """pdftotext's output with Thai as typed: PUA glyph codes mapped back, marks in canonical
    order (ผู้, not ผู้), sara am recomposed, runs of blanks made one."""
    text = unicodedata.normalize("NFC", text.translate(THAI_PUA).replace("\u200b", ""))
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    return re.sub(r"[ \t]+", " ", text)


def skeleton(text):
    """Only the letters that stand on the line, in order: for text that pdftotext's layout
    mode may wrap or whose marks it may place after the next letter (ครัง้)."""
    text = thai_text(text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn")


def spec(**overrides):
    values = dict(title=TITLE, owner=OWNER, period="18 มี.ค. 2561",
                  printed_by="นายสมชาย ใจดี", printed_at="18 มี.ค. 2561 14:05 น.")
    values.update(overrides)
    return ReportSpec(**values)


def make_rows(n, subject=None, cancelled=()):
    return [
        ReportRow(register_number=str(i), doc_number=f"พง 0017.2/ว {1000 + i}",
                  subject=subject or SUBJECTS[i % len(SUBJECTS)], doc_date=DAY,
                  cancelled=i in cancelled)
        for i in range(1, n + 1)
    ]


def pdf_pages(pdf, tmp_path, mode="-layout"):
    """The PDF's pages as pdftotext reads them, Thai normalised. ``-layout`` keeps the columns
    side by side; ``-raw`` keeps the order of drawing, so a wrapped subject reads on."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", mode, str(path), "-"], check=True,
                         capture_output=True, timeout=60).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [thai_text(p) for p in pages]


def sequence_numbers(page):
    """The # column of one page: lines that start with the sequence and the register number."""
    return [int(m.group(1)) for m in re.finditer(r"^\s*(\d+) (\d+) พง", page, re.M)]


# ---- layout, without wkhtmltopdf -------------------------------------------------------------

def test_paginate_by_rows_per_page_and_by_height():
    assert [len(p) for p in paginate(make_rows(45), 20)] == [20, 20, 5]
    assert [len(p) for p in paginate([], 20)] == [0]
    # Long subjects wrap to seven lines: fewer of them fit on a sheet.
    pages = paginate(make_rows(45, subject=LONG_SUBJECT), 20)
    assert all(len(p) < 20 for p in pages)
    assert [line.seq for page in pages for line in page] == list(range(1, 46))


def test_html_escapes_user_text():
    rows = [ReportRow(register_number="<b>1</b>", doc_number="ที่ A&B",
                      subject="<script>alert('x')</script> ประชุม", doc_date=DAY)]
    for for_pdf in (False, True):
        html = render_html(spec(owner="<i>หน่วยงาน</i>"), rows, for_pdf=for_pdf)
        html = html.replace("\u200b", "")  # break opportunities in the long run of the subject
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; ประชุม" in html
        assert "&lt;b&gt;1&lt;/b&gt;" in html and "ที่ A&amp;B" in html
        assert "&lt;i&gt;หน่วยงาน&lt;/i&gt;" in html


def test_html_is_self_contained():
    """Nothing for a browser or wkhtmltopdf to fetch: no link, image, script or font file."""
    for for_pdf in (False, True):
        html = render_html(spec(), make_rows(3), for_pdf=for_pdf).lower()
        for needle in ("://", "src=", "href=", "url(", "@import", "<link", "<img", "<script"):
            assert needle not in html, needle


def test_print_button_only_in_the_browser_view():
    screen = render_html(spec(), make_rows(3))
    assert '<button type="button" onclick="window.print()">พิมพ์</button>' in screen
    assert '<div class="no-print">' in screen
    assert "@media print { .no-print { display: none; } }" in screen
    assert "window.print" not in render_html(spec(), make_rows(3), for_pdf=True)


def test_html_layout_of_the_form():
    html = render_html(spec(), make_rows(45, cancelled={7}), rows_per_page=20)
    assert html.count(f"<h1>{TITLE} 18 มี.ค. 2561</h1>") == 3
    assert [f"หน้า {i}/3" in html for i in (1, 2, 3)] == [True] * 3
    assert html.count("<th>ลงชื่อผู้รับ</th>") == 3
    # A break after every page but the last.
    assert html.count('<div class="page">') == 2 and html.count('<div class="page last">') == 1
    assert "รวม 45 รายการ (ยกเลิก 1 รายการ)" in html
    assert html.count('class="cancelled"') == 1 and '<span class="cancel-mark">ยกเลิก</span>' in html
    assert "*หมายเหตุ: ใช้สำหรับเจ้าหน้าที่นำส่งเอกสารลงชื่อรับเอกสารตัวจริง" in html
    assert "font-family: Laksaman" in html
    outgoing = render_html(spec(title="รายงานทะเบียนหนังสือส่งประจำวัน"), [], rows_per_page=20)
    assert "<th>เลขรับ</th>" in outgoing  # the default
    assert "<th>เลขส่ง</th>" in render_html(spec(number_title="เลขส่ง"), [])


def test_long_unbroken_runs_get_break_opportunities():
    code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    wrapped = soft_wrap(code, "number")
    assert "\u200b" in wrapped and wrapped.replace("\u200b", "") == code
    assert soft_wrap("พง 0017.2/ว 1001", "doc_number") == "พง 0017.2/ว 1001"
    assert soft_wrap(LONG_SUBJECT, "subject") == LONG_SUBJECT  # Thai breaks between words
    assert soft_wrap(None, "subject") == ""


# ---- PDF ---------------------------------------------------------------------------------------

@needs_pdf_tools
def test_pdf_three_pages_in_thai(tmp_path):
    rows = make_rows(45, cancelled={5})
    pdf = render_pdf(spec(), rows, rows_per_page=20)
    assert pdf.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        assert f"{TITLE} 18 มี.ค. 2561" in page
        assert OWNER in page
        assert f"หน้า {number}/3" in page
        header = next(line for line in page.splitlines() if line.strip().startswith("#"))
        assert header.split() == list(COLUMN_TITLES)
        assert "18 มี.ค. 2561" in page.split(OWNER, 1)[1]  # the letters' date, beyond the heading
    assert [sequence_numbers(p) for p in pages] == [
        list(range(1, 21)), list(range(21, 41)), list(range(41, 46))]
    drawn = skeleton("".join(pdf_pages(pdf, tmp_path, mode="-raw")))
    for subject in SUBJECTS:
        assert skeleton(subject) in drawn
    assert "พง 0017.2/ว 1045" in pages[2]
    assert "รวม 45 รายการ (ยกเลิก 1 รายการ)" in pages[2]
    assert all("รวม" not in p for p in pages[:2])
    assert skeleton("*หมายเหตุ: ใช้สำหรับเจ้าหน้าที่นำส่งเอกสารลงชื่อรับเอกสารตัวจริง") in skeleton(pages[2])
    assert "ยกเลิก" in pages[0]


@needs_pdf_tools
def test_pdf_is_a4_in_laksaman_at_true_size(tmp_path):
    pdf = render_pdf(spec(), make_rows(3))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert b"/BaseFont /Laksaman" in pdf
    # The page number is set flush right: it must end at the right margin (12 mm from the
    # edge), which it does only if the CSS lengths print at their size (PDF_SCALE).
    path = tmp_path / "size.pdf"
    path.write_bytes(pdf)
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, timeout=60).stdout.decode("utf-8")
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"[^>]*>1/1<', bbox))
    assert abs(right - (595.28 - 12 / 25.4 * 72)) < 4


@needs_pdf_tools
def test_empty_report_is_one_page(tmp_path):
    pdf = render_pdf(spec(), [], rows_per_page=20)
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 1
    page = pages[0]
    assert f"{TITLE} 18 มี.ค. 2561" in page and "หน้า 1/1" in page
    assert all(title in page for title in COLUMN_TITLES)
    assert "ไม่มีรายการ" in page and "รวม 0 รายการ" in page


@needs_pdf_tools
def test_long_subjects_never_spill_onto_a_sheet_without_heading(tmp_path):
    rows = make_rows(30, subject=LONG_SUBJECT)
    pdf = render_pdf(spec(), rows, rows_per_page=20)
    pages = pdf_pages(pdf, tmp_path)
    for number, page in enumerate(pages, start=1):
        assert f"{TITLE} 18 มี.ค. 2561" in page and f"หน้า {number}/{len(pages)}" in page
    assert sum(len(sequence_numbers(p)) for p in pages) == 30


@needs_pdf_tools
def test_a_spilled_page_is_laid_out_again(tmp_path, monkeypatch, caplog):
    """Should the height estimate be wrong, the page count gives it away: lay out again."""
    monkeypatch.setattr(reports, "ROWS_BUDGET_MM", 330.0)
    # An app built earlier in the same run may have configured logging; capture this logger.
    caplog.set_level(logging.WARNING, logger=reports.log.name)
    monkeypatch.setattr(reports.log, "disabled", False)
    pdf = render_pdf(spec(), make_rows(25, subject=LONG_SUBJECT), rows_per_page=20)
    assert "spilled over" in caplog.text
    pages = pdf_pages(pdf, tmp_path)
    for number, page in enumerate(pages, start=1):
        assert f"หน้า {number}/{len(pages)}" in page


@needs_pdf_tools
def test_wkhtmltopdf_reads_no_local_file(tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("<p>ลับมาก</p>", encoding="utf-8")
    html = f'<html><body><p>x</p><iframe src="file://{secret}"></iframe></body></html>'
    with pytest.raises(OSError, match="ProtocolUnknownError|network error"):
        pdfkit.from_string(html, False, options=dict(reports.PDF_OPTIONS))
    # The control: allowed, the same page does read the file.
    allowed = {k: v for k, v in reports.PDF_OPTIONS.items() if k != "disable-local-file-access"}
    allowed["enable-local-file-access"] = ""
    pdf = pdfkit.from_string(html, False, options=allowed)
    assert any("ลับมาก" in p for p in pdf_pages(pdf, tmp_path))
