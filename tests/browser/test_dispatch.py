"""A letter that travels, in Chromium: the central clerk registers a letter with its PDF and sends
it to an agency; the agency clerk sees the count in the navigation bar, finds it in new incoming,
opens it, views the PDF and accepts it, getting the agency's own number; the central clerk sees the outcome and the timeline. Each
screen is saved under docs/screenshots."""

import re

from tests.browser.helpers import SCREENSHOTS, login
from tests.browser.test_registers import _pdf

SUBJECT = "ขอให้สำรวจความเสียหายจากอุทกภัยในพื้นที่"


def test_central_sends_and_the_agency_accepts(browser, server, tmp_path):
    def new_page():
        ctx = browser.new_context(locale="th-TH", base_url=server,
                                  viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(15_000)
        return ctx, ctx.new_page()

    central_ctx, central = new_page()
    clerk_ctx, clerk = new_page()
    try:
        login(central, "central")
        central.goto("/provinceincomingview/add")
        central.fill("input[name=doc_number]", "มท 0603/ว 321")
        central.fill("input[name=sender]", "กรมป้องกันและบรรเทาสาธารณภัย")
        central.fill("textarea[name=subject]", SUBJECT)
        central.select_option("select[name=speed]", "very_urgent")
        central.set_input_files("input[name=files]", _pdf(tmp_path / "flood.pdf"))
        with central.expect_navigation():
            central.click("form [type=submit]")
        entry_url = central.url
        central.get_by_label("ที่ทำการปกครองจังหวัดพังงา", exact=True).check()
        central.fill("#dispatch-form input[name=note]", "โปรดรายงานภายใน 3 วัน")
        with central.expect_navigation():
            central.click("#dispatch-form [type=submit]")
        assert "ส่งหนังสือถึง ที่ทำการปกครองจังหวัดพังงา แล้ว" in central.inner_text("body")
        central.screenshot(path=str(SCREENSHOTS / "dispatch-sent.png"), full_page=True)

        login(clerk, "clerk.dopa")
        clerk.goto("/")
        badge = clerk.locator("#inbox-count .badge")
        assert badge.is_visible() and int(badge.inner_text()) >= 1
        with clerk.expect_navigation():
            clerk.click("#inbox-count")
        assert clerk.url.endswith("/inbox/")
        row = clerk.locator("#inbox tr", has_text=SUBJECT)
        assert row.count() == 1 and "ด่วนมาก" in row.inner_text()
        clerk.screenshot(path=str(SCREENSHOTS / "dispatch-inbox.png"), full_page=True)
        with clerk.expect_navigation():
            row.locator("button", has_text="เปิด").click()
        href = clerk.locator("#delivery-files a", has_text="flood.pdf").get_attribute("href")
        pdf = clerk.request.get(href)
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("inline")
        clerk.screenshot(path=str(SCREENSHOTS / "dispatch-open.png"), full_page=True)
        with clerk.expect_navigation():
            clerk.click("#accept-form [type=submit]")
        body = clerk.inner_text("body")
        number = re.search(r"ลงรับแล้ว เลขรับ (\d+)", body)
        assert number and "/agencyincomingview/show/" in clerk.url, body[:600]
        clerk.screenshot(path=str(SCREENSHOTS / "dispatch-accepted.png"), full_page=True)

        central.goto(entry_url)
        deliveries = central.inner_text("#deliveries")
        assert "ลงรับแล้ว" in deliveries and f"เลขรับ {number.group(1)}" in deliveries
        steps = central.locator("#timeline tbody tr").all_inner_texts()
        assert [s.split("\t")[1].strip() for s in steps] == ["ลงทะเบียน", "ส่ง", "เปิดอ่าน",
                                                             "ลงรับ"], steps
        central.screenshot(path=str(SCREENSHOTS / "dispatch-timeline.png"), full_page=True)
    finally:
        central_ctx.close()
        clerk_ctx.close()
