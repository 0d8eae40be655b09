"""A clerk registers a letter with the keyboard alone, in Chromium: Tab from field to field,
the Buddhist-Era date picker opened and a day picked with the arrows and Enter, speed and
secrecy chosen with the arrow keys in plain lists (FAB's select2 boxes sent typed text to the
previous field: a letter was saved with remarks "ด่วนมาก" and speed ปกติ), saved with Enter,
and the number issued read large on the next form. Then the search form finds it."""

import re

from app import thai
from tests.browser.helpers import login


def test_a_letter_registered_with_the_keyboard_alone(page):
    login(page, "clerk.dopa")
    page.goto("/agencyincomingview/add")
    page.focus("input[name=doc_number]")
    page.keyboard.type("กค 0402.2/ว 77")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "doc_date"
    page.keyboard.press("Tab")  # the picker's button, beside the date
    assert "thaidate-open" in page.evaluate("document.activeElement.className")
    page.keyboard.press("Enter")
    panel = page.locator(".thaidate-panel")
    assert panel.is_visible()
    year = thai.be_year(thai.today())
    assert str(year) in panel.inner_text()  # the month in the Buddhist Era
    page.keyboard.press("ArrowLeft")  # yesterday
    page.keyboard.press("Enter")
    assert not panel.is_visible()
    picked = page.input_value("input[name=doc_date]")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", picked) and picked.endswith(str(year)) or \
        picked.endswith(str(year - 1))  # on the 1st of January, yesterday is last year
    page.focus("input[name=sender]")
    page.keyboard.type("กรมบัญชีกลาง")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # ถึง keeps the agency the form offers
    assert page.evaluate("document.activeElement.name") == "subject"
    page.keyboard.type("ซักซ้อมการเบิกจ่ายเงินด้วยแป้นพิมพ์")
    page.focus("select[name=speed]")
    page.keyboard.press("ArrowDown")  # ปกติ -> ด่วน
    page.keyboard.press("ArrowDown")  # -> ด่วนมาก
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "secrecy"
    assert page.input_value("select[name=speed]") == "very_urgent"
    assert page.input_value("textarea[name=remarks]") == ""  # nothing typed went astray
    page.focus("input[name=sender]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    issued = page.locator("#issued-value")
    assert issued.is_visible()
    number = issued.inner_text()
    assert re.fullmatch(rf"\d+/{year}", number), number
    assert int(page.evaluate("getComputedStyle(document.getElementById('issued-value')).fontSize")
               .rstrip("px")) >= 28
    page.goto("/agencyincomingview/list/")
    page.fill("#search-q", number)
    with page.expect_navigation():
        page.press("#search-q", "Enter")
    body = page.inner_text("body")
    assert "ซักซ้อมการเบิกจ่ายเงินด้วยแป้นพิมพ์" in body and "ด่วนมาก" in body
    assert page.locator("#search-active").is_visible()
    with page.expect_navigation():
        page.click("#search-clear")
    assert page.locator("#search-active").count() == 0


def test_the_skip_link_comes_first_and_the_focus_is_always_seen(page):
    login(page, "clerk.dopa")
    page.goto("/agencyincomingview/list/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and skip.is_visible()  # shown when it has the focus
    assert skip.inner_text().strip() == "ข้ามไปที่เนื้อหา"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the first thing of the page itself, not the menus
    inside = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert ring[0] != "none" and ring[1] >= 2, ring
