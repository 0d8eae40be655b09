"""A clerk's day on a phone (390 x 844, touch), in Chromium: the register's search in one look,
the register-and-number form one field under another with the Buddhist-Era picker under a
finger, the number issued read large, and no page scrolling sideways at any step. Screenshots
for the README under docs/screenshots/phone-*.png."""

import re

from app import thai
from tests.browser.helpers import SCREENSHOTS, login

PHONE = {"width": 390, "height": 844}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)


def test_a_letter_registered_and_found_on_a_phone(browser, server):
    context = browser.new_context(locale="th-TH", base_url=server, viewport=PHONE,
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        login(page, "clerk.cdd")
        assert page.evaluate(SIDEWAYS) <= 1, "the home page scrolls sideways"
        _shot(page, "home")
        page.goto("/agencyincomingview/list/")
        assert page.locator("#search-q").is_visible()  # the search, without opening anything
        assert page.evaluate(SIDEWAYS) <= 1, "the register scrolls sideways"
        _shot(page, "register")
        page.tap("#register-add")
        page.wait_for_url(re.compile(r"/add"))
        boxes = [page.locator(f"[name={n}]").bounding_box() for n in ("sender", "subject")]
        assert boxes[0]["y"] < boxes[1]["y"] and boxes[0]["width"] > 250  # stacked, full width
        assert page.get_attribute("input[name=doc_date]", "inputmode") == "numeric"
        page.fill("input[name=sender]", "สำนักงานพัฒนาชุมชนอำเภอท้ายเหมือง")
        page.fill("textarea[name=subject]", "รายงานผลการดำเนินงานประจำเดือนจากโทรศัพท์")
        page.tap(".thaidate-open")
        panel = page.locator(".thaidate-panel")
        assert panel.is_visible()
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
        page.locator(".thaidate-day.today").tap()
        assert page.input_value("input[name=doc_date]") == thai.format_date_input(thai.today())
        assert page.evaluate(SIDEWAYS) <= 1, "the form scrolls sideways"
        _shot(page, "form")
        with page.expect_navigation():
            page.tap("#save")
        number = page.locator("#issued-value").inner_text()
        assert re.fullmatch(rf"\d+/{thai.be_year(thai.today())}", number)
        assert page.evaluate(SIDEWAYS) <= 1, "the entry's page scrolls sideways"
        _shot(page, "issued")
        page.goto("/agencyincomingview/list/")
        page.fill("#search-q", "โทรศัพท์")
        with page.expect_navigation():
            page.tap("#search-submit")
        assert "รายงานผลการดำเนินงานประจำเดือนจากโทรศัพท์" in page.inner_text("main")
        assert page.evaluate(SIDEWAYS) <= 1
    finally:
        context.close()
