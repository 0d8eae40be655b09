"""The services menu (บริการ), in Chromium: the help chat between an officer and the
administrator, answered without reloading, and a message left from the login page by someone
who cannot log in; an announcement formatted with the editor's toolbar, shown on a user's home
page, on the login page and on its public page, where what is typed as text stays text; the
phone directory, which finds a shown mobile, never a hidden one, and exports a real Excel file.
Screens saved under docs/screenshots."""

import re

import openpyxl
from playwright.sync_api import expect

from tests.browser.helpers import LEFT_MENU, SCREENSHOTS, login

VIEWPORT = {"width": 1280, "height": 860}
POLLED = 30_000  # ms: the chat page asks every 4 s (20 s in a background tab)


def _context(browser, server):
    ctx = browser.new_context(locale="th-TH", base_url=server, viewport=VIEWPORT)
    ctx.set_default_timeout(15_000)
    return ctx


def _exactly(text):
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def _from_menu(page, menu, item):
    """Open ``menu`` of the navbar and follow its ``item``."""
    li = page.locator(LEFT_MENU).filter(
        has=page.locator("a.dropdown-toggle", has_text=_exactly(menu)))
    expect(li).to_have_count(1)
    li.locator("a.dropdown-toggle").click()
    link = li.locator("ul.dropdown-menu a", has_text=_exactly(item))
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


def _screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


# ---- the help chat ------------------------------------------------------------------------------

QUESTION = "สอบถามวิธีแนบไฟล์ PDF ในหนังสือส่งออก ระบบแจ้งว่าไฟล์ใหญ่เกินไป"
ANSWER = "ไฟล์แนบได้ไม่เกิน 20 MB ต่อไฟล์ ลองบีบอัด PDF ก่อนแนบอีกครั้งครับ"
GUEST = "ปรีดา มีสุข"
GUEST_MESSAGE = "ลืมรหัสผ่าน เข้าสู่ระบบไม่ได้ รบกวนโทรกลับด้วยครับ"


def _watch_dialogs(page, dialogs):
    def seen(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message} on {page.url}")
        dialog.dismiss()

    page.on("dialog", seen)
    return page


def _editor(page):
    box = page.locator("#announcement-form .editor-box[contenteditable=true]")
    expect(box).to_be_visible()
    expect(page.locator("#body")).to_be_hidden()  # the textarea gave way to the editor
    return box


def _tool(page, label):
    return page.locator(f"#announcement-form .editor-toolbar button[aria-label='{label}']")


def _post(page):
    with page.expect_navigation():
        page.click("#save-announcement")
    expect(page.locator(".alert-success")).to_contain_text("ลงประกาศ")
    match = re.search(r"/announcements/show/(\d+)", page.url)
    assert match, f"not on the new announcement's page: {page.url}"
    return match.group(1)


def test_an_announcement_formatted_with_the_editor_reaches_home_and_login_pages(browser, server):
    dialogs = []
    central_ctx, officer_ctx, public_ctx = (_context(browser, server) for _ in range(3))
    try:
        central = _watch_dialogs(central_ctx.new_page(), dialogs)
        login(central, "central")
        _from_menu(central, "บริการ", "ลงประกาศ")
        assert central.url.endswith("/announcements/new"), central.url
        central.fill("#title", TITLE)
        box = _editor(central)
        box.click()
        central.keyboard.type("วันเสาร์นี้ ")
        _tool(central, "ตัวหนา").click()
        central.keyboard.type(BOLD)
        _tool(central, "ตัวหนา").click()
        central.keyboard.type(" ตลอดวัน")
        central.keyboard.press("Enter")
        _tool(central, "รายการแบบจุด").click()
        central.keyboard.type("อาคารศาลากลาง ชั้น 1-3")
        central.keyboard.press("Enter")
        central.keyboard.type("อาคารที่ทำการปกครอง")
        # What the editor made, before it is sent.
        expect(box.locator("b, strong")).to_have_text([BOLD])
        expect(box.locator("ul > li")).to_have_text(["อาคารศาลากลาง ชั้น 1-3",
                                                     "อาคารที่ทำการปกครอง"])
        public = central.locator("#public-choice input[name=public]")
        expect(public).to_be_enabled()
        public.check()
        pk = _post(central)

        expect(central.locator("#announcement-title")).to_have_text(TITLE)
        body = central.locator("#announcement-body")
        expect(body.locator("strong, b")).to_have_text([BOLD])
        expect(body.locator("ul > li")).to_have_text(["อาคารศาลากลาง ชั้น 1-3",
                                                      "อาคารที่ทำการปกครอง"])
        expect(body).to_contain_text("วันเสาร์นี้")
        expect(body).to_contain_text("ตลอดวัน")
        expect(central.locator("#announcement-meta")).to_contain_text("แสดงในหน้าเข้าสู่ระบบ")
        expect(central.locator("#announcement-state")).to_have_count(0)  # published now
        _screenshot(central, "announcement.png")

        # Text that looks like a tag, typed into the editor, is text: shown as typed, no image,
        # no script run.
        central.goto("/announcements/new")
        central.fill("#title", SCRIPTED_TITLE)
        box = _editor(central)
        box.click()
        central.keyboard.type(SCRIPTED)
        expect(box).to_have_text(SCRIPTED)
        expect(box.locator("img")).to_have_count(0)
        scripted_pk = _post(central)
        body = central.locator("#announcement-body")
        expect(body).to_have_text(SCRIPTED)
        expect(body.locator("img")).to_have_count(0)
        central.wait_for_load_state("load")

        officer = _watch_dialogs(officer_ctx.new_page(), dialogs)
        login(officer, "officer.cdd")
        officer.goto("/")
        panel = officer.locator("#home-announcements")
        link = panel.locator("a", has_text=TITLE)
        expect(link).to_have_count(1)
        assert link.get_attribute("href").endswith(f"/announcements/show/{pk}")
        expect(panel.locator("a", has_text=SCRIPTED_TITLE)).to_have_count(1)
        with officer.expect_navigation():
            link.click()
        expect(officer.locator("#announcement-body strong, #announcement-body b")).to_have_text(
            [BOLD])
        officer.goto(f"/announcements/show/{scripted_pk}")
        expect(officer.locator("#announcement-body")).to_have_text(SCRIPTED)
        officer.wait_for_load_state("load")

        # Not logged in: the login page lists it (the other one is not public), and its public
        # page opens without a login.
        anonymous = _watch_dialogs(public_ctx.new_page(), dialogs)
        anonymous.goto("/login/")
        listed = anonymous.locator("#login-announcements a", has_text=TITLE)
        expect(listed).to_have_count(1)
        expect(anonymous.locator("#login-announcements")).not_to_contain_text(SCRIPTED_TITLE)
        with anonymous.expect_navigation():
            listed.click()
        assert anonymous.url.endswith(f"/announcements/public/{pk}"), anonymous.url
        expect(anonymous.locator("#announcement-title")).to_have_text(TITLE)
        expect(anonymous.locator("#announcement-body strong, #announcement-body b")).to_have_text(
            [BOLD])
        expect(anonymous.locator("#announcement-body ul > li")).to_have_count(2)
        expect(anonymous.locator("input[name=password]")).to_have_count(0)
        response = anonymous.goto(f"/announcements/public/{scripted_pk}")
        assert response.status == 404, "an announcement that is not public opened without login"

        assert not dialogs, f"a dialog opened: {dialogs}"
    finally:
        for ctx in (central_ctx, officer_ctx, public_ctx):
            ctx.close()


# ---- the phone directory ------------------------------------------------------------------------


def test_help_chat_answered_without_reloading_and_a_message_from_the_login_page(browser, server):
    officer_ctx, admin_ctx, guest_ctx = (_context(browser, server) for _ in range(3))
    try:
        officer = officer_ctx.new_page()
        login(officer, "officer.dopa")
        _from_menu(officer, "บริการ", "ติดต่อเจ้าหน้าที่")
        assert officer.url.endswith("/help/"), officer.url
        expect(officer.locator("#chat .chat-empty")).to_be_visible()
        officer.fill("#chat-body", QUESTION)
        officer.click("#chat-form button[type=submit]")
        mine = officer.locator("#chat-messages li.chat-message.chat-mine")
        expect(mine).to_have_count(1)
        expect(mine.locator(".chat-body")).to_have_text(QUESTION)
        expect(officer.locator("#chat-body")).to_have_value("")
        expect(officer.locator("#chat-error")).to_have_text("")
        # Whatever arrives from here on must come without the page being loaded again.
        officer.evaluate("() => { window.__same_page = true; }")

        admin = admin_ctx.new_page()
        login(admin, "admin")
        expect(admin.locator("#help-count .badge")).to_have_text("1")
        _from_menu(admin, "บริการ", "ข้อความถึงผู้ดูแลระบบ")
        assert admin.url.endswith("/help/inbox"), admin.url
        row = admin.locator("#chat-inbox-rows tr.conversation-row", has_text="อรุณี ทองดี")
        expect(row).to_have_count(1)
        expect(row.locator("td.unread .badge")).to_have_text("1")
        expect(row.locator("td.preview")).to_contain_text(QUESTION[:40])
        expect(row.locator("td.waiting .text-danger")).to_be_visible()  # waiting for an answer
        with admin.expect_navigation():
            row.locator("a.person").click()
        expect(admin.locator("#person-name")).to_have_text("อรุณี ทองดี")
        expect(admin.locator("#chat-messages .chat-body")).to_have_text([QUESTION])
        admin.fill("#chat-body", ANSWER)
        admin.click("#chat-form button[type=submit]")
        expect(admin.locator("#chat-messages li.chat-mine.chat-admin .chat-body")).to_have_text(
            ANSWER)
        expect(admin.locator("#chat-error")).to_have_text("")

        answer = officer.locator("#chat-messages li.chat-admin")
        expect(answer.locator(".chat-body")).to_have_text(ANSWER, timeout=POLLED)
        expect(answer.locator(".chat-sender")).to_have_text("สมศักดิ์ แก้วเกลี้ยง")
        expect(answer.locator(".label-primary")).to_have_text("ผู้ดูแลระบบ")
        assert officer.evaluate("() => window.__same_page === true"), \
            "the officer's page was loaded again: the answer did not arrive by polling"
        expect(officer.locator("#chat-messages .chat-body")).to_have_text([QUESTION, ANSWER])
        _screenshot(officer, "chat.png")

        # Someone who cannot log in: the login page says the administrator (just active) is
        # online, and takes a message with a number to call back.
        guest = guest_ctx.new_page()
        guest.goto("/login/")
        expect(guest.locator("#help-login #admin-online")).to_be_visible()
        expect(guest.locator("#help-login #admin-online")).to_contain_text("ผู้ดูแลระบบออนไลน์")
        expect(guest.locator("#admin-offline")).to_be_hidden()
        guest.click("#help-login details > summary")
        guest.fill("#guest-name", GUEST)
        guest.fill("#guest-agency", "สำนักงานเกษตรจังหวัดพังงา")
        guest.fill("#guest-phone", "0812345678")
        guest.fill("#guest-body", GUEST_MESSAGE)
        with guest.expect_navigation():
            guest.click("#guest-form button[type=submit]")
        assert "/login" in guest.url, guest.url
        flash = guest.locator(".alert-success")
        expect(flash).to_contain_text("ฝากข้อความถึงผู้ดูแลระบบแล้ว")
        expect(flash).to_contain_text("081-234-5678")
        expect(guest.locator("#admin-online")).to_be_visible()
        _screenshot(guest, "login.png")

        admin.goto("/help/inbox")
        row = admin.locator("#chat-inbox-rows tr.conversation-row", has_text=GUEST)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("ไม่ได้เข้าสู่ระบบ")
        expect(row.locator(".guest-phone")).to_have_text("081-234-5678")
        expect(row.locator("td.unread .badge")).to_have_text("1")
        expect(row.locator("td.preview")).to_contain_text(GUEST_MESSAGE)
        # The officer's conversation is still there, answered and read.
        officer_row = admin.locator("#chat-inbox-rows tr.conversation-row", has_text="อรุณี ทองดี")
        expect(officer_row.locator("td.unread .badge")).to_have_count(0)
        expect(officer_row.locator("td.waiting")).to_contain_text("ตอบแล้ว")
    finally:
        for ctx in (officer_ctx, admin_ctx, guest_ctx):
            ctx.close()


# ---- announcements ------------------------------------------------------------------------------

TITLE = "ประกาศปิดปรับปรุงระบบไฟฟ้าศาลากลางจังหวัดพังงา"
BOLD = "งดใช้ลิฟต์"
SCRIPTED = "<img src=x onerror=alert(1)>"
SCRIPTED_TITLE = "ทดสอบข้อความที่ดูเหมือนคำสั่ง HTML"


def _search_directory(page, text):
    page.fill("#directory-q", text)
    with page.expect_navigation():
        page.click("#directory-search button[type=submit]")


def test_the_phone_directory_finds_a_shown_mobile_never_a_hidden_one(browser, server, tmp_path):
    ctx = _context(browser, server)
    try:
        page = ctx.new_page()
        login(page, "officer.cdd")
        _from_menu(page, "บริการ", "สมุดโทรศัพท์")
        assert page.url.endswith("/directory/"), page.url
        everyone = page.locator("#directory tr.directory-person")
        expect(everyone.first).to_be_visible()

        _search_directory(page, "0891112233")
        people = page.locator("#directory tr.directory-person")
        expect(people).to_have_count(1)
        cells = people.first.locator("td")
        expect(cells.nth(0)).to_have_text("สุดา ใจดี")
        expect(cells.nth(4)).to_have_text("089-1112233")
        expect(page.locator("#directory tr.directory-agency")).to_contain_text(
            "สำนักงานจังหวัดพังงา")
        expect(page.locator("#directory-search")).to_be_visible()
        assert "พบ 1 รายชื่อ" in page.inner_text("body")
        _screenshot(page, "directory.png")

        _search_directory(page, "0865556677")  # วิชัย รักงาน (clerk.dopa) hides his mobile
        expect(page.locator("#directory tr.directory-person")).to_have_count(0)
        expect(page.locator("#directory tbody")).to_contain_text("ไม่พบรายการ")
        assert "พบ 0 รายชื่อ" in page.inner_text("body")
        assert "วิชัย" not in page.inner_text("#directory")

        # The whole directory to Excel: a real workbook, with the shown mobile and without the
        # hidden one.
        page.goto("/directory/")
        with page.expect_download() as info:
            page.click("#directory-xlsx")
        download = info.value
        assert download.failure() is None, download.failure()
        assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"  # a zip, as every .xlsx is
        workbook = openpyxl.load_workbook(saved, read_only=True)
        cells = [str(c) for row in workbook.active.iter_rows(values_only=True)
                 for c in row if c is not None]
        workbook.close()
        assert "สุดา ใจดี" in cells, cells[:40]
        assert "089-1112233" in cells, "the shown mobile is not in the Excel file"
        assert "วิชัย รักงาน" in cells, "clerk.dopa is not in the Excel file at all"
        assert not any("5556677" in c.replace("-", "") for c in cells), \
            "the hidden mobile 086-5556677 is in the Excel file"
    finally:
        ctx.close()
