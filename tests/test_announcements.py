"""Announcements (app/services/announcements.py), on the real database: the body is sanitised
on every write (nasty payloads stored without anything that could run, the formatting kept);
who reads what and when (audience, period, withdrawn); who posts, edits, withdraws and marks an
announcement public; a refused write changes nothing and leaves no file."""

import datetime as dt
import os
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.models import Agency, AuditLog
from app.models.announcements import Announcement, AnnouncementFile
from app.services import announcements as svc
from app.services import richtext
from app.services.attachments import Upload
from app.services.errors import PermissionDenied, ValidationFailed
from tests.files import pdf_bytes
from tests.conftest import user

NOW = dt.datetime(2026, 11, 26, 3, 0)  # 10:00 in Bangkok, as stored (UTC)
BANGKOK_NOW = dt.datetime(2026, 11, 26, 10, 0)  # the same moment as a clerk types it


def agency_id(session, code):
    return session.execute(select(Agency.id).where(Agency.code == code)).scalar_one()


DOPA, CDD, HEALTH, PO = "พง 0016.1", "พง 0019.1", "พง 0033.1", "พง 0017.2"


def data(**fields):
    """A valid announcement, published from the day before NOW until withdrawn, for everyone."""
    return {"title": "ประกาศรับสมัครลูกจ้างชั่วคราว", "body": "<p>รายละเอียดตามไฟล์แนบ</p>",
            "body_format": "html", "publish_from": dt.datetime(2026, 11, 25, 8, 30),
            "publish_until": None, "everyone": True, "agency_ids": [], "public": False,
            **fields}


def stored_body(session, announcement_id):
    session.expire_all()
    return session.execute(select(Announcement.body).where(
        Announcement.id == announcement_id)).scalar_one()


def files_on_disk(app):
    root = app.config["ATTACHMENTS_DIR"]
    return sorted(os.path.join(d, f) for d, _dirs, names in os.walk(root) for f in names)


# ---- sanitising ---------------------------------------------------------------------------------

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "h3", "h4",
        "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "hr"}
ATTRIBUTES = {("a", "href"), ("a", "rel"), ("td", "colspan"), ("td", "rowspan"),
              ("th", "colspan"), ("th", "rowspan")}


class InertCheck(HTMLParser):
    """Reads stored HTML as a browser would and fails on anything that could run or load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if (tag, name) not in ATTRIBUTES:
                self.problems.append(f"attribute {name} on {tag}")
            if name == "href":  # the parser has decoded the entities, as a browser does
                cleaned = re.sub(r"[\x00-\x20]", "", value or "")
                if urlsplit(cleaned).scheme.lower() not in ("http", "https", "mailto"):
                    self.problems.append(f"href {value!r}")
            if name == "rel" and value != "noopener noreferrer":
                self.problems.append(f"rel {value!r}")

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.problems.append("comment")

    def handle_decl(self, decl):
        self.problems.append("declaration")

    def handle_pi(self, data):
        self.problems.append("processing instruction")


def assert_inert(body):
    check = InertCheck()
    check.feed(body)
    check.close()
    assert check.problems == [], (body, check.problems)
    # Belt and braces on the raw text: no tag of these kinds, no scripting URL inside any tag.
    assert not re.search(r"<\s*(script|iframe|svg|math|img|object|embed|style|form|input|base"
                         r"|meta|details)", body, re.I), body
    assert not re.search(r"<[^>]*(javascript|vbscript|data:|expression\()", body, re.I), body
    assert not re.search(r"<[^>]*\son\w+\s*=", body, re.I), body


NASTY = [
    '<script>alert("xss")</script><p>ข่าว</p>',
    "<img src=x onerror=alert(1)>ข่าว",
    "<IMG SRC=javascript:alert('XSS')>ข่าว",
    '<a href="javascript:alert(1)">ข่าว</a>',
    '<a href="JaVaScRiPt:alert(1)">ข่าว</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">ข่าว</a>',
    '<a href="jav&#x09;ascript:alert(1)">ข่าว</a>',
    '<a href=" javascript:alert(1)" target="_blank">ข่าว</a>',
    '<a href="java\x00script:alert(1)">ข่าว</a>',
    '<a href="vbscript:msgbox(1)">ข่าว</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">ข่าว</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">ข่าว',
    "<svg onload=alert(1)><circle r=5></circle></svg>ข่าว",
    "<svg><script>alert(1)</script></svg>ข่าว",
    '<iframe src="https://evil.example/"></iframe>ข่าว',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>ข่าว',
    '<p style="width: expression(alert(1)); background: url(javascript:alert(1))">ข่าว</p>',
    '<style>body{background:url("javascript:alert(1)")}</style>ข่าว',
    '<p onclick="alert(1)" onmouseover="alert(2)">ข่าว</p>',
    "<div onfocus=alert(1) autofocus tabindex=0>ข่าว</div>",
    "<details open ontoggle=alert(1)>ข่าว</details>",
    '<object data="evil.swf"><embed src="evil.swf"></object>ข่าว',
    '<form action="https://evil.example/"><input name="p" type="password">'
    "<button>ส่ง</button></form>ข่าว",
    "ข่าว<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">ข่าว',
    "<!--<script>alert(1)</script>-->ข่าว",
    "<scr<script>ipt>alert(1)</scr</script>ipt>ข่าว",
    "<<script>script>alert(1)<</script>/script>ข่าว",
    "<p><b>ข่าว<i>ซ้อน</p></b></i><td>",
    '<base href="javascript:alert(1)//"><meta http-equiv="refresh" '
    'content="0;url=javascript:alert(1)">ข่าว',
    '<a href="//evil.example/x">ข่าว</a>',
    '<table><tr><td background="javascript:alert(1)" colspan="2">ข่าว</td></tr></table>',
    '<a href="https://www.phangnga.go.th/" onclick="alert(1)" style="color:red" '
    'rel="opener">ข่าว</a>',
]


@pytest.mark.parametrize("payload", NASTY)
def test_nothing_executable_is_stored(ctx, payload):
    s = ctx
    posted = svc.post(s, user(s, "clerk.dopa"), data(title="ประกาศทดสอบการกรอง", body=payload),
                      now=NOW)
    body = stored_body(s, posted.id)
    assert_inert(body)
    assert "ข่าว" in richtext.visible_text(body)  # the text around the attack is kept
    assert richtext.sanitise(body) == body  # what is stored is already clean


def test_the_inert_check_itself_catches_what_it_should():
    for bad in ('<a href="javascript:alert(1)">x</a>', "<img src=x>", '<p onclick="x">y</p>',
                '<a href="&#106;avascript:x">y</a>', "<script>x</script>"):
        with pytest.raises(AssertionError):
            assert_inert(bad)


def test_formatting_is_kept(ctx):
    s = ctx
    body = ('<p><strong>ตัวหนา</strong> <b>หนา</b> <em>เอียง</em> <i>เอียง</i> <u>ขีดเส้นใต้</u> '
            '<s>ขีดฆ่า</s><br>บรรทัดใหม่</p><ul><li>หนึ่ง</li></ul><ol><li>สอง</li></ol>'
            '<h3>หัวข้อ</h3><h4>หัวข้อย่อย</h4><blockquote>ข้อความอ้างอิง</blockquote>'
            '<p><a href="https://www.phangnga.go.th/news?id=1&amp;p=2">เว็บจังหวัด</a> '
            '<a href="mailto:saraban@phangnga.go.th">อีเมล</a></p>'
            '<table><thead><tr><th>ลำดับ</th><th>ชื่อ</th></tr></thead>'
            '<tbody><tr><td colspan="2">ว่าง</td></tr></tbody></table><hr>')
    posted = svc.post(s, user(s, "clerk.dopa"), data(body=body), now=NOW)
    stored = stored_body(s, posted.id)
    assert stored == body.replace('">เว็บจังหวัด', '" rel="noopener noreferrer">เว็บจังหวัด') \
        .replace('">อีเมล', '" rel="noopener noreferrer">อีเมล')
    assert_inert(stored)


def test_what_other_editors_make_is_mapped_to_ours():
    assert richtext.sanitise("<div>บรรทัดหนึ่ง</div><div>บรรทัดสอง</div>") == \
        "<p>บรรทัดหนึ่ง</p><p>บรรทัดสอง</p>"
    assert richtext.sanitise("<h1>ใหญ่</h1><h6>เล็ก</h6><strike>ฆ่า</strike>") == \
        "<h3>ใหญ่</h3><h4>เล็ก</h4><s>ฆ่า</s>"
    assert richtext.sanitise('<span style="color:red">แดง</span>') == "แดง"
    # Chromium's list inside a paragraph: no empty paragraphs left around it.
    assert richtext.sanitise("<p>ก</p><p><ul><li>ข</li></ul></p><p><br></p>") == \
        "<p>ก</p><ul><li>ข</li></ul><p><br></p>"


def test_text_typed_without_the_editor_is_text():
    assert svc.body_html("บรรทัด 1\r\nบรรทัด 2\n\nย่อหน้า <script>alert(1)</script> a<b",
                         "auto") == ("<p>บรรทัด 1<br>บรรทัด 2</p>"
                                     "<p>ย่อหน้า &lt;script&gt;alert(1)&lt;/script&gt; a&lt;b</p>")
    # A stored body edited by hand without the editor is still markup, and still sanitised.
    assert svc.body_html('<p>แก้ไข</p><img src=x onerror=alert(1)>', "auto") == "<p>แก้ไข</p>"
    # From the editor, an entity stays one character.
    assert svc.body_html("ก &amp; ข", "html") == "ก &amp; ข"


def test_an_edit_is_sanitised_too(ctx):
    s = ctx
    clerk = user(s, "clerk.dopa")
    posted = svc.post(s, clerk, data(), now=NOW)
    svc.edit(s, clerk, posted, data(body='<p onclick="x()">แก้</p><script>alert(1)</script>'
                                         '<a href="javascript:alert(1)">ลิงก์</a>'), now=NOW)
    body = stored_body(s, posted.id)
    assert body == '<p>แก้</p><a rel="noopener noreferrer">ลิงก์</a>'


# ---- who reads what, and when -----------------------------------------------------------------


def test_audience_period_and_withdrawn(ctx):
    s = ctx
    clerk = user(s, "clerk.dopa")
    day = dt.datetime(2026, 11, 20, 9, 0)
    made = {}
    for key, fields in {
        "everyone": {},
        "cdd": {"everyone": False, "agency_ids": [agency_id(s, CDD)]},
        "health": {"everyone": False, "agency_ids": [str(agency_id(s, HEALTH))]},
        "later": {"publish_from": dt.datetime(2026, 12, 1)},
        "ending": {"publish_until": dt.datetime(2026, 11, 28, 16, 30)},
        "withdrawn": {},
    }.items():
        made[key] = svc.post(s, clerk, data(**{"title": f"ประกาศผู้อ่าน-{key}",
                                               "publish_from": day, **fields}), now=NOW).id
    svc.withdraw(s, user(s, "clerk.dopa"), s.get(Announcement, made["withdrawn"]), now=NOW)
    ours = set(made.values())

    def seen(username, now=NOW):
        rows = svc.published(s, user(s, username), q="ประกาศผู้อ่าน", now=now).rows
        return {k for k, v in made.items() if v in {a.id for a in rows}}

    assert seen("officer.cdd") == {"everyone", "cdd", "ending"}
    assert seen("clerk.cdd") == {"everyone", "cdd", "ending"}
    assert seen("officer.dopa") == {"everyone", "cdd", "health", "ending"}  # its own agency's
    assert seen("secretary") == {"everyone", "ending"}
    assert seen("central") == {"everyone", "ending"}
    # The period is [from, until): at its first instant it is up, at its end it is gone.
    start = dt.datetime(2026, 12, 1) - dt.timedelta(hours=7)  # midnight in Bangkok, as UTC
    assert "later" not in seen("officer.cdd", start - dt.timedelta(seconds=1))
    assert "later" in seen("officer.cdd", start)
    end = dt.datetime(2026, 11, 28, 9, 30)  # 16:30 in Bangkok
    assert "ending" in seen("officer.cdd", end - dt.timedelta(seconds=1))
    assert "ending" not in seen("officer.cdd", end)

    def opens(username, key, now=NOW):
        return svc.announcement_for(s, user(s, username), made[key], now=now) is not None

    for key in ("health", "later", "withdrawn"):
        assert not opens("officer.cdd", key)
        assert not opens("clerk.cdd", key)
        assert not opens("central", key)  # the central clerk keeps only its own agency's
    assert not opens("officer.dopa", "later") and not opens("officer.dopa", "withdrawn")
    for keeper in ("clerk.dopa", "admin"):  # the keepers read every state
        assert all(opens(keeper, k) for k in made)
    assert opens("officer.cdd", "cdd") and not opens("officer.cdd", "ending", end)
    for bad in ("abc", "", None, -1, 0, 2**31, 10**20, "1.5"):
        assert svc.announcement_for(s, user(s, "admin"), bad) is None

    kept = {a.id for a in svc.kept(s, user(s, "clerk.dopa"), q="ประกาศผู้อ่าน").rows}
    assert ours <= kept
    assert not ours & {a.id for a in svc.kept(s, user(s, "clerk.cdd")).rows}
    assert not ours & {a.id for a in svc.kept(s, user(s, "officer.dopa")).rows}
    assert ours <= {a.id for a in svc.kept(s, user(s, "admin"), q="ประกาศผู้อ่าน").rows}

    states = {k: svc.state(s.get(Announcement, v), NOW) for k, v in made.items()}
    assert states == {"everyone": "published", "cdd": "published", "health": "published",
                      "later": "scheduled", "ending": "published", "withdrawn": "withdrawn"}
    assert svc.state_label(s.get(Announcement, made["ending"]), end) == "หมดเวลาประกาศ"
    ending = s.get(Announcement, made["ending"])
    assert svc.period_text(ending) == "ตั้งแต่ 20 พ.ย. 2569 09:00 น. ถึง 28 พ.ย. 2569 16:30 น."
    assert svc.audience_text(s.get(Announcement, made["cdd"])) == "สำนักงานพัฒนาชุมชนจังหวัดพังงา"


def test_newest_first_search_and_pages(ctx, monkeypatch):
    s = ctx
    clerk = user(s, "clerk.cdd")
    ids = [svc.post(s, clerk, data(title=f"ประชาสัมพันธ์งานกาชาดครั้งที่ {n}",
                                   publish_from=dt.datetime(2026, 11, n, 8, 0)), now=NOW).id
           for n in (3, 1, 2)]
    svc.post(s, clerk, data(title="ประชาสัมพันธ์การแข่งขันกีฬา"), now=NOW)
    found = svc.published(s, user(s, "officer.dopa"), q="งานกาชาด ครั้งที่", now=NOW)
    rows, more = found.rows, found.more
    assert [a.id for a in rows] == [ids[0], ids[2], ids[1]] and not more  # by publish date
    assert svc.published(s, user(s, "officer.dopa"), q="กาชาด 9", now=NOW).rows == []
    monkeypatch.setattr(svc, "PAGE_SIZE", 2)
    first = svc.published(s, user(s, "officer.dopa"), q="กาชาด", now=NOW)
    assert [a.id for a in first.rows] == [ids[0], ids[2]] and first.more
    second = svc.published(s, user(s, "officer.dopa"), q="กาชาด", page=2, now=NOW)
    assert [a.id for a in second.rows] == [ids[1]] and not second.more
    home = svc.for_home(s, user(s, "officer.dopa"), now=NOW, limit=500)
    dates = [a.publish_from for a in home]
    assert dates == sorted(dates, reverse=True) and len(svc.for_home(
        s, user(s, "officer.dopa"), now=NOW, limit=2)) == 2
    assert ids[0] in {a.id for a in home}


def test_the_login_page_gets_public_published_ones_only(ctx):
    s = ctx
    central = user(s, "central")
    public = svc.post(s, central, data(title="ประกาศสาธารณะงานวันเด็ก", public=True), now=NOW)
    inside = svc.post(s, central, data(title="ประกาศภายในเรื่องเวรยาม"), now=NOW)
    later = svc.post(s, central, data(title="ประกาศสาธารณะล่วงหน้า", public=True,
                                      publish_from=dt.datetime(2026, 12, 5)), now=NOW)
    ids = {a.id for a in svc.public_announcements(s, now=NOW, limit=100)}
    assert public.id in ids and inside.id not in ids and later.id not in ids
    assert svc.public_one(s, public.id, now=NOW) is not None
    assert svc.public_one(s, inside.id, now=NOW) is None
    assert svc.public_one(s, later.id, now=NOW) is None
    svc.withdraw(s, central, public, now=NOW)
    assert svc.public_one(s, public.id, now=NOW) is None
    assert public.id not in {a.id for a in svc.public_announcements(s, now=NOW, limit=100)}


# ---- who posts, edits, withdraws and marks public --------------------------------------------


def test_who_may_post_edit_and_withdraw(ctx):
    s = ctx
    before = s.query(Announcement).count()
    for name in ("officer.dopa", "group.dopa", "secretary", "officer.cdd"):
        with pytest.raises(PermissionDenied, match="ลงประกาศได้เฉพาะ"):
            svc.post(s, user(s, name), data(), now=NOW)
    assert s.query(Announcement).count() == before
    posted = {name: svc.post(s, user(s, name), data(title=f"ประกาศของ {name}"), now=NOW)
              for name in ("admin", "central", "clerk.dopa")}
    assert posted["clerk.dopa"].agency_id == agency_id(s, DOPA)
    assert posted["central"].agency_id == agency_id(s, PO)

    dopa = posted["clerk.dopa"]
    for outsider in ("clerk.cdd", "central", "officer.dopa", "group.dopa"):
        with pytest.raises(PermissionDenied):
            svc.edit(s, user(s, outsider), dopa, data(title="ถูกแก้"), now=NOW)
        with pytest.raises(PermissionDenied):
            svc.withdraw(s, user(s, outsider), dopa, now=NOW)
    s.expire_all()
    assert dopa.title == "ประกาศของ clerk.dopa" and dopa.withdrawn_at is None
    svc.edit(s, user(s, "admin"), dopa, data(title="แก้โดยผู้ดูแลระบบ"), now=NOW)
    assert dopa.title == "แก้โดยผู้ดูแลระบบ" and dopa.changed_by_id == user(s, "admin").id
    svc.withdraw(s, user(s, "clerk.dopa"), dopa, now=NOW)
    assert dopa.withdrawn_at == NOW
    with pytest.raises(ValidationFailed, match="ถอนไปแล้ว"):
        svc.withdraw(s, user(s, "admin"), dopa, now=NOW)
    with pytest.raises(ValidationFailed, match="ถอนแล้ว จึงแก้ไขไม่ได้"):
        svc.edit(s, user(s, "clerk.dopa"), dopa, data(title="แก้หลังถอน"), now=NOW)
    assert s.get(Announcement, dopa.id) is not None  # withdrawn, not deleted
    actions = s.execute(select(AuditLog.action).where(
        AuditLog.target_type == "Announcement", AuditLog.target_id == str(dopa.id))
        .order_by(AuditLog.seq)).scalars().all()
    assert actions == ["announcement_post", "announcement_edit", "announcement_withdraw"]


def test_only_the_admin_and_the_central_clerk_mark_public(ctx):
    s = ctx
    before = s.query(Announcement).count()
    for name in ("clerk.dopa", "clerk.cdd"):
        with pytest.raises(PermissionDenied, match="เฉพาะผู้ดูแลระบบหรือสารบรรณกลาง"):
            svc.post(s, user(s, name), data(public=True), now=NOW)
    assert s.query(Announcement).count() == before
    assert svc.post(s, user(s, "central"), data(public=True), now=NOW).public
    assert svc.post(s, user(s, "admin"), data(public=True), now=NOW).public
    with pytest.raises(ValidationFailed, match="ต้องเป็นประกาศถึงทุกหน่วยงาน"):
        svc.post(s, user(s, "central"), data(public=True, everyone=False,
                                             agency_ids=[agency_id(s, CDD)]), now=NOW)

    clerk = user(s, "clerk.dopa")
    own = svc.post(s, clerk, data(title="ประกาศที่ผู้ดูแลระบบทำเป็นสาธารณะ"), now=NOW)
    with pytest.raises(PermissionDenied):
        svc.edit(s, clerk, own, data(public=True), now=NOW)
    s.expire_all()
    assert own.public is False
    svc.edit(s, user(s, "admin"), own, data(title=own.title, public=True), now=NOW)
    assert own.public
    svc.edit(s, clerk, own, data(title="แก้ไขโดยหน่วยงาน", public=True), now=NOW)  # stays
    assert own.public and own.title == "แก้ไขโดยหน่วยงาน"
    svc.edit(s, clerk, own, data(title=own.title, public=False), now=NOW)  # may take it off
    assert own.public is False
    with pytest.raises(PermissionDenied):
        svc.edit(s, clerk, own, data(title=own.title, public=True), now=NOW)  # not back on


# ---- refusals change nothing --------------------------------------------------------------------


def upload(name="ประกาศ.pdf", data_=None):
    return Upload(filename=name, data=data_ if data_ is not None else pdf_bytes(marker=name))


BAD = [
    ({"title": "  "}, (), ValidationFailed, "กรุณากรอกหัวข้อประกาศ"),
    ({"title": "ก" * 256}, (), ValidationFailed, "ยาวเกิน 255 ตัวอักษร"),
    ({"body": "<p> &nbsp; </p>"}, None, ValidationFailed, "กรุณากรอกเนื้อหาประกาศ หรือแนบไฟล์"),
    ({"body": "<script>alert(1)</script><img src=x onerror=alert(1)>"}, None, ValidationFailed,
     "ไม่มีข้อความที่แสดงได้"),
    ({"body": "ก" * 100_001}, (), ValidationFailed, "เนื้อหาประกาศยาวเกิน 100,000 ตัวอักษร"),
    ({"publish_from": None}, (), ValidationFailed, "กรุณากรอกวันเริ่มประกาศ"),
    ({"publish_until": dt.datetime(2026, 11, 25, 8, 0)}, (), ValidationFailed,
     "ต้องหลังวันเริ่มประกาศ"),
    ({"publish_from": dt.datetime(2026, 11, 1), "publish_until": dt.datetime(2026, 11, 26, 9)},
     (), ValidationFailed, "ผ่านมาแล้ว"),
    ({"everyone": False}, (), ValidationFailed, "เลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน"),
    ({"everyone": False, "agency_ids": ["abc"]}, (), ValidationFailed, "ไม่ถูกต้อง"),
    ({"everyone": False, "agency_ids": [999999]}, (), ValidationFailed, "ไม่พบหน่วยงาน"),
    ({"everyone": False, "agency_ids": [2**40]}, (), ValidationFailed, "ไม่ถูกต้อง"),
    ({"public": True}, (), PermissionDenied, "เฉพาะผู้ดูแลระบบหรือสารบรรณกลาง"),
    ({}, [upload(), upload("โปรแกรม.exe", b"MZ\x90\x00" + b"\x00" * 100)], ValidationFailed,
     "ไม่ใช่ชนิดที่รับได้"),
    ({}, [upload(), upload("ว่าง.pdf", b"")], ValidationFailed, "ว่างเปล่า"),
]


@pytest.mark.parametrize("fields,uploads,error,message", BAD)
def test_a_refused_post_saves_nothing_and_leaves_no_file(app, ctx, fields, uploads, error,
                                                         message):
    s = ctx
    counts = (s.query(Announcement).count(), s.query(AnnouncementFile).count(),
              s.query(AuditLog).count())
    disk = files_on_disk(app)
    if uploads is None:
        uploads = ()
    else:  # a good file beside the bad input: it must not stay on the disk either
        uploads = list(uploads) or [upload()]
    with pytest.raises(error, match=re.escape(message)):
        svc.post(s, user(s, "clerk.dopa"), data(**fields), uploads, now=NOW)
    s.rollback()
    assert (s.query(Announcement).count(), s.query(AnnouncementFile).count(),
            s.query(AuditLog).count()) == counts
    assert files_on_disk(app) == disk


def test_a_write_that_fails_after_the_files_are_stored_leaves_none(app, ctx, monkeypatch):
    s = ctx
    clerk = user(s, "clerk.dopa")
    posted = svc.post(s, clerk, data(title="ประกาศก่อนระบบขัดข้อง"), [upload("เดิม.pdf")],
                      now=NOW)
    counts, disk = (s.query(Announcement).count(), s.query(AnnouncementFile).count()), \
        files_on_disk(app)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(svc.audit, "record", broken)
    with pytest.raises(RuntimeError):
        svc.post(s, clerk, data(), [upload("ใหม่.pdf")], now=NOW)
    with pytest.raises(RuntimeError):
        svc.edit(s, clerk, posted, data(title="แก้ไม่สำเร็จ"), [upload("ใหม่.pdf")],
                 [posted.files[0].id], now=NOW)
    assert (s.query(Announcement).count(), s.query(AnnouncementFile).count()) == counts
    assert files_on_disk(app) == disk  # neither the new file nor the removal happened
    s.expire_all()
    assert posted.title == "ประกาศก่อนระบบขัดข้อง" and len(posted.files) == 1


def test_too_many_files_are_refused(app, ctx, monkeypatch):
    s = ctx
    monkeypatch.setitem(app.config, "ATTACHMENTS_PER_ENTRY", 2)
    before, disk = s.query(Announcement).count(), files_on_disk(app)
    with pytest.raises(ValidationFailed, match="แนบได้ไม่เกิน 2 ไฟล์"):
        svc.post(s, user(s, "clerk.dopa"), data(), [upload("1.pdf"), upload("2.pdf"),
                                                    upload("3.pdf")], now=NOW)
    assert s.query(Announcement).count() == before and files_on_disk(app) == disk
    posted = svc.post(s, user(s, "clerk.dopa"), data(), [upload("1.pdf"), upload("2.pdf")],
                      now=NOW)
    with pytest.raises(ValidationFailed, match="ครบจำนวนที่กำหนดแล้ว"):
        svc.edit(s, user(s, "clerk.dopa"), posted, data(), [upload("3.pdf")], now=NOW)
    assert len(files_on_disk(app)) == len(disk) + 2


def test_an_announcement_of_files_only_and_a_refused_edit(app, ctx):
    s = ctx
    clerk = user(s, "clerk.dopa")
    order = upload("คำสั่ง.pdf")
    posted = svc.post(s, clerk, data(title="คำสั่งแต่งตั้งคณะทำงาน", body=""), [order], now=NOW)
    assert posted.body == "" and [f.filename for f in posted.files] == ["คำสั่ง.pdf"]
    first_id = posted.files[0].id
    row, content = svc.open_file(s, posted, first_id)
    assert row.id == first_id and content == order.data
    other = svc.post(s, clerk, data(), now=NOW)
    assert svc.open_file(s, other, first_id) == (None, None)  # not that announcement's
    assert svc.open_file(s, posted, "x") == (None, None)

    snapshot = (posted.title, posted.body, posted.publish_from, posted.changed_at)
    disk = files_on_disk(app)
    exe = upload("โปรแกรม.exe", b"MZ\x90\x00" + b"\x00" * 100)
    for fields, uploads, remove, message in (
            ({"title": ""}, [upload("ใหม่.pdf")], (), "กรุณากรอกหัวข้อประกาศ"),
            ({"body": ""}, (), [first_id], "กรุณากรอกเนื้อหาประกาศ หรือแนบไฟล์"),
            ({"publish_until": dt.datetime(2026, 11, 1)}, [upload("ใหม่.pdf")], (),
             "ต้องหลังวันเริ่มประกาศ"),
            ({}, [upload("ใหม่.pdf")], [999999], "ไม่พบไฟล์แนบที่จะลบ"),
            ({}, [upload("ใหม่.pdf")], ["x"], "ไม่พบไฟล์แนบที่จะลบ"),
            ({}, [upload("ใหม่.pdf"), exe], [first_id], "ไม่ใช่ชนิดที่รับได้")):
        with pytest.raises(ValidationFailed, match=re.escape(message)):
            svc.edit(s, clerk, posted, data(**{"title": posted.title, **fields}), uploads,
                     remove, now=NOW)
        s.expire_all()
        assert (posted.title, posted.body, posted.publish_from, posted.changed_at) == snapshot
        assert [f.id for f in posted.files] == [first_id] and files_on_disk(app) == disk

    # Replace the file: the new one is stored, the old one's row and bytes are gone.
    svc.edit(s, clerk, posted, data(title=posted.title, body=""), [upload("คำสั่งแก้ไข.pdf")],
             [str(first_id)], now=NOW)
    s.expire_all()
    assert [f.filename for f in posted.files] == ["คำสั่งแก้ไข.pdf"]
    after = files_on_disk(app)
    assert len(after) == len(disk) and after != disk
    assert s.execute(select(func.count()).select_from(AnnouncementFile).where(
        AnnouncementFile.id == first_id)).scalar_one() == 0
    assert posted.changed_by_id == clerk.id and posted.body == ""


# ---- what a clerk types -------------------------------------------------------------------------


def test_dates_and_times_as_typed():
    assert svc.parse_moment("31/12/2569", "", "วันสิ้นสุด") == dt.datetime(2026, 12, 31)
    assert svc.parse_moment("31/12/2569", "", "วันสิ้นสุด", end_of_day=True) == \
        dt.datetime(2027, 1, 1)
    assert svc.parse_moment("๓๑/๑๒/๒๕๖๙", "๑๖.๓๐", "วันสิ้นสุด") == \
        dt.datetime(2026, 12, 31, 16, 30)
    assert svc.parse_moment("", "", "วันสิ้นสุด") is None
    for day, time, message in (("31/12/2026", "", "ปีคริสต์ศักราช"),
                               ("31/02/2569", "", "ไม่มีวันที่"),
                               ("พรุ่งนี้", "", "รูปแบบวันที่ไม่ถูกต้อง"),
                               ("31/12/2569", "25:00", "รูปแบบเวลาไม่ถูกต้อง"),
                               ("31/12/2569", "บ่ายสอง", "รูปแบบเวลาไม่ถูกต้อง"),
                               ("", "08:30", "กรุณากรอกวันที่ด้วย")):
        with pytest.raises(ValidationFailed, match=message) as refused:
            svc.parse_moment(day, time, "วันเริ่มประกาศ")
        assert str(refused.value).startswith("วันเริ่มประกาศ: ")


def test_bangkok_times_are_stored_as_utc_and_given_back_to_the_form(ctx):
    s = ctx
    posted = svc.post(s, user(s, "clerk.cdd"), data(
        publish_from=dt.datetime(2026, 11, 26, 8, 30),
        publish_until=svc.parse_moment("31/12/2569", "", "x", end_of_day=True)), now=NOW)
    assert posted.publish_from == dt.datetime(2026, 11, 26, 1, 30)
    assert posted.publish_until == dt.datetime(2026, 12, 31, 17, 0)
    assert svc.form_values(posted) == {"from_day": "26/11/2569", "from_time": "08:30",
                                       "until_day": "31/12/2569", "until_time": ""}
    assert svc.period_text(posted) == "ตั้งแต่ 26 พ.ย. 2569 08:30 น. ถึง 31 ธ.ค. 2569"
