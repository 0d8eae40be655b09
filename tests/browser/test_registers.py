"""The registers in Chromium: the central clerk registers a letter with its scanned PDF, sees its
number and badge, opens the PDF; the agency clerk issues an outgoing number and prints the daily
report; each screen is saved under docs/screenshots."""

import re

from pypdf import PdfWriter

from tests.browser.helpers import SCREENSHOTS, login
from tests.pdftext import pdf_text


def _pdf(path):
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    with open(path, "wb") as f:
        writer.write(f)
    return path


def test_central_registers_a_letter_with_its_scan(page, tmp_path):
    login(page, "central")
    page.goto("/provinceincomingview/list/")
    page.click("#register-add")
    page.fill("input[name=doc_number]", "มท 0208.5/ว 999")
    page.fill("input[name=doc_date]", "20/11/2569")
    page.fill("input[name=sender]", "กระทรวงมหาดไทย")
    page.fill("input[name=receiver]", "ผู้ว่าราชการจังหวัดพังงา")
    page.fill("textarea[name=subject]", "ซักซ้อมแนวทางการรับมือพายุในฤดูมรสุม")
    page.select_option("select[name=speed]", "most_urgent")
    page.set_input_files("input[name=files]", _pdf(tmp_path / "scan.pdf"))
    page.screenshot(path=str(SCREENSHOTS / "register-add.png"), full_page=True)
    with page.expect_navigation():
        page.click("#model_form [type=submit], form [type=submit]")
    body = page.inner_text("body")
    assert re.search(r"ออกเลข \d+/\d{4} เรียบร้อยแล้ว", body), body[:600]
    assert "ซักซ้อมแนวทางการรับมือพายุในฤดูมรสุม" in body
    assert "scan.pdf" in body
    page.screenshot(path=str(SCREENSHOTS / "register-show.png"), full_page=True)
    # The scan opens in the browser, as a PDF.
    href = page.locator("#attachments a", has_text="เปิดดู").first.get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    # The list shows the speed as a red badge without opening the entry.
    page.goto("/provinceincomingview/list/")
    badge = page.locator("span.label-danger", has_text="ด่วนที่สุด").first
    assert badge.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "register-list.png"), full_page=True)


def test_agency_clerk_issues_an_outgoing_number_and_prints_the_report(page, tmp_path):
    login(page, "clerk.dopa")
    page.goto("/outgoingcircularview/list/")
    page.click("#register-add")
    page.fill("input[name=receiver]", "ส่วนราชการทุกแห่ง")
    page.fill("textarea[name=subject]", "ประชาสัมพันธ์การแต่งกายชุดผ้าไทย")
    with page.expect_navigation():
        page.click("form [type=submit]")
    body = page.inner_text("body")
    number = re.search(r"ออกเลข (พง 0016\.1/ว \d+) เรียบร้อยแล้ว", body)
    assert number, body[:600]
    page.goto("/outgoingcircularview/list/")
    with page.context.expect_page() as report_page:
        page.click("form.register-report button[value=html]")
    report = report_page.value
    report.wait_for_load_state()
    text = report.inner_text("body")
    assert "ประชาสัมพันธ์การแต่งกายชุดผ้าไทย" in text and number.group(1) in text
    assert "ลงชื่อผู้รับ" in text
    # Printed from the browser, each page says หน้า x/y in its margin.
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(report.pdf(format="A4", prefer_css_page_size=True))
    assert "หน้า 1/1" in pdf_text(printed.read_bytes())
    report.screenshot(path=str(SCREENSHOTS / "register-report.png"), full_page=True)
