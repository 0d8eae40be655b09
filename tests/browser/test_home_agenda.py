"""The home page and the executives' agenda, in Chromium: a clerk's home page shows what waits
for them, today's agenda and the chart of letters per month; the secretary enters an appointment
that double-books the governor, is warned, confirms, and sees both on the day's agenda. Screens
saved under docs/screenshots."""

from app import thai
from app.services.demo import APPOINTMENTS
from tests.browser.helpers import SCREENSHOTS, login


def _context(browser, server):
    ctx = browser.new_context(locale="th-TH", base_url=server,
                              viewport={"width": 1280, "height": 860})
    ctx.set_default_timeout(15_000)
    return ctx


def test_the_home_page_of_a_clerk(browser, server):
    ctx = _context(browser, server)
    try:
        page = ctx.new_page()
        login(page, "clerk.dopa")
        page.goto("/")
        agenda_today = page.inner_text("#agenda-today")
        # (days from today, start, end, kind, title, place, attended by, public)
        public_today = [a[4] for a in APPOINTMENTS if a[0] == 0 and a[7]]
        assert public_today
        for title in public_today:
            assert title in agenda_today
        assert "หารือภาคเอกชนเรื่องการท่องเที่ยว" not in agenda_today  # not public
        # The demo registered and accepted letters of the agency today, incoming and outgoing:
        # this month's two bars (the last two) are drawn and not empty; the months before it
        # had none.
        bars = page.locator("#letters-chart svg rect")
        assert bars.count() == 24
        values = [int(bars.nth(i).locator("title").text_content()) for i in range(24)]
        assert values[22] > 0 and values[23] > 0 and sum(values[:22]) == 0, values
        assert "หนังสือที่ลงทะเบียนรายเดือน" in page.inner_text("#letters-chart")
        assert page.locator("#needs").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
    finally:
        ctx.close()


def test_the_secretary_is_warned_of_a_double_booking_and_confirms(browser, server):
    ctx = _context(browser, server)
    try:
        page = ctx.new_page()
        login(page, "secretary")
        page.goto("/")
        with page.expect_navigation():
            page.click("text=วาระงานผู้บริหาร >> nth=0")
            page.click("text=ลงนัดหมาย")
        page.select_option("#executive_id", label="ผู้ว่าราชการจังหวัดพังงา (นายธีรวัฒน์ เจริญพงศ์)")
        page.fill("#title", "ให้สัมภาษณ์สื่อมวลชนเรื่องการท่องเที่ยว")
        today = page.evaluate("() => new Date().toLocaleDateString('en-CA', {timeZone: 'Asia/Bangkok'})")
        year, month, day = (int(x) for x in today.split("-"))
        typed = f"{day:02d}/{month:02d}/{year + 543}"
        page.fill("#day", typed)
        page.fill("#start", "10:00")
        page.fill("#end", "10:30")
        page.fill("#place", "ห้องรับรองศาลากลาง")
        with page.expect_navigation():
            page.click("#save-appointment")
        warning = page.inner_text("#double-booked")
        assert "ผู้บริหารมีนัดหมายอื่นในช่วงเวลาเดียวกัน" in warning
        assert "ประชุมหัวหน้าส่วนราชการประจำเดือน" in warning and "09:00-10:30 น." in warning
        assert page.input_value("#title") == "ให้สัมภาษณ์สื่อมวลชนเรื่องการท่องเที่ยว"
        with page.expect_navigation():
            page.click("#save-appointment")  # now: ยืนยันบันทึกนัดซ้อน
        assert "บันทึกนัดหมาย" in page.inner_text(".alert-success")
        body = page.inner_text("body")
        assert "ให้สัมภาษณ์สื่อมวลชนเรื่องการท่องเที่ยว" in body
        assert "ประชุมหัวหน้าส่วนราชการประจำเดือน" in body
        assert thai.MONTHS_FULL[month - 1] in page.inner_text(".panel-heading")
        page.screenshot(path=str(SCREENSHOTS / "agenda-day.png"), full_page=True)
    finally:
        ctx.close()
