"""A hire contract, in Chromium: the agency clerk opens ทะเบียนคุมสัญญาจ้าง from the menu, issues
a number with the contract's details and its scan (a wrong tax id first: refused in Thai, what
was typed kept), reads the detail with the amount in Thai words, finds it by searching, and opens
the printed PDF. The home page flags the demo contract that ends within 30 days. Each screen is
saved under docs/screenshots."""

import re

from tests.browser.helpers import SCREENSHOTS, login
from tests.browser.test_registers import _pdf

SUBJECT = "จ้างก่อสร้างลานอเนกประสงค์หน้าที่ว่าการอำเภอเมืองพังงา"


def test_the_clerk_issues_a_contract_number(page, tmp_path):
    login(page, "clerk.dopa")
    page.goto("/")
    due = page.locator("#contracts-due")
    assert due.is_visible() and "สิ้นสุดสัญญาในอีก" in due.inner_text()  # the demo contract
    page.screenshot(path=str(SCREENSHOTS / "contracts-home.png"), full_page=True)

    with page.expect_navigation():
        page.click("text=ทะเบียนคุมสัญญา")
        page.click("text=ทะเบียนคุมสัญญาจ้าง")
    assert page.url.endswith("/contracts/hire/list/")
    with page.expect_navigation():
        page.click("#issue-number")
    page.fill("input[name=doc_date]", "20/11/2569")
    page.fill("input[name=party_name]", "บริษัท เมืองพังงาก่อสร้าง จำกัด")
    page.fill("input[name=tax_id]", "0835560000000")  # a wrong check digit
    page.fill("textarea[name=subject]", SUBJECT)
    page.fill("input[name=amount]", "1,234,500.50")
    page.select_option("select[name=method]", "e_bidding")
    page.fill("input[name=start_on]", "21/11/2569")
    page.fill("input[name=end_on]", "20/05/2570")
    page.fill("input[name=deadline_on]", "20/05/2570")
    page.fill("input[name=warranty_months]", "24")
    page.select_option("select[name=guarantee_type]", "bank_guarantee")
    page.fill("input[name=guarantee_amount]", "61,725")
    page.set_input_files("input[name=files]", _pdf(tmp_path / "สัญญาจ้าง.pdf"))
    with page.expect_navigation():
        page.click("form [type=submit]")
    body = page.inner_text("body")
    assert "เลขตรวจสอบหลักสุดท้ายไม่ตรง" in body, body[:600]
    assert page.input_value("textarea[name=subject]") == SUBJECT
    page.fill("input[name=tax_id]", "0835560000003")
    page.set_input_files("input[name=files]", _pdf(tmp_path / "สัญญาจ้าง.pdf"))
    with page.expect_navigation():
        page.click("form [type=submit]")
    body = page.inner_text("body")
    number = re.search(r"ออกเลขที่ (\d+/\d{4}) เรียบร้อยแล้ว", body)
    assert number and "/contracts/hire/show/" in page.url, body[:600]
    details = page.inner_text("#contract")
    for expected in ("1,234,500.50", "หนึ่งล้านสองแสนสามหมื่นสี่พันห้าร้อยบาทห้าสิบสตางค์",
                     "0835560000003", "วิธีประกาศเชิญชวนทั่วไป (e-bidding)", "2 ปี"):
        assert expected in details, expected
    assert "สัญญาจ้าง.pdf" in page.inner_text("#contract-files")
    page.screenshot(path=str(SCREENSHOTS / "contracts-show.png"), full_page=True)

    pdf = page.request.get(page.locator("#print-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.goto("/contracts/hire/list/")
    page.fill("#contract-search input[name=subject]", "ลานอเนกประสงค์")
    page.fill("#contract-search input[name=amount_min]", "1,000,000")
    with page.expect_navigation():
        page.click("#contract-search [type=submit]")
    rows = page.locator("#contracts tbody tr")
    assert rows.count() == 1 and number.group(1) in rows.first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "contracts-list.png"), full_page=True)
