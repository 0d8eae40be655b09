"""Refusals as a clerk meets them in Chromium, on a desktop and on a phone: a page that does not
exist, a screen of another level, and a form left open until its token expired. Each is a Thai
page inside the app (its menu bar), with a way home, no English, and no sideways scrolling on a
phone; the expired form shows back what was typed and leads back to the form."""

import re

import pytest

from tests.browser.helpers import SCREENSHOTS, login

SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
ENGLISH = re.compile(r"\b(Not Found|Forbidden|Bad Request|Internal Server Error|CSRF)\b")


def _context(browser, server, size):
    ctx = browser.new_context(locale="th-TH", base_url=server, viewport=SIZES[size])
    ctx.set_default_timeout(15_000)
    return ctx


def _no_sideways_scroll(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width


@pytest.mark.parametrize("size", list(SIZES))
def test_missing_and_forbidden_pages_are_thai_inside_the_app(browser, server, size):
    ctx = _context(browser, server, size)
    try:
        page = ctx.new_page()
        login(page, "officer.dopa")
        response = page.goto("/no/such/page")
        assert response.status == 404
        text = page.inner_text("body")
        assert "ไม่พบหน้าที่ต้องการ" in text and not ENGLISH.search(text)
        assert page.locator("nav.navbar, .navbar").first.is_visible() or size == "phone"
        _no_sideways_scroll(page)
        page.click("#error-home")
        page.wait_for_url(re.compile(r"/(\?.*)?$"))

        response = page.goto("/roles/list/")
        assert response.status == 403
        text = page.inner_text("body")
        assert "ไม่มีสิทธิ์" in text and not ENGLISH.search(text)
        _no_sideways_scroll(page)
        if size == "desktop":
            page.screenshot(path=str(SCREENSHOTS / "error-403.png"))
    finally:
        ctx.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_form_left_open_past_its_token_keeps_what_was_typed(browser, server, size):
    ctx = _context(browser, server, size)
    try:
        page = ctx.new_page()
        login(page, "clerk.dopa")
        page.goto("/agencyincomingview/add")
        subject = "ขอเชิญประชุมคณะกรรมการ (พิมพ์ไว้นานจนแบบฟอร์มหมดอายุ)"
        page.fill("#subject", subject)
        # The token as a form left open for a day would carry: no longer valid.
        page.evaluate("() => document.querySelectorAll('input[name=csrf_token]')"
                      ".forEach(i => i.value = 'expired')")
        with page.expect_navigation():
            page.locator("form#model_form button[type=submit], form#model_form input[type=submit]"
                         ).first.click()
        text = page.inner_text("body")
        assert "แบบฟอร์มหมดอายุ" in text and not ENGLISH.search(text)
        assert subject in text  # shown back, to copy
        _no_sideways_scroll(page)
        if size == "desktop":
            page.screenshot(path=str(SCREENSHOTS / "error-expired-form.png"))
        page.click("#error-back")
        page.wait_for_url(re.compile(r"/agencyincomingview/add"))
        assert page.locator("#subject").is_visible()
    finally:
        ctx.close()
