"""The daily register report: HTML (the print view) and PDF through Chromium (app/services/pdf.py).

The PDF is read back with ``pdftotext`` exactly as it is: no private-use code point, สระอำ whole,
tone marks where they were typed (tests/pdftext.py folds nothing back).
"""

import datetime as dt
import io
import re
import subprocess
from unittest import mock

import pytest
from pypdf import PdfReader

from app.services import pdf, textlayer
from app.services.reports import ReportRow, ReportSpec, render_html, render_pdf
from tests.pdftext import (MM, broken_thai, left_margin_mm, pages_of, require_pdf_tools,
                           words_with_boxes)

TITLE = "รายงานทะเบียนหนังสือรับประจำวัน"
OWNER = "สารบรรณกลางจังหวัดพังงา"
DAY = dt.date(2018, 3, 18)
COLUMN_TITLES = "# เลขรับ เลขหนังสือ เรื่อง ลงวันที่ ลงชื่อผู้รับ"
SUBJECTS = (
    "ขอเชิญประชุมคณะกรรมการจังหวัด",
    "แจ้งการโอนเงินงบประมาณ",
    "ขอความร่วมมือรณรงค์ป้องกันไข้เลือดออก",
    "หนังสือรับรองการค้ำประกันของผู้รับจ้าง",
    "ขอส่งสำเนาคำสั่งแต่งตั้งคณะทำงาน",
)
LONG_SUBJECT = (
    "ขอความอนุเคราะห์ข้อมูลผู้ประสบภัยพิบัติจากอุทกภัยในพื้นที่อำเภอตะกั่วป่า อำเภอท้ายเหมือง "
    "และอำเภอคุระบุรี เพื่อประกอบการพิจารณาให้ความช่วยเหลือตามระเบียบกระทรวงการคลังว่าด้วย"
    "เงินทดรองราชการเพื่อช่วยเหลือผู้ประสบภัยพิบัติกรณีฉุกเฉิน"
)


@pytest.fixture
def tools():
    require_pdf_tools()


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


def joined(text):
    """The text with its line breaks taken out (a subject wraps within its cell)."""
    return re.sub(r"\s*\n\s*", "", text)


def sequence_numbers(page):
    """The # column of one page: lines that start with the sequence and the register number."""
    return [int(m.group(1)) for m in re.finditer(r"^(\d+) (\d+) พง", page, re.M)]


# ---- HTML ----------------------------------------------------------------------------------------

def test_html_escapes_user_text():
    rows = [ReportRow(register_number="<b>1</b>", doc_number="ที่ A&B",
                      subject="<script>alert('x')</script> ประชุม", doc_date=DAY)]
    for for_pdf in (False, True):
        html = render_html(spec(owner="<i>หน่วยงาน</i>"), rows, for_pdf=for_pdf)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; ประชุม" in html
        assert "&lt;b&gt;1&lt;/b&gt;" in html and "ที่ A&amp;B" in html
        assert "&lt;i&gt;หน่วยงาน&lt;/i&gt;" in html


def test_html_is_self_contained():
    """Nothing for a browser or Chromium to fetch: no link or script; fonts only as data:."""
    for for_pdf in (False, True):
        html = render_html(spec(), make_rows(3), for_pdf=for_pdf).lower()
        for needle in ("://", "href=", "@import", "<link", "<img", "<script"):
            assert needle not in html, needle
        assert all(u.startswith("url(data:font/woff2;base64,")
                   for u in re.findall(r"url\([^)]{0,40}", html))


def test_print_button_only_in_the_browser_view():
    screen = render_html(spec(), make_rows(3))
    assert '<button type="button" onclick="window.print()">พิมพ์</button>' in screen
    assert "@media print { .no-print { display: none; } }" in screen
    assert "พิมพ์โดย นายสมชาย ใจดี เมื่อ 18 มี.ค. 2561 14:05 น." in screen
    printed = render_html(spec(), make_rows(3), for_pdf=True)
    assert "window.print" not in printed
    assert "พิมพ์โดย" not in printed  # the PDF says it in every page's footer


def test_html_layout_of_the_form():
    html = render_html(spec(), make_rows(45, cancelled={7}))
    # One table: its head, the heading and the column titles, is repeated by the printer.
    assert html.count(f"<h1>{TITLE} 18 มี.ค. 2561</h1>") == 1
    assert html.count("<thead>") == 1 and html.count("<th>ลงชื่อผู้รับ</th>") == 1
    assert html.index("<thead>") < html.index(f"<h1>{TITLE}") < html.index("</thead>")
    assert "รวม 45 รายการ (ยกเลิก 1 รายการ)" in html
    assert html.count('class="cancelled"') == 1 and '<span class="cancel-mark">ยกเลิก</span>' in html
    assert "*หมายเหตุ: ใช้สำหรับเจ้าหน้าที่นำส่งเอกสารลงชื่อรับเอกสารตัวจริง" in html
    assert "Laksaman" in html  # the system's Thai font, behind Sarabun's when it is there
    assert "margin: 15.0mm 12.0mm 16.0mm 25.0mm" in html  # room to punch and bind
    assert "<th>เลขรับ</th>" in render_html(spec(title="รายงานทะเบียนหนังสือส่งประจำวัน"), [])
    assert "<th>เลขส่ง</th>" in render_html(spec(number_title="เลขส่ง"), [])


def test_the_font_is_laksaman_without_sarabun_files(tmp_path, monkeypatch):
    assert pdf.font_family(tmp_path) == "Laksaman" and pdf.font_css(tmp_path) == ""
    monkeypatch.setattr(pdf, "FONTS_DIR", tmp_path)
    html = render_html(spec(), make_rows(1), for_pdf=True)
    assert "font-family: Laksaman;" in html and "@font-face" not in html


# ---- PDF ---------------------------------------------------------------------------------------

def test_pdf_pages_in_exact_thai(tools):
    rows = make_rows(45, cancelled={5})
    data = render_pdf(spec(), rows)
    assert data.startswith(b"%PDF")
    pages = pages_of(data)
    assert len(pages) == len(PdfReader(io.BytesIO(data)).pages) >= 2
    assert not broken_thai("".join(pages))
    n = len(pages)
    for number, page in enumerate(pages, start=1):
        lines = page.splitlines()
        assert f"{TITLE} 18 มี.ค. 2561" in lines and OWNER in lines, number
        assert COLUMN_TITLES in lines, number
        assert f"พิมพ์โดย นายสมชาย ใจดี เมื่อ 18 มี.ค. 2561 14:05 น. หน้า {number}/{n}" in lines
    numbers = [sequence_numbers(p) for p in pages]
    assert [x for p in numbers for x in p] == list(range(1, 46)) and all(numbers)
    text = joined("".join(pages))
    for subject in SUBJECTS:
        assert subject in text
    assert "พง 0017.2/ว 1045" in pages[-1]
    assert "รวม 45 รายการ (ยกเลิก 1 รายการ)" in pages[-1]
    assert all("รวม 45" not in p for p in pages[:-1])
    assert "*หมายเหตุ: ใช้สำหรับเจ้าหน้าที่นำส่งเอกสารลงชื่อรับเอกสารตัวจริง" in pages[-1]
    assert "ยกเลิก" in pages[0]


def test_pdf_is_a4_with_room_to_bind(tools):
    data = render_pdf(spec(), make_rows(3))
    page = PdfReader(io.BytesIO(data)).pages[0]
    # A4 (595.28 x 841.89 pt) to Chromium's whole CSS pixel: 794 x 1123 px.
    assert abs(float(page.mediabox.width) - 595.28) < 1
    assert abs(float(page.mediabox.height) - 841.89) < 1
    assert left_margin_mm(data) >= 25 - 0.1
    words = words_with_boxes(data)
    # หน้า 1/1 ends at the right margin (12 mm); the heading is 12 pt, the body 10.5 pt.
    right = max(x2 for _p, _x, _y, x2, _y2, w in words if w == "1/1")
    assert abs(right - (595.28 - 12 * MM)) < 2
    # The first line sits under the top margin (15 mm): its box may reach into the margin by
    # the font's ascent, its foot may not.
    assert 15 * MM < min(y2 for _p, _x, _y, _x2, y2, _w in words) < 30 * MM


def test_empty_report_is_one_page(tools):
    pages = pages_of(render_pdf(spec(), []))
    assert len(pages) == 1
    page = pages[0]
    assert f"{TITLE} 18 มี.ค. 2561" in page and "หน้า 1/1" in page
    assert COLUMN_TITLES in page.splitlines()
    assert "ไม่มีรายการ" in page and "รวม 0 รายการ" in page


def test_a_row_is_never_split_and_every_page_has_its_heading(tools):
    rows = make_rows(30, subject=LONG_SUBJECT)
    pages = pages_of(render_pdf(spec(), rows))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"{TITLE} 18 มี.ค. 2561" in page and f"หน้า {number}/{len(pages)}" in page
        assert COLUMN_TITLES in page.splitlines()
        # Each row's subject whole on the page its number is on.
        assert joined(page.replace(" ", "")).count(LONG_SUBJECT.replace(" ", "")) \
            == len(sequence_numbers(page))
    assert sum(len(sequence_numbers(p)) for p in pages) == 30


def test_a_long_unbroken_run_stays_within_its_column(tools):
    code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rows = [ReportRow(register_number="1", doc_number=code, subject=code + code, doc_date=DAY)]
    data = render_pdf(spec(), rows)
    assert max(x2 for _p, _x, _y, x2, _y2, _w in words_with_boxes(data)) <= 595.28 - 12 * MM + 1
    assert code in re.sub(r"\s+", "", pages_of(data)[0])


def test_chromium_reads_nothing_from_outside(tools, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("<p>ลับมาก</p>", encoding="utf-8")
    html = (f'<html><body><p>หน้าเปิด</p><iframe src="file://{secret}"></iframe>'
            f'<img src="file://{secret}"><img src="http://127.0.0.1:9/x.png">'
            f'<script>document.body.innerHTML += "สคริปต์ทำงาน"</script></body></html>')
    text = pages_of(pdf.html_to_pdf(html))[0]
    assert "หน้าเปิด" in text and "ลับมาก" not in text and "สคริปต์ทำงาน" not in text


def test_a_missing_chromium_is_said_in_thai(tmp_path):
    with pytest.raises(pdf.PrintUnavailable) as e:
        pdf.html_to_pdf("<p>x</p>", chromium=str(tmp_path / "chromium"))
    assert e.value.status == 503 and "ไม่พบโปรแกรม Chromium" in e.value.message


# ---- the text layer of Thai marks (app/services/textlayer.py) -----------------------------------

# Marks left of their consonant's end (ป ฝ ฟ), stacked marks, สระอำ, and words without either.
HARD_WORDS = [
    "ฝ่ายความมั่นคง ป่าไม้ ฟ้าผ่า ป้ายประกาศ ฝั่งทะเล ปั่นจักรยาน",
    "ฟื้นฟู ปิ่นโต ป๋า ปั๊ม ปิ๊ก ฝุ่น ฟุ้ง ปู่ย่า ป่วย ฟ้อง",
    "ผู้รับจ้าง สำหรับ ค้ำประกัน น้ำ หนังสือรับ ที่ นี่ ก่อน ต้อง ญาติ ฐาน",
]


def _rendered(data, tmp_path, name):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "110", "-gray", str(path), str(tmp_path / name)],
                   check=True, timeout=120)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.pgm"))]


@pytest.mark.parametrize("family", ["Laksaman", "web"])
def test_thai_marks_read_back_whole_and_nothing_moves(tools, tmp_path, family):
    if family == "web":
        if not pdf.font_css():
            pytest.skip("no Sarabun files in app/static/fonts (Laksaman is tested alone)")
        family = pdf.font_family()
    html = ('<html lang="th"><head><style>' + str(pdf.font_css()) + "</style></head>"
            f'<body style="font-family: {family}; font-size: 10.5pt">'
            + "".join(f"<p>{line}</p><p><b>{line}</b></p><p style='font-size: 16pt'>{line}</p>"
                      for line in HARD_WORDS) + "</body></html>")
    data = pdf.html_to_pdf(html)
    for mode in ("-raw", "-layout"):
        out = subprocess.run(["pdftotext", mode, "-", "-"], input=data, capture_output=True,
                             check=True).stdout.decode()
        lines = [" ".join(line.split()) for line in out.splitlines() if line.strip()]
        assert lines == [line for line in HARD_WORDS for _ in range(3)], (mode, lines)
    # What Chromium printed, before the spans were closed (the last step of html_to_pdf),
    # looks the same to the pixel.
    close = textlayer.close_mark_gaps
    with mock.patch.object(textlayer, "close_mark_gaps", lambda printed: printed):
        before = pdf.html_to_pdf(html)
    assert close(before) != before
    assert _rendered(before, tmp_path, "before") == _rendered(data, tmp_path, "after")


def test_a_pdf_placed_by_widths_is_left_as_printed():
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 10 10 Td [<0001> 120 <0002>] TJ ET")
    page.replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    assert textlayer.close_mark_gaps(out.getvalue()) == out.getvalue()
    assert textlayer.close_mark_gaps(b"not a pdf") == b"not a pdf"
