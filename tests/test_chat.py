"""The help chat (ติดต่อเจ้าหน้าที่, app/services/chat.py and app/views/chat.py), on the real
database: unread counts on both sides through a whole exchange, the inbox's order (the longest
waiting first), a user never reaching another's conversation, the inbox for administrators
only, a message left from the login page (its phone, its rate limit, its CSRF token), whether
an administrator is online, and what people type never read as HTML."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from app import thai
from app.extensions import db
from app.models import AuditLog, EOfficeUser
from app.models.chat import CLOSED, OPEN, ChatMessage, Conversation
from app.services import chat
from app.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import text_of, user

JSON = {"Accept": "application/json"}
T0 = dt.datetime(2026, 11, 26, 2, 0)  # 09:00 in Bangkok, as stored (UTC)


@pytest.fixture(autouse=True)
def quiet_inbox(app):
    """Every test starts with no open conversation (those of earlier tests are closed)."""
    with app.app_context():
        db.session.execute(update(Conversation).where(Conversation.status == OPEN)
                           .values(status=CLOSED, waiting_since=None))
        db.session.commit()
        db.session.remove()


def guest_client(app, address):
    """A browser that is not logged in, from its own address (the limit is per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def conversation_of(dbq, username):
    return dbq(lambda s: s.execute(
        select(Conversation.id).join(EOfficeUser, Conversation.user_id == EOfficeUser.id)
        .where(EOfficeUser.username == username, Conversation.status == OPEN)).scalar_one())


def messages_in(dbq, conversation_id):
    return dbq(lambda s: s.execute(select(ChatMessage.body).where(
        ChatMessage.conversation_id == conversation_id).order_by(ChatMessage.id)).scalars().all())


def inbox_row(html, conversation_id):
    found = re.search(rf'<tr id="conversation-{conversation_id}".*?</tr>', html, re.S)
    assert found, f"conversation {conversation_id} is not in the inbox"
    return found.group(0)


def unread_in_row(html, conversation_id):
    badge = re.search(r'<td class="unread">(?:<span class="badge">(\d+)</span>)?</td>',
                      inbox_row(html, conversation_id))
    return int(badge.group(1) or 0)


def navbar_badge(html):
    found = re.search(r'id="help-count".*?<span class="badge">(\d+)</span>', html, re.S)
    return int(found.group(1)) if found else 0


# ---- unread counts ------------------------------------------------------------------------------


def test_unread_counts_on_both_sides_through_an_exchange(ctx):
    s = ctx
    officer, admin = user(s, "officer.dopa"), user(s, "admin")
    admins_before = chat.unread_for_admins(s)
    first = chat.send(s, officer, "ค้นหาหนังสือรับของปีที่แล้วไม่เจอครับ", now=T0)
    second = chat.send(s, officer, "ลองทั้งเลขรับและเรื่องแล้ว", now=T0 + dt.timedelta(minutes=1))
    conversation = first.conversation
    assert second.conversation_id == conversation.id  # one open conversation per user
    assert chat.unread_count(s, conversation, chat.ADMINS) == 2
    assert chat.unread_for_admins(s) == admins_before + 2
    assert chat.unread_count(s, conversation, chat.USER) == 0  # one's own are read

    # An administrator opens it: read for all of them (one shared inbox).
    found, side = chat.conversation_for(s, admin, conversation.id)
    assert (found, side) == (conversation, chat.ADMINS)
    assert [m.id for m in chat.read(s, conversation, side)] == [first.id, second.id]
    assert chat.unread_count(s, conversation, chat.ADMINS) == 0
    assert chat.unread_for_admins(s) == admins_before

    answer = chat.reply(s, admin, conversation, "เลือกปี 2568 ที่ช่องปีก่อนค้นหาครับ",
                        now=T0 + dt.timedelta(minutes=3))
    assert chat.unread_count(s, conversation, chat.USER) == 1
    assert chat.unread_for_user(s, officer) == 1
    assert chat.unread_count(s, conversation, chat.ADMINS) == 0  # the answer is not for them

    # The user's page polls after the last message it shows: the answer arrives, read.
    assert [m.id for m in chat.read(s, conversation, chat.USER, after=second.id)] == [answer.id]
    assert chat.unread_for_user(s, officer) == 0
    # Polling again hands nothing out and changes nothing.
    assert chat.read(s, conversation, chat.USER, after=answer.id) == []
    assert (conversation.user_read_id, conversation.admin_read_id) == (answer.id, answer.id)

    # Read ids only move forward, and only as far as what was handed out.
    chat.mark_read(s, conversation, chat.USER, first.id)
    assert conversation.user_read_id == answer.id
    later = [chat.send(s, officer, text, now=T0 + dt.timedelta(minutes=5))
             for text in ("ได้แล้วครับ", "ขอบคุณครับ")]
    assert chat.unread_count(s, conversation, chat.ADMINS) == 2
    handed = chat.read(s, conversation, chat.ADMINS, after=answer.id, limit=1)
    assert [m.id for m in handed] == [later[0].id]
    assert conversation.admin_read_id == later[0].id
    assert chat.unread_count(s, conversation, chat.ADMINS) == 1


def test_unread_counts_through_the_screens(login_as, dbq):
    officer, admin = login_as("clerk.cdd"), login_as("admin")
    for text in ("ขอเพิ่มผู้ใช้งานใหม่ของกลุ่มงานอำนวยการ", "ชื่อนางสาวสมใจ รักดี ครับ"):
        r = officer.post("/help/send", data={"body": text}, headers=JSON)
        assert r.status_code == 201 and r.json["message"]["mine"] is True
    cid = conversation_of(dbq, "clerk.cdd")

    inbox = admin.get("/help/inbox").get_data(as_text=True)
    assert unread_in_row(inbox, cid) == 2
    assert navbar_badge(inbox) == 2
    page = admin.get(f"/help/conversation/{cid}")
    assert page.status_code == 200 and "ชื่อนางสาวสมใจ รักดี ครับ" in text_of(page)
    inbox = admin.get("/help/inbox").get_data(as_text=True)
    assert unread_in_row(inbox, cid) == 0 and navbar_badge(inbox) == 0

    r = admin.post(f"/help/conversation/{cid}/reply", data={"body": "เพิ่มให้แล้วครับ"},
                   headers=JSON)
    assert r.status_code == 201 and r.json["message"]["mine"] is True
    answer_id = r.json["message"]["id"]
    page = officer.get("/bookings/").get_data(as_text=True)  # any page: the navbar says so
    assert navbar_badge(page) == 1 and 'href="/help/"' in page

    after = dbq(lambda s: s.execute(select(ChatMessage.id).where(
        ChatMessage.conversation_id == cid, ChatMessage.from_admin.is_(False))
        .order_by(ChatMessage.id.desc())).scalars().first())
    r = officer.get(f"/help/poll?conversation={cid}&after={after}")
    assert r.status_code == 200 and r.json["status"] == "open"
    assert [(m["id"], m["body"], m["mine"], m["from_admin"]) for m in r.json["messages"]] == [
        (answer_id, "เพิ่มให้แล้วครับ", False, True)]
    assert navbar_badge(officer.get("/bookings/").get_data(as_text=True)) == 0
    assert officer.get(f"/help/poll?conversation={cid}&after={answer_id}").json["messages"] == []


def test_two_first_messages_at_once_open_one_conversation(app, dbq):
    uid = dbq(lambda s: user(s, "group.dopa").id)

    def write(i):
        with app.app_context():
            try:
                actor = db.session.get(EOfficeUser, uid)
                return chat.send(db.session, actor, f"ข้อความที่ {i}").conversation_id
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(write, range(6)))
    assert len(ids) == 1
    assert len(messages_in(dbq, ids.pop())) == 6


# ---- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_puts_the_longest_waiting_first(ctx):
    s = ctx
    admin = user(s, "admin")
    minutes = [T0 + dt.timedelta(minutes=m) for m in range(40)]
    a = chat.send(s, user(s, "officer.dopa"), "ขอรหัสผ่านใหม่", now=minutes[0]).conversation
    b = chat.leave_message(s, "สมชาย ใจดี", "อำเภอตะกั่วป่า", "0812345678",
                           "เข้าสู่ระบบไม่ได้", now=minutes[5])
    c = chat.send(s, user(s, "officer.cdd"), "พิมพ์รายงานไม่ออก", now=minutes[10]).conversation
    d = chat.send(s, user(s, "clerk.dopa"), "เพิ่มกลุ่มงานอย่างไร", now=minutes[1]).conversation

    ids = {a.id, b.id, c.id, d.id}

    def order():
        """(conversation, unread) as the inbox lists them."""
        return [(row[0].id, row[1]) for row in chat.inbox(s, admin) if row[0].id in ids]

    assert order() == [(a.id, 1), (d.id, 1), (b.id, 1), (c.id, 1)]

    # Answered: no longer waiting, below everyone who is.
    chat.reply(s, admin, a, "ส่งรหัสผ่านใหม่ทางอีเมลแล้ว", now=minutes[12])
    chat.reply(s, admin, d, "เมนูตั้งค่าหน่วยงาน > กลุ่มงาน", now=minutes[14])
    assert a.waiting_since is None and d.waiting_since is None
    # Answered ones: the latest message first; unread counts are per conversation.
    assert [i for i, _n in order()] == [b.id, c.id, d.id, a.id]
    # Writing again keeps one's place (the oldest unanswered message counts)...
    chat.send(s, user(s, "officer.cdd"), "ยังพิมพ์ไม่ออกครับ", now=minutes[15])
    assert c.waiting_since == minutes[10]
    # ... and an answered person who writes again waits from then on.
    chat.send(s, user(s, "officer.dopa"), "ได้รับแล้ว แต่เข้าไม่ได้", now=minutes[20])
    assert a.waiting_since == minutes[20]
    assert order() == [(b.id, 1), (c.id, 2), (a.id, 1), (d.id, 0)]
    assert chat.waited_text(b.waiting_since, minutes[5] + dt.timedelta(seconds=20)) == \
        "ไม่ถึง 1 นาที"
    assert chat.waited_text(b.waiting_since, minutes[30]) == "25 นาที"
    assert chat.waited_text(b.waiting_since, minutes[5] + dt.timedelta(hours=2, minutes=3)) == \
        "2 ชั่วโมง 3 นาที"
    assert chat.waited_text(b.waiting_since, minutes[5] + dt.timedelta(days=3)) == "3 วัน"

    # Closing takes it out of the inbox, marks it read, and is audited.
    chat.close(s, admin, c)
    assert c.status == CLOSED and c.waiting_since is None
    assert chat.unread_count(s, c, chat.ADMINS) == 0
    assert c.id not in [row[0].id for row in chat.inbox(s, admin)]
    logged = s.execute(select(AuditLog).where(AuditLog.action == "chat_close")
                       .order_by(AuditLog.seq.desc())).scalars().first()
    assert logged.target_id == str(c.id) and "กมล สายชล" in logged.detail
    with pytest.raises(ValidationFailed, match="ปิดแล้ว"):
        chat.reply(s, admin, c, "ตอบเพิ่ม")
    with pytest.raises(ValidationFailed, match="ปิดไปแล้ว"):
        chat.close(s, admin, c)
    # The person writes again: a new conversation, not the closed one.
    again = chat.send(s, user(s, "officer.cdd"), "ขอสอบถามอีกเรื่องครับ", now=minutes[31])
    assert again.conversation_id != c.id and again.conversation.status == OPEN

    officer = user(s, "officer.dopa")
    for refused in (lambda: chat.inbox(s, officer), lambda: chat.reply(s, officer, a, "ตอบ"),
                    lambda: chat.close(s, officer, a)):
        with pytest.raises(PermissionDenied):
            refused()


def test_the_inbox_screen_and_closing(login_as, dbq):
    officer, admin = login_as("officer.cdd"), login_as("admin")
    officer.post("/help/send", data={"body": "ไฟล์แนบเปิดไม่ได้"})
    cid = conversation_of(dbq, "officer.cdd")
    row = inbox_row(admin.get("/help/inbox").get_data(as_text=True), cid)
    assert "กมล สายชล" in row and "สำนักงานพัฒนาชุมชนจังหวัดพังงา" in row
    assert "ไฟล์แนบเปิดไม่ได้" in row and 'class="text-danger"' in row  # waiting
    assert inbox_row(admin.get("/help/inbox/rows").get_data(as_text=True), cid)  # the refresh

    admin.post(f"/help/conversation/{cid}/reply", data={"body": "ลองเปิดด้วย Firefox ครับ"})
    row = inbox_row(admin.get("/help/inbox").get_data(as_text=True), cid)
    assert "ตอบแล้ว" in row

    r = admin.post(f"/help/conversation/{cid}/close", follow_redirects=True)
    assert "ปิดการสนทนากับกมล สายชลแล้ว" in text_of(r)
    assert f'id="conversation-{cid}"' not in admin.get("/help/inbox/rows").get_data(as_text=True)
    r = admin.post(f"/help/conversation/{cid}/reply", data={"body": "อีกข้อความ"}, headers=JSON)
    assert r.status_code == 422 and "ปิดแล้ว" in r.json["message"]

    # The user sees it closed (on the page and in the poll), and writing opens a new one.
    page = officer.get("/help/").get_data(as_text=True)
    assert 'id="chat-closed">' in page and "ลองเปิดด้วย Firefox ครับ" in page
    assert officer.get(f"/help/poll?conversation={cid}").json["status"] == "closed"
    r = officer.post("/help/send", data={"body": "อีกเรื่องครับ", "conversation": str(cid)},
                     headers=JSON)
    assert r.status_code == 201 and r.json["conversation"] != cid
    assert dbq(lambda s: s.get(Conversation, cid).status) == CLOSED


@pytest.mark.parametrize("username", ["central", "clerk.dopa", "group.dopa", "officer.dopa"])
def test_levels_2_to_5_cannot_open_the_inbox(login_as, dbq, username):
    login_as("officer.cdd").post("/help/send", data={"body": "ขอคู่มือการใช้งาน"})
    cid = conversation_of(dbq, "officer.cdd")
    c = login_as(username)
    for path in ("/help/inbox", "/help/inbox/rows", f"/help/conversation/{cid}"):
        r = c.get(path)
        assert r.status_code in (302, 403), path
        assert "ขอคู่มือการใช้งาน" not in r.get_data(as_text=True)
    c.post(f"/help/conversation/{cid}/reply", data={"body": "ตอบแทน"})
    c.post(f"/help/conversation/{cid}/close")
    assert messages_in(dbq, cid) == ["ขอคู่มือการใช้งาน"]
    assert dbq(lambda s: s.get(Conversation, cid).status) == OPEN
    assert 'href="/help/inbox"' not in c.get("/help/").get_data(as_text=True)  # no menu link
    assert login_as("admin").get("/help/inbox").status_code == 200


# ---- one user, another's conversation -----------------------------------------------------------


def test_a_user_never_reaches_another_users_conversation(login_as, dbq):
    owner, other = login_as("officer.dopa"), login_as("officer.cdd")
    conversations_of_other = dbq(lambda s: s.execute(select(Conversation.id).join(
        EOfficeUser, Conversation.user_id == EOfficeUser.id).where(
        EOfficeUser.username == "officer.cdd")).scalars().all())
    owner.post("/help/send", data={"body": "ข้อมูลส่วนตัวของฉัน: เบอร์บ้าน 076-000000"})
    cid = conversation_of(dbq, "officer.dopa")
    missing = dbq(lambda s: (s.execute(select(Conversation.id).order_by(
        Conversation.id.desc())).scalars().first() or 0) + 1000)

    # Read, poll, send into: the same 404 as a conversation that does not exist.
    theirs, nothing = other.get(f"/help/poll?conversation={cid}"), \
        other.get(f"/help/poll?conversation={missing}")
    assert theirs.status_code == nothing.status_code == 404 and theirs.json == nothing.json
    assert other.get(f"/help/poll?conversation={cid}&after=0").status_code == 404
    assert other.get("/help/poll?conversation=abc").status_code == 404
    r = other.post("/help/send", data={"body": "แทรกเข้ามา", "conversation": str(cid)},
                   headers=JSON)
    assert r.status_code == 404 and r.json == nothing.json
    r = other.post("/help/send", data={"body": "แทรกเข้ามา", "conversation": str(cid)})
    assert r.status_code == 404
    assert other.get(f"/help/conversation/{cid}").status_code in (302, 403)
    assert "เบอร์บ้าน" not in other.get("/help/").get_data(as_text=True)
    assert messages_in(dbq, cid) == ["ข้อมูลส่วนตัวของฉัน: เบอร์บ้าน 076-000000"]
    assert dbq(lambda s: s.execute(select(Conversation.id).join(
        EOfficeUser, Conversation.user_id == EOfficeUser.id).where(
        EOfficeUser.username == "officer.cdd")).scalars().all()) == conversations_of_other
    # The owner polls it; nobody reading it moved its read marks.
    assert owner.get(f"/help/poll?conversation={cid}").status_code == 200
    assert dbq(lambda s: s.get(Conversation, cid).admin_read_id) == 0


# ---- what is typed ------------------------------------------------------------------------------


def test_empty_or_too_long_messages_are_refused_and_nothing_stored(login_as, dbq):
    c = login_as("group.dopa")
    before = dbq.count(ChatMessage)
    for body, message in (("", "กรุณาพิมพ์ข้อความ"), ("  \n\t ", "กรุณาพิมพ์ข้อความ"),
                          ("ก" * 2001, "ข้อความยาวเกิน 2,000 ตัวอักษร")):
        r = c.post("/help/send", data={"body": body}, headers=JSON)
        assert r.status_code == 422 and message in r.json["message"]
        r = c.post("/help/send", data={"body": body}, follow_redirects=True)  # without script
        assert message in text_of(r)
    assert dbq.count(ChatMessage) == before
    assert dbq(lambda s: s.execute(select(Conversation.id).join(
        EOfficeUser, Conversation.user_id == EOfficeUser.id).where(
        EOfficeUser.username == "group.dopa", Conversation.status == OPEN)).first()) is None
    r = c.post("/help/send", data={"body": "ข" * 2000}, headers=JSON)
    assert r.status_code == 201 and len(r.json["message"]["body"]) == 2000
    r = c.post("/help/send", data={"body": "  บรรทัดแรก\r\nบรรทัดสอง  "}, headers=JSON)
    assert r.json["message"]["body"] == "บรรทัดแรก\nบรรทัดสอง"
    # A NUL byte is refused at the edge (app/views/inputs.py), with the field, storing nothing.
    before = dbq.count(ChatMessage)
    r = c.post("/help/send", data={"body": "บรรทัดสอง\x00"}, headers=JSON)
    assert r.status_code == 400 and r.json["field"] == "body" and "NUL" in r.json["message"]
    assert dbq.count(ChatMessage) == before


def test_what_people_type_is_never_read_as_html(app, login_as, dbq):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    officer, admin = login_as("officer.dopa"), login_as("admin")
    officer.post("/help/send", data={"body": attack})
    r = guest_client(app, "10.1.0.1").post("/help/guest", data={
        "name": "<b>แขก</b>", "agency": "<i>หน่วยงาน</i>", "phone": "081-111-2222", "body": attack})
    assert r.status_code == 302
    cid = conversation_of(dbq, "officer.dopa")
    gid = dbq(lambda s: s.execute(select(Conversation.id).where(
        Conversation.guest_phone == "081-111-2222")).scalars().first())
    pages = [officer.get("/help/"), admin.get("/help/inbox"), admin.get("/help/inbox/rows"),
             admin.get(f"/help/conversation/{cid}"), admin.get(f"/help/conversation/{gid}")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<b>แขก" not in html and "<i>หน่วยงาน" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages[0].get_data(as_text=True)
    assert "&lt;b&gt;แขก&lt;/b&gt;" in pages[4].get_data(as_text=True)
    # The poll hands the text over as JSON, which chat.js puts in with textContent only.
    r = officer.get(f"/help/poll?conversation={cid}")
    assert r.mimetype == "application/json" and r.json["messages"][-1]["body"] == attack
    with open(app.root_path + "/static/js/chat.js", encoding="utf-8") as f:
        script = f.read()
    assert "textContent = m.body" in script and "innerHTML = m" not in script


@pytest.mark.parametrize("typed,stored", [
    ("0812345678", "081-234-5678"),
    ("๐๘๑-๒๓๔-๕๖๗๘", "081-234-5678"),
    ("+66 81 234 5678", "081-234-5678"),
    ("(02) 123 4567", "02-123-4567"),
    ("076-412003", "076-412003"),
    ("076 412 003 ต่อ 12", "076-412003 ต่อ 12"),
    ("076412003 #105", "076-412003 ต่อ 105"),
    ("0612345678", "061-234-5678"),
])
def test_thai_phone_numbers(typed, stored):
    assert chat.normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "081234567", "08123456789", "0112345678",
                                   "abc", "1669", "+1 415 555 0100"])
def test_what_is_not_a_thai_phone_number(typed):
    with pytest.raises(ValidationFailed, match="โทรศัพท์"):
        chat.normalise_phone(typed)


# ---- someone who cannot log in ------------------------------------------------------------------


def test_a_message_left_without_login_reaches_the_inbox_with_its_phone(app, login_as, dbq):
    visitor = guest_client(app, "10.2.0.1")
    login_page = visitor.get("/login/")
    assert 'id="guest-form"' in login_page.get_data(as_text=True)
    assert 'action="/help/guest"' in login_page.get_data(as_text=True)
    before = dbq.count(Conversation)

    form = {"name": "นายสมชาย ใจดี", "agency": "ที่ว่าการอำเภอตะกั่วทุ่ง",
            "phone": "๐๘๙ ๑๒๓ ๔๕๖๗", "body": "ลืมรหัสผ่าน เข้าระบบไม่ได้ครับ"}
    for bad, message in (({"phone": "1234"}, "หมายเลขโทรศัพท์ไม่ถูกต้อง"),
                         ({"phone": ""}, "กรุณากรอกหมายเลขโทรศัพท์"),
                         ({"name": " "}, "กรุณากรอกชื่อผู้ติดต่อ"),
                         ({"body": ""}, "กรุณาพิมพ์ข้อความ"),
                         ({"body": "ก" * 2001}, "ข้อความยาวเกิน 2,000 ตัวอักษร")):
        r = visitor.post("/help/guest", data={**form, **bad})
        assert r.status_code == 200 and message in text_of(r)
        assert 'value="ที่ว่าการอำเภอตะกั่วทุ่ง"' in r.get_data(as_text=True)  # typed, kept
    assert dbq.count(Conversation) == before

    r = visitor.post("/help/guest", data=form)
    assert r.status_code == 302 and r.headers["Location"].endswith("/login/")
    assert "ผู้ดูแลระบบจะติดต่อกลับที่หมายเลข 089-123-4567" in text_of(visitor.get("/login/"))
    stored = dbq(lambda s: s.execute(select(Conversation).order_by(Conversation.id.desc()))
                 .scalars().first())
    assert (stored.user_id, stored.guest_name, stored.guest_agency, stored.guest_phone) == (
        None, "นายสมชาย ใจดี", "ที่ว่าการอำเภอตะกั่วทุ่ง", "089-123-4567")
    assert stored.waiting_since is not None
    assert messages_in(dbq, stored.id) == ["ลืมรหัสผ่าน เข้าระบบไม่ได้ครับ"]

    admin = login_as("admin")
    inbox = admin.get("/help/inbox").get_data(as_text=True)
    row = inbox_row(inbox, stored.id)
    assert "นายสมชาย ใจดี" in row and "089-123-4567" in row and "ไม่ได้เข้าสู่ระบบ" in row
    assert "ที่ว่าการอำเภอตะกั่วทุ่ง" in row and unread_in_row(inbox, stored.id) == 1
    page = admin.get(f"/help/conversation/{stored.id}")
    assert 'href="tel:0891234567"' in page.get_data(as_text=True)
    assert "กรุณาโทรกลับ" in text_of(page)
    admin.post(f"/help/conversation/{stored.id}/reply", data={"body": "โทรกลับแล้ว รีเซ็ตรหัสผ่านให้"})
    assert admin.post(f"/help/conversation/{stored.id}/close").status_code == 302
    # A poll of a guest conversation is the administrators' only.
    assert login_as("officer.dopa").get(
        f"/help/poll?conversation={stored.id}").status_code == 404
    # Logged in, the form is not for you: your own page is.
    r = admin.post("/help/guest", data=form)
    assert r.status_code == 302 and r.headers["Location"].endswith("/help/")


def test_messages_left_without_login_are_rate_limited_per_address(app, dbq):
    kept = {k: app.config.get(k) for k in ("HELP_GUEST_RATE_LIMIT", "WTF_CSRF_ENABLED")}
    app.config.update(HELP_GUEST_RATE_LIMIT="2 per hour", WTF_CSRF_ENABLED=True)
    try:
        visitor = guest_client(app, "10.3.0.1")
        page = visitor.get("/login/").get_data(as_text=True)
        token = re.search(r'id="guest-form">\s*<input type="hidden" name="csrf_token" '
                          r'value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "name": "ผู้ทดสอบ", "phone": "0812223333",
                "body": "ข้อความทดสอบ"}
        before = dbq.count(Conversation)
        # CSRF stays on for this form, as for the login beside it.
        r = visitor.post("/help/guest", data={k: v for k, v in form.items() if k != "csrf_token"})
        assert r.status_code == 400 and dbq.count(Conversation) == before
        # A mistyped number stores nothing and does not use up the allowance.
        assert visitor.post("/help/guest", data={**form, "phone": "12"}).status_code == 200
        assert [visitor.post("/help/guest", data=form).status_code for _ in range(2)] == [302, 302]
        assert dbq.count(Conversation) == before + 2
        r = visitor.post("/help/guest", data={**form, "body": "ข้อความที่เกิน"})
        assert r.status_code == 429
        assert "ฝากข้อความจากเครื่องนี้ครบ 2 ครั้งต่อชั่วโมงแล้ว" in text_of(r)
        assert "ยังไม่ได้บันทึกข้อความนี้" in text_of(r)
        assert dbq.count(Conversation) == before + 2
        assert "ข้อความที่เกิน" not in dbq(lambda s: s.execute(
            select(ChatMessage.body)).scalars().all())
        # The form itself still opens; another address still may.
        assert visitor.get("/help/guest").status_code == 200
        assert visitor.get("/login/").status_code == 200
        other = guest_client(app, "10.3.0.2")
        other_token = re.search(r'name="csrf_token" value="([^"]+)"',
                                other.get("/help/guest").get_data(as_text=True)).group(1)
        assert other.post("/help/guest", data={**form, "csrf_token": other_token}).status_code \
            == 302
    finally:
        app.config.update(kept)


# ---- administrators online ----------------------------------------------------------------------


def set_seen(dbq, username, when):
    dbq(lambda s: (s.execute(update(EOfficeUser).where(EOfficeUser.username == username)
                             .values(last_seen_at=when)), s.commit()))


def seen(dbq, username):
    return dbq(lambda s: s.execute(select(EOfficeUser.last_seen_at)
                                   .where(EOfficeUser.username == username)).scalar_one())


def shown(html):
    """Which of the two "administrator online" lines a page shows (the other is hidden)."""
    lines = {ident: cls for cls, ident in re.findall(
        r'<p class="([^"]*)" id="(admin-(?:online|offline))"', html)}
    visible = [ident for ident, cls in lines.items() if "hidden" not in cls.split()]
    assert len(lines) == 2 and len(visible) == 1, lines
    return visible[0]


def test_the_login_page_says_whether_an_administrator_is_online(client, login_as, dbq):
    set_seen(dbq, "admin", thai.utcnow())
    assert shown(client.get("/login/").get_data(as_text=True)) == "admin-online"
    set_seen(dbq, "admin", thai.utcnow() - dt.timedelta(minutes=6))
    assert shown(client.get("/login/").get_data(as_text=True)) == "admin-offline"
    set_seen(dbq, "admin", None)
    assert shown(client.get("/login/").get_data(as_text=True)) == "admin-offline"
    # A user's chat page learns it by polling, as administrators come and go.
    officer = login_as("officer.cdd")
    officer.post("/help/send", data={"body": "สอบถามการเปลี่ยนรหัสผ่าน"})
    conversation = re.search(r'data-conversation="(\d+)"',
                             officer.get("/help/").get_data(as_text=True))
    assert conversation, "the user's page names its conversation"
    poll = f"/help/poll?conversation={conversation.group(1)}&after=0"
    assert officer.get(poll).get_json()["admin_online"] is False
    set_seen(dbq, "admin", thai.utcnow())
    assert officer.get(poll).get_json()["admin_online"] is True


def test_an_administrators_requests_stamp_last_seen_once_a_minute(login_as, dbq):
    admin = login_as("admin")
    set_seen(dbq, "admin", None)
    admin.get("/eoffice/static/js/chat.js")  # static files do not count
    admin.get("/help/inbox/rows")  # nor the inbox page refreshing itself
    assert seen(dbq, "admin") is None
    admin.get("/help/inbox")
    stamped = seen(dbq, "admin")
    assert stamped is not None and abs(thai.utcnow() - stamped) < dt.timedelta(seconds=30)
    half_a_minute_ago = thai.utcnow() - dt.timedelta(seconds=30)
    set_seen(dbq, "admin", half_a_minute_ago)
    admin.get("/help/inbox")
    assert seen(dbq, "admin") == half_a_minute_ago  # not written again within the minute
    set_seen(dbq, "admin", thai.utcnow() - dt.timedelta(minutes=2))
    admin.get("/help/inbox")
    assert thai.utcnow() - seen(dbq, "admin") < dt.timedelta(seconds=30)
    # Other levels are not "seen": only an administrator's presence is shown.
    set_seen(dbq, "officer.dopa", None)
    login_as("officer.dopa").get("/help/")
    assert seen(dbq, "officer.dopa") is None
    # Being seen is not an audited change of the user.
    assert dbq(lambda s: s.execute(select(AuditLog).where(
        AuditLog.detail.like("%last_seen_at%"))).first()) is None


def test_a_failing_stamp_never_breaks_the_request(app, login_as, dbq, monkeypatch):
    admin = login_as("admin")
    set_seen(dbq, "admin", None)

    def broken(*args, **kwargs):
        raise RuntimeError("the database is away")

    monkeypatch.setattr(chat, "stamp_seen", broken)
    assert admin.get("/help/inbox").status_code == 200
    assert seen(dbq, "admin") is None
