"""The central registry's morning, in Chromium (issue 16): an agency sends a letter to the
province; the central clerk accepts it into หนังสือรับถึงจังหวัด; sends a circular to every
district and one agency, the districts with one click; the agency returns it and the central
clerk sees the return in the bar and on ติดตามหนังสือที่ส่ง; recalls a delivery not yet opened.
Each screen is saved under docs/screenshots."""

import re

from tests.browser.helpers import SCREENSHOTS, login

TO_PROVINCE = "รายงานผลการรณรงค์ป้องกันไข้เลือดออกประจำเดือน"
CIRCULAR = "ขอเชิญประชุมหัวหน้าส่วนราชการประจำเดือนธันวาคม"


def test_the_central_registrys_morning(browser, server):
    def new_page():
        ctx = browser.new_context(locale="th-TH", base_url=server,
                                  viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(15_000)
        return ctx, ctx.new_page()

    central_ctx, central = new_page()
    dopa_ctx, dopa = new_page()
    try:
        # An agency writes to the governor, and sends it to the province.
        login(dopa, "clerk.dopa")
        dopa.goto("/outgoingnormalview/add")
        dopa.fill("input[name=receiver]", "ผู้ว่าราชการจังหวัดพังงา")
        dopa.fill("textarea[name=subject]", TO_PROVINCE)
        with dopa.expect_navigation():
            dopa.click("form [type=submit]")
        assert "/outgoingnormalview/show/" in dopa.url, dopa.inner_text("body")[:800]
        province = dopa.locator("label.recipient-choice", has_text="ผู้ว่าราชการจังหวัด")
        assert "ทะเบียนหนังสือรับถึงจังหวัด" in province.inner_text()
        province.locator("input").check()
        with dopa.expect_navigation():
            dopa.click("#dispatch-form [type=submit]")
        assert "ส่งหนังสือถึง จังหวัด (ผู้ว่าราชการจังหวัด)" in dopa.inner_text("body")

        # The central registry accepts it into the province's register.
        login(central, "central")
        central.goto("/inbox/")
        row = central.locator("#inbox tr", has_text=TO_PROVINCE)
        assert row.count() == 1
        with central.expect_navigation():
            row.locator("button", has_text="เปิด").click()
        with central.expect_navigation():
            central.click("#accept-form [type=submit]")
        assert "/provinceincomingview/show/" in central.url, central.inner_text("body")[:600]
        assert re.search(r"ลงรับแล้ว เลขรับ \d+", central.inner_text("body"))
        central.screenshot(path=str(SCREENSHOTS / "province-accepted.png"), full_page=True)

        # A circular to every district with one click, and to one agency.
        central.goto("/outgoingcircularview/add")
        central.fill("input[name=receiver]", "นายอำเภอทุกอำเภอ หัวหน้าส่วนราชการ")
        central.fill("textarea[name=subject]", CIRCULAR)
        with central.expect_navigation():
            central.click("form [type=submit]")
        circular_url = central.url
        central.check("[data-all='agency-district']")
        central.get_by_label("ที่ทำการปกครองจังหวัดพังงา", exact=True).check()
        assert central.inner_text("[data-chosen]") == "เลือกแล้ว 9 ราย"
        central.screenshot(path=str(SCREENSHOTS / "dispatch-recipients.png"), full_page=True)
        with central.expect_navigation():
            central.click("#dispatch-form [type=submit]")
        assert "(9 ราย)" in central.inner_text("body")

        # The agency returns it; the central registry sees it come back.
        dopa.goto("/inbox/")
        row = dopa.locator("#inbox tr", has_text=CIRCULAR)
        with dopa.expect_navigation():
            row.locator("button", has_text="เปิด").click()
        dopa.fill("#return-form [name=reason]", "ส่วนราชการนี้ไม่ได้อยู่ในกลุ่มเป้าหมาย")
        with dopa.expect_navigation():
            dopa.click("#return-form [type=submit]")
        central.goto("/")
        badge = central.locator("#returns-count .badge")
        assert badge.is_visible() and badge.inner_text() == "1"
        with central.expect_navigation():
            central.click("#returns-count")
        letter = central.locator("#sent tbody tr", has_text=CIRCULAR)
        assert "ส่งคืน: ส่วนราชการนี้ไม่ได้อยู่ในกลุ่มเป้าหมาย" in letter.inner_text()

        # Recall one the district has not opened.
        central.goto("/sent/")
        letter = central.locator("#sent tbody tr", has_text=CIRCULAR)
        kohyao = letter.locator("li", has_text="ที่ว่าการอำเภอเกาะยาว")
        assert "ส่งแล้ว รอเปิด" in kohyao.inner_text()
        with central.expect_navigation():
            kohyao.locator("button", has_text="เรียกคืน").click()
        assert "เรียกคืนหนังสือจาก ที่ว่าการอำเภอเกาะยาว แล้ว" in central.inner_text("body")
        letter = central.locator("#sent tbody tr", has_text=CIRCULAR)
        assert "เรียกคืนแล้ว" in letter.locator("li", has_text="ที่ว่าการอำเภอเกาะยาว").inner_text()
        with central.expect_navigation():
            letter.locator("button", has_text="รับทราบการส่งคืน").click()
        assert central.locator("#returns-count").count() == 0
        central.screenshot(path=str(SCREENSHOTS / "sent-letters.png"), full_page=True)

        central.goto(circular_url)
        steps = central.locator("#timeline tbody tr").all_inner_texts()
        assert any("เรียกคืน" in s for s in steps), steps
    finally:
        central_ctx.close()
        dopa_ctx.close()
