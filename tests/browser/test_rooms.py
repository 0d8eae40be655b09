"""A meeting room, in Chromium: an officer books a room from the menu; a second officer asks for
an overlapping slot and is told, in Thai, which booking it collides with; the room's clerk
approves the first; the week calendar shows it. Screens saved under docs/screenshots."""

import datetime as dt

from app import thai
from app.thai import BANGKOK
from tests.browser.helpers import SCREENSHOTS, login

ROOM = "ห้องประชุมที่ทำการปกครองจังหวัด"


def test_book_a_room_and_see_the_collision(browser, server):
    def new_page():
        ctx = browser.new_context(locale="th-TH", base_url=server,
                                  viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(15_000)
        return ctx, ctx.new_page()

    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=3)
    typed = thai.format_date_input(day)
    first_ctx, first = new_page()
    second_ctx, second = new_page()
    try:
        login(first, "officer.cdd")
        first.goto("/")
        with first.expect_navigation():
            first.click("text=ห้องประชุม >> nth=0")
            first.click("text=จองห้องประชุม")
        first.select_option("#room", label=f"{ROOM} (ที่ทำการปกครองจังหวัดพังงา, 30 คน)")
        first.fill("#title", "ประชุมชี้แจงโครงการพัฒนาหมู่บ้าน")
        first.fill("#day", typed)
        first.fill("#start", "09:00")
        first.fill("#end", "12:00")
        first.fill("#attendees", "25")
        first.check("input[name=projector]")
        with first.expect_navigation():
            first.click("#book-button")
        assert "รอหน่วยงานเจ้าของห้องอนุมัติ" in first.inner_text("body")

        login(second, "officer.dopa")
        second.goto("/bookings/new")
        second.select_option("#room", label=f"{ROOM} (ที่ทำการปกครองจังหวัดพังงา, 30 คน)")
        second.fill("#title", "ประชุมประจำเดือนฝ่ายความมั่นคง")
        second.fill("#day", typed)
        second.fill("#start", "11:00")
        second.fill("#end", "13:00")
        second.fill("#attendees", "10")
        with second.expect_navigation():
            second.click("#book-button")
        alert = second.inner_text(".alert-danger")
        assert "ห้องนี้ถูกจองแล้วในช่วงเวลาที่ชนกัน" in alert, alert
        assert "ประชุมชี้แจงโครงการพัฒนาหมู่บ้าน" in alert and "09:00-12:00 น." in alert
        assert second.input_value("#title") == "ประชุมประจำเดือนฝ่ายความมั่นคง"
        second.screenshot(path=str(SCREENSHOTS / "rooms-collision.png"), full_page=True)

        second_ctx.close()
        second_ctx, second = new_page()
        login(second, "clerk.dopa")
        second.goto("/bookings/")
        row = second.locator("#waiting tr", has_text="ประชุมชี้แจงโครงการพัฒนาหมู่บ้าน")
        with second.expect_navigation():
            row.locator("button.approve").click()
        second.goto(f"/bookings/week?day={typed}")
        week = second.inner_text("#week")
        assert "ประชุมชี้แจงโครงการพัฒนาหมู่บ้าน" in week and "อนุมัติแล้ว" in week
        assert thai.format_date(day) in second.inner_text("#week thead")
        second.screenshot(path=str(SCREENSHOTS / "rooms-week.png"), full_page=True)
    finally:
        first_ctx.close()
        second_ctx.close()
