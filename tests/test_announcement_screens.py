"""The announcement screens, through the test client: post with attachments and a formatted body
(stored sanitised), read as the audience and not (404, the same as a missing one), the list and
its search, the login page and the public page with its files without logging in, withdraw,
the refusals in Thai with what was typed kept, the editor and the form without it."""

import datetime as dt
import io
import os
import re

from sqlalchemy import select

from app import thai
from app.models import Agency
from app.models.announcements import Announcement, AnnouncementFile
from tests.conftest import text_of
from tests.files import pdf_bytes
from tests.test_announcements import assert_inert, files_on_disk

DOPA, CDD, PO = "พง 0016.1", "พง 0019.1", "พง 0017.2"


def agency(dbq, code):
    return dbq(lambda s: s.execute(select(Agency.id).where(Agency.code == code)).scalar_one())


def today():
    return thai.format_date_input(thai.to_bangkok(dt.datetime.now(dt.timezone.utc)).date())


def form(title, **fields):
    return {"title": title, "body": "<p>รายละเอียด</p>", "body_format": "html",
            "from_day": today(), "from_time": "", "until_day": "", "until_time": "",
            "audience": "everyone", **fields}


def post(client, fields, files=(), url="/announcements/new"):
    data = dict(fields)
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=data, content_type="multipart/form-data")


def find(dbq, title):
    return dbq(lambda s: s.execute(select(Announcement.id).where(Announcement.title == title))
               .scalar_one())


def body_of(page):
    html = page.get_data(as_text=True)
    return re.search(r'<div class="announcement-body" id="announcement-body">(.*?)</div>', html,
                     re.S).group(1)


def test_post_with_files_and_read_as_the_audience_only(app, login_as, dbq):
    pdf = pdf_bytes(marker="ANNOUNCEMENT-FILE-1")
    title = "ประกาศรับสมัครอาสาสมัครป้องกันภัยฝ่ายพลเรือน"
    clerk = login_as("clerk.dopa")
    r = post(clerk, form(title, audience="agencies", agencies=[str(agency(dbq, CDD))],
                         body='<p>ขอเชิญ<strong>สมัคร</strong></p><script>alert(1)</script>'
                              '<img src=x onerror=alert(1)>'
                              '<a href="javascript:alert(1)">ลิงก์</a>'),
             files=[("ใบสมัคร.pdf", pdf)])
    pk = find(dbq, title)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/announcements/show/{pk}")
    stored = dbq(lambda s: s.get(Announcement, pk).body)
    assert stored == '<p>ขอเชิญ<strong>สมัคร</strong></p><a rel="noopener noreferrer">ลิงก์</a>'
    file_id = dbq(lambda s: s.execute(select(AnnouncementFile.id).where(
        AnnouncementFile.announcement_id == pk)).scalar_one())

    reader = login_as("officer.cdd")  # the agency chosen
    page = reader.get(f"/announcements/show/{pk}")
    assert page.status_code == 200 and title in text_of(page)
    assert body_of(page) == stored  # the stored column, as it is
    assert_inert(body_of(page))
    assert f"/announcements/file/{pk}/{file_id}" in page.get_data(as_text=True)
    assert 'id="edit-announcement"' not in page.get_data(as_text=True)
    got = reader.get(f"/announcements/file/{pk}/{file_id}")
    assert got.status_code == 200 and got.data == pdf and got.mimetype == "application/pdf"
    down = reader.get(f"/announcements/file/{pk}/{file_id}?download=1")
    assert down.headers["Content-Disposition"].startswith("attachment;")
    assert title in text_of(reader.get("/announcements/"))
    assert title in text_of(reader.get("/announcements/?q=อาสาสมัคร ฝ่ายพลเรือน"))
    assert title not in text_of(reader.get("/announcements/?q=อาสาสมัครสาธารณสุข"))
    far = reader.get("/announcements/?page=" + "9" * 30)  # no page there, and no error
    assert far.status_code == 200 and title not in text_of(far)

    # Not for them: it does not exist, byte for byte like an id that is not there.
    stranger = login_as("secretary")
    hidden, missing = (stranger.get(f"/announcements/show/{pk}"),
                       stranger.get("/announcements/show/99999999"))
    assert hidden.status_code == missing.status_code == 404 and hidden.data == missing.data
    hidden, missing = (stranger.get(f"/announcements/file/{pk}/{file_id}"),
                       stranger.get(f"/announcements/file/99999999/{file_id}"))
    assert hidden.status_code == missing.status_code == 404 and hidden.data == missing.data
    assert stranger.get("/announcements/show/99999999999999").status_code == 404
    assert title not in text_of(stranger.get("/announcements/"))
    assert pdf not in stranger.get(f"/announcements/public/{pk}/file/{file_id}").data
    assert login_as("central").get(f"/announcements/show/{pk}").status_code == 404
    # Its own agency reads it; another agency's file id does not open through it.
    assert login_as("officer.dopa").get(f"/announcements/show/{pk}").status_code == 200
    assert reader.get(f"/announcements/file/{pk}/{file_id + 1000}").status_code == 404


def test_the_login_page_and_the_public_page_without_logging_in(app, login_as, dbq, client):
    pdf = pdf_bytes(marker="PUBLIC-FILE")
    central = login_as("central")
    public_title = "ประกาศจังหวัดพังงา เรื่อง งานกาชาดประจำปี"
    inside_title = "ประกาศภายใน เรื่อง เวรรักษาการณ์"
    r = post(central, form(public_title, public="y", body="<p>ขอเชิญร่วม<em>งานกาชาด</em></p>"),
             files=[("กำหนดการ.pdf", pdf)])
    assert r.status_code == 302, text_of(r)[:500]
    assert post(central, form(inside_title)).status_code == 302
    public_id, inside_id = find(dbq, public_title), find(dbq, inside_title)
    file_id = dbq(lambda s: s.execute(select(AnnouncementFile.id).where(
        AnnouncementFile.announcement_id == public_id)).scalar_one())

    login = client.get("/login/")
    page = text_of(login)
    assert login.status_code == 200 and public_title in page and inside_title not in page
    assert f"/announcements/public/{public_id}" in login.get_data(as_text=True)
    shown = client.get(f"/announcements/public/{public_id}")
    assert shown.status_code == 200 and public_title in text_of(shown)
    assert body_of(shown) == "<p>ขอเชิญร่วม<em>งานกาชาด</em></p>"
    assert f"/announcements/public/{public_id}/file/{file_id}" in shown.get_data(as_text=True)
    assert "ผู้เห็นประกาศ" not in text_of(shown)  # nothing of the inside shown outside
    got = client.get(f"/announcements/public/{public_id}/file/{file_id}")
    assert got.status_code == 200 and got.data == pdf
    assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    for path in (f"/announcements/public/{inside_id}", f"/announcements/public/{inside_id}/file/1",
                 "/announcements/public/abc", "/announcements/public/99999999"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/announcements/public/{public_id}/file/{file_id + 1000}").status_code \
        == 404
    # Inside pages still need a login.
    assert client.get(f"/announcements/show/{public_id}").status_code == 302
    assert client.get(f"/announcements/file/{public_id}/{file_id}").status_code == 302

    # Withdrawn: gone from the login page and the public page, kept for its agency.
    confirm = central.get(f"/announcements/withdraw/{public_id}")
    assert confirm.status_code == 200 and public_title in text_of(confirm)
    assert dbq(lambda s: s.get(Announcement, public_id).withdrawn_at) is None  # GET asks only
    assert central.post(f"/announcements/withdraw/{public_id}").status_code == 302
    assert dbq(lambda s: s.get(Announcement, public_id).withdrawn_at) is not None
    assert public_title not in text_of(client.get("/login/"))
    assert client.get(f"/announcements/public/{public_id}").status_code == 404
    assert client.get(f"/announcements/public/{public_id}/file/{file_id}").status_code == 404
    assert login_as("officer.cdd").get(f"/announcements/show/{public_id}").status_code == 404
    mine = central.get("/announcements/mine")
    row = re.search(rf'<tr id="announcement-{public_id}">(.*?)</tr>',
                    mine.get_data(as_text=True), re.S).group(1)
    assert "ถอนประกาศแล้ว" in row
    kept = central.get(f"/announcements/show/{public_id}")
    assert kept.status_code == 200 and "ถอนประกาศแล้ว" in text_of(kept)
    assert 'id="edit-announcement"' not in kept.get_data(as_text=True)


def test_withdraw_and_edit_are_for_the_agency_that_posted(login_as, dbq):
    title = "ประกาศปิดปรับปรุงระบบประปาอาคาร"
    clerk = login_as("clerk.dopa")
    assert post(clerk, form(title), files=[("แผนงาน.pdf", pdf_bytes())]).status_code == 302
    pk = find(dbq, title)
    for name in ("clerk.cdd", "central"):  # they read it, but it is not theirs
        other = login_as(name)
        assert other.get(f"/announcements/show/{pk}").status_code == 200
        assert other.get(f"/announcements/withdraw/{pk}").status_code == 404
        assert other.post(f"/announcements/withdraw/{pk}").status_code == 404
        assert other.get(f"/announcements/edit/{pk}").status_code == 404
        assert post(other, form("ถูกแก้"), url=f"/announcements/edit/{pk}").status_code == 404
    officer = login_as("officer.dopa")  # no such permission
    assert officer.get(f"/announcements/withdraw/{pk}").status_code in (302, 403)
    assert officer.get("/announcements/new").status_code in (302, 403)
    assert officer.get("/announcements/mine").status_code in (302, 403)
    assert dbq(lambda s: (s.get(Announcement, pk).title, s.get(Announcement, pk).withdrawn_at)) \
        == (title, None)

    page = clerk.get(f"/announcements/edit/{pk}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'value="{title}"' in html
    assert 'name="remove_files"' in html
    file_id = dbq(lambda s: s.execute(select(AnnouncementFile.id).where(
        AnnouncementFile.announcement_id == pk)).scalar_one())
    r = post(clerk, form(title + " (แก้ไข)", until_day="31/12/2600", remove_files=str(file_id)),
             url=f"/announcements/edit/{pk}")
    assert r.status_code == 302
    assert dbq(lambda s: s.get(Announcement, pk).title) == title + " (แก้ไข)"
    assert dbq(lambda s: [f.id for f in s.get(Announcement, pk).files]) == []
    # The end of 31/12/2600 in Bangkok, as stored (UTC).
    assert dbq(lambda s: s.get(Announcement, pk).publish_until) == dt.datetime(2057, 12, 31, 17)
    assert clerk.post(f"/announcements/withdraw/{pk}").status_code == 302
    assert dbq(lambda s: s.get(Announcement, pk).withdrawn_at) is not None
    r = clerk.post(f"/announcements/withdraw/{pk}", follow_redirects=True)
    assert "ประกาศนี้ถอนไปแล้ว" in text_of(r)
    r = clerk.get(f"/announcements/edit/{pk}", follow_redirects=True)
    assert "ประกาศนี้ถอนแล้ว จึงแก้ไขไม่ได้" in text_of(r) and 'name="title"' not in r.text
    r = post(clerk, form("แก้หลังถอน"), url=f"/announcements/edit/{pk}")
    assert r.status_code == 302 and dbq(lambda s: s.get(Announcement, pk).title) == \
        title + " (แก้ไข)"
    assert login_as("officer.cdd").get(f"/announcements/show/{pk}").status_code == 404


def test_refusals_are_thai_keep_what_was_typed_and_save_nothing(app, login_as, dbq):
    clerk = login_as("clerk.dopa")
    before, disk = dbq.count(Announcement), files_on_disk(app)
    cases = [
        (form("ประกาศที่อยากให้แสดงหน้าแรก", public="y"), "เฉพาะผู้ดูแลระบบหรือสารบรรณกลาง"),
        (form("ประกาศปีผิด", from_day="01/12/2026"), "ปีคริสต์ศักราช"),
        (form("ประกาศเวลาผิด", from_time="25.00"), "รูปแบบเวลาไม่ถูกต้อง"),
        (form("ประกาศถึงก่อนเริ่ม", until_day="01/01/2560"), "ต้องหลังวันเริ่มประกาศ"),
        (form("ประกาศไม่เลือกหน่วยงาน", audience="agencies"),
         "เลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน"),
        (form("ประกาศหน่วยงานปลอม", audience="agencies", agencies="99999"), "ไม่พบหน่วยงาน"),
        (form("", body="<p>ไม่มีหัวข้อ</p>"), "กรุณากรอกหัวข้อประกาศ"),
        (form("ประกาศสคริปต์ล้วน", body="<script>alert(1)</script>"), "ไม่มีข้อความที่แสดงได้"),
    ]
    for fields, message in cases:
        # A file beside every refusal but the last (a file alone would make a body optional).
        files = [] if "script" in fields["body"] else [("แนบ.pdf", pdf_bytes())]
        r = post(clerk, fields, files=files)
        assert r.status_code == 200 and message in text_of(r), (fields, text_of(r)[:400])
        if fields["title"]:
            assert f'value="{fields["title"]}"' in r.get_data(as_text=True)
        assert dbq.count(Announcement) == before and files_on_disk(app) == disk
    # What was typed comes back sanitised, never as it was sent.
    r = post(clerk, form("", body='<p onclick="alert(1)">ร่าง</p><img src=x onerror=alert(1)>'))
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>',
                         r.get_data(as_text=True), re.S).group(1)
    assert textarea == "&lt;p&gt;ร่าง&lt;/p&gt;"
    fields = form("", body="บรรทัดหนึ่ง\nบรรทัดสอง")  # typed without the editor: as typed
    del fields["body_format"]
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>',
                         post(clerk, fields).get_data(as_text=True), re.S).group(1)
    assert textarea == "บรรทัดหนึ่ง\nบรรทัดสอง"
    # The clerk's form does not offer the login page at all; the central clerk's does.
    page = clerk.get("/announcements/new").get_data(as_text=True)
    assert not re.search(r'name="public"', page)
    page = login_as("central").get("/announcements/new").get_data(as_text=True)
    assert re.search(r'name="public"', page) and not re.search(r'name="public"[^>]*disabled', page)


def test_the_editor_and_the_form_without_it(app, login_as, client, dbq):
    clerk = login_as("clerk.dopa")
    page = clerk.get("/announcements/new").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="body"[^>]*data-editor', page)
    assert "/eoffice/static/js/editor.js" in page
    script = client.get("/eoffice/static/js/editor.js")
    assert script.status_code == 200 and b"contentEditable" in script.data
    assert b"body_format" in script.data
    with open(os.path.join(app.root_path, "static", "js", "editor.js"), encoding="utf-8") as f:
        source = f.read()
    for command in ("bold", "italic", "underline", "insertUnorderedList", "insertOrderedList",
                    "formatBlock", "createLink", "removeFormat"):
        assert f'"{command}"' in source, command

    # Without scripts the textarea is sent as it is, without body_format: plain text.
    title = "ประกาศพิมพ์โดยไม่มีตัวจัดรูปแบบ"
    fields = form(title, body="บรรทัดแรก\r\nบรรทัดสอง\r\n\r\nย่อหน้าใหม่ 3 < 5 <script>x</script>")
    del fields["body_format"]
    assert post(clerk, fields).status_code == 302
    assert dbq(lambda s: s.get(Announcement, find(dbq, title)).body) == \
        "<p>บรรทัดแรก<br>บรรทัดสอง</p><p>ย่อหน้าใหม่ 3 &lt; 5 &lt;script&gt;x&lt;/script&gt;</p>"


def test_the_home_page_panel(app, login_as, dbq):
    from flask import render_template

    from app.extensions import db
    from app.models import EOfficeUser
    from app.services import announcements as svc

    title = "ประกาศสำหรับหน้าแรก เรื่อง วันหยุดราชการ"
    assert post(login_as("clerk.cdd"), form(title)).status_code == 302
    pk = find(dbq, title)
    with app.test_request_context():
        officer = db.session.execute(select(EOfficeUser).where(
            EOfficeUser.username == "officer.dopa")).scalar_one()
        items = svc.for_home(db.session, officer, limit=5)
        assert pk == items[0].id  # the newest
        html = render_template("announcements/_home.html", announcements=items)
        day = thai.format_date(items[0].publish_from)
        db.session.remove()
    assert f'href="/announcements/show/{pk}"' in html and title in html and day in html
    assert re.search(r"\d{1,2} \S+ 25\d\d", day)
