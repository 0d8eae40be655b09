"""Sending a document, in Chromium: an officer sends a PDF with a note to a group of the agency
(ส่งเอกสารภายใน); the group's clerk sees the count of new documents, opens the document, views the
PDF and receives it; the officer's send history shows when it was received. A send without a
file is refused in Thai, keeping what was typed. Each screen is saved under docs/screenshots."""

import re

from tests.browser.helpers import SCREENSHOTS, login
from tests.browser.test_registers import _pdf

SUBJECT = "แผนการตรวจเยี่ยมหมู่บ้านเดือนธันวาคม"


def test_an_officer_sends_and_the_group_receives(browser, server, tmp_path):
    def new_page():
        ctx = browser.new_context(locale="th-TH", base_url=server,
                                  viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(15_000)
        return ctx, ctx.new_page()

    sender_ctx, sender = new_page()
    clerk_ctx, clerk = new_page()
    try:
        login(sender, "officer.dopa")
        sender.goto("/")
        with sender.expect_navigation():
            sender.click("text=ระบบส่งเอกสาร")  # the menu
            sender.click("text=ส่งเอกสารภายใน")
        assert sender.url.endswith("/documents/send/internal")
        sender.fill("#subject", SUBJECT)
        sender.fill("#note", "โปรดจัดเจ้าหน้าที่ร่วมตรวจเยี่ยมตามแผนที่แนบ")
        group = "ฝ่ายบริหารงานปกครอง"  # the agency clerk's group
        sender.locator("#choose-groups label", has_text=group).locator("input").check()
        with sender.expect_navigation():
            sender.click("#send-button")
        body = sender.inner_text("body")
        assert "กรุณาแนบไฟล์เอกสารอย่างน้อยหนึ่งไฟล์" in body, body[:500]
        assert sender.input_value("#subject") == SUBJECT  # nothing typed is lost
        # The browser's own "Choose Files" is replaced by a button and a line in Thai.
        assert not sender.is_visible("#files")
        assert sender.inner_text(".file-input-button") == "เลือกไฟล์ (เลือกได้หลายไฟล์)"
        assert sender.inner_text(".file-input-names") == "ยังไม่ได้เลือกไฟล์"
        sender.set_input_files("#files", _pdf(tmp_path / "แผนตรวจเยี่ยม.pdf"))
        assert sender.inner_text(".file-input-names") == "แผนตรวจเยี่ยม.pdf"
        sender.screenshot(path=str(SCREENSHOTS / "documents-send.png"), full_page=True)
        with sender.expect_navigation():
            sender.click("#send-button")
        assert "ส่งเอกสารแล้ว ถึง 1 ราย" in sender.inner_text("body")
        assert "/documents/show/" in sender.url
        sender.screenshot(path=str(SCREENSHOTS / "documents-sent.png"), full_page=True)

        login(clerk, "clerk.dopa")  # a member of the group it was sent to
        clerk.goto("/")
        badge = clerk.locator("#document-count .badge")
        assert badge.is_visible() and int(badge.inner_text()) >= 1
        with clerk.expect_navigation():
            clerk.click("#document-count")
        row = clerk.locator("#documents tr", has_text=SUBJECT)
        assert row.count() == 1 and group in row.inner_text()
        clerk.screenshot(path=str(SCREENSHOTS / "documents-new.png"), full_page=True)
        with clerk.expect_navigation():
            row.locator("button", has_text="เปิด").click()
        href = clerk.locator("#document-files a", has_text="แผนตรวจเยี่ยม.pdf").get_attribute("href")
        pdf = clerk.request.get(href)
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("inline")
        assert pdf.body().startswith(b"%PDF")
        with clerk.expect_navigation():
            clerk.click("#receive-form [type=submit]")
        assert "ลงรับเอกสารแล้ว" in clerk.inner_text("body")
        assert clerk.locator("#documents tr", has_text=SUBJECT).count() == 1  # received list

        sender.goto("/documents/sent")
        line = sender.locator("#history tr", has_text=group).first.inner_text()
        assert "รับแล้ว" in line and re.search(r"\d+ \S+\. 25\d\d", line), line
        sender.screenshot(path=str(SCREENSHOTS / "documents-history.png"), full_page=True)
    finally:
        sender_ctx.close()
        clerk_ctx.close()
