"""A file for signature, in Chromium: an officer proposes it to a deputy governor from the menu,
opens its cover sheet (PDF); the executives' secretary finds it in the queue and moves it on,
returning it for correction with a note; the officer sees the count, where the file is and why,
and proposes it again. Each screen is saved under docs/screenshots."""

from tests.browser.helpers import SCREENSHOTS, login

SUBJECT = "ขออนุมัติโครงการฝึกอบรมอาสาสมัครป้องกันภัยฝ่ายพลเรือน"


def test_a_file_goes_to_the_deputy_and_back(browser, server):
    def new_page():
        ctx = browser.new_context(locale="th-TH", base_url=server,
                                  viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(15_000)
        return ctx, ctx.new_page()

    owner_ctx, owner = new_page()
    secretary_ctx, secretary = new_page()
    try:
        login(owner, "officer.dopa")
        owner.goto("/")
        with owner.expect_navigation():
            owner.click("text=ติดตามแฟ้ม")
            owner.click("text=เสนอแฟ้ม")
        owner.fill("textarea[name=subject]", SUBJECT)
        owner.select_option("select[name=executive_id]", index=2)  # a deputy governor
        owner.select_option("select[name=speed]", "urgent")
        with owner.expect_navigation():
            owner.click("form [type=submit]")
        assert "เสนอแฟ้มแล้ว เลขที่แฟ้ม" in owner.inner_text("body")
        file_url = owner.url
        assert "/files/show/" in file_url and "เสนอแฟ้ม" in owner.inner_text("#where-now")
        cover = owner.request.get(owner.locator("#cover-pdf").get_attribute("href"))
        assert cover.status == 200 and cover.body().startswith(b"%PDF")

        login(secretary, "secretary")
        secretary.goto("/files/queue")
        row = secretary.locator("#stage-proposed + table tr", has_text=SUBJECT)
        assert row.count() == 1
        secretary.screenshot(path=str(SCREENSHOTS / "files-queue.png"), full_page=True)
        # Received from the queue (ticked, รับแฟ้มที่เลือก), as several would be.
        row.locator("input[name=files]").check()
        with secretary.expect_navigation():
            secretary.click("#receive-form [type=submit]")
        assert "รับแฟ้มแล้ว 1 แฟ้ม" in secretary.inner_text("body")
        row = secretary.locator("#stage-secretary + table tr", has_text=SUBJECT)
        assert row.count() == 1
        with secretary.expect_navigation():
            row.locator("a").first.click()
        for stage in ("with_deputy",):
            secretary.select_option("#move-stage", stage)
            with secretary.expect_navigation():
                secretary.click("#move-form [type=submit]")
        secretary.select_option("#move-stage", "correction")
        secretary.fill("#move-note", "โปรดแนบงบประมาณรายละเอียดค่าใช้จ่าย")
        with secretary.expect_navigation():
            secretary.click("#move-form [type=submit]")
        assert "ส่งกลับแก้ไข" in secretary.inner_text("#where-now")

        owner.goto("/")
        badge = owner.locator("#file-count .badge")
        assert badge.is_visible() and badge.inner_text() == "1"
        with owner.expect_navigation():
            owner.click("#file-count")
        assert SUBJECT in owner.locator("#my-files tr.warning").inner_text()
        owner.goto(file_url)
        assert "โปรดแนบงบประมาณรายละเอียดค่าใช้จ่าย" in owner.inner_text("#moves")
        owner.screenshot(path=str(SCREENSHOTS / "files-show.png"), full_page=True)
        owner.select_option("#move-stage", "proposed")
        owner.fill("#move-note", "แนบงบประมาณแล้ว")
        with owner.expect_navigation():
            owner.click("#move-form [type=submit]")
        assert "เสนอแฟ้ม" in owner.inner_text("#where-now")
        assert owner.locator("#file-count").count() == 0
    finally:
        owner_ctx.close()
        secretary_ctx.close()
