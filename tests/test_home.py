"""The home page (app/views/home.py, app/services/home.py): what needs each user, today's
agenda and bookings, and for the clerks the letters registered per month, counted by the
Bangkok calendar on either database."""

import datetime as dt
import re

from sqlalchemy import select

from app import thai
from app.extensions import db
from app.models.filetracking import Executive
from app.models.rooms import Room
from app.services import agenda, dispatch, home, rooms
from app.services import correspondence as svc
from tests.conftest import agency, text_of, user


def letter(session, username, code, subject, now=None):
    return svc.register_entry(session, user(session, username), code, {
        "sender": "กระทรวงมหาดไทย", "doc_number": "มท 0208.5/ว 1", "subject": subject,
        "receiver": "ผู้ว่าราชการจังหวัดพังงา", "speed": "normal", "secrecy": "normal"},
        now=now)


def needs_of(page):
    """{need id: count} as the home page shows them."""
    html = page.get_data(as_text=True)
    return {key: int(n) for key, n in re.findall(
        r'id="need-(\w+)"[^>]*>\s*<span class="badge">(\d+)</span>', html)}


def test_the_home_page_counts_what_waits_for_each_user(app, login_as):
    officer = login_as("officer.cdd")
    page = officer.get("/")
    assert page.status_code == 200 and needs_of(page) == {}
    assert "ไม่มีงานค้าง" in text_of(page)
    with app.test_request_context():
        s = db.session
        entry = letter(s, "central", "province_in", "ขอเชิญประชุมคณะกรรมการจังหวัด")
        dispatch.dispatch(s, user(s, "central"), entry, [agency(s, "พง 0016.1").id])
        db.session.remove()
    assert needs_of(login_as("clerk.dopa").get("/")).get("inbox") == 1
    assert "inbox" not in needs_of(login_as("clerk.cdd").get("/"))
    # A booking of the agency's room waits for its clerk's approval, not another agency's.
    with app.test_request_context():
        s = db.session
        room = s.execute(select(Room).where(Room.name == "ห้องประชุมที่ทำการปกครองจังหวัด")).scalar_one()
        start = dt.datetime.now().replace(microsecond=0) + dt.timedelta(days=2)
        rooms.book(s, user(s, "officer.cdd"), room.id, {
            "title": "ประชุมชี้แจง", "attendees": 5, "starts_at": start,
            "ends_at": start + dt.timedelta(hours=1)})
        db.session.remove()
    assert needs_of(login_as("clerk.dopa").get("/")).get("bookings") == 1
    assert "bookings" not in needs_of(login_as("clerk.cdd").get("/"))
    assert needs_of(login_as("admin").get("/")).get("bookings", 0) >= 1


def test_anonymous_visitors_are_sent_to_the_login_page(app):
    r = app.test_client().get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_today_public_agenda_and_bookings_are_on_the_home_page(app, login_as):
    with app.test_request_context():
        s = db.session
        governor = s.execute(select(Executive).where(Executive.kind == "governor")).scalar_one()
        today = thai.today()
        late = dt.datetime.combine(today, dt.time(23, 0))
        welcome = agenda.save(s, user(s, "secretary"), {
            "executive_id": governor.id, "title": "ต้อนรับคณะรัฐมนตรี", "place": "ศาลากลาง",
            "public": True, "starts_at": late, "ends_at": late + dt.timedelta(minutes=30)})
        agenda.save(s, user(s, "secretary"), {
            "executive_id": governor.id, "title": "ธุระส่วนตัวของท่าน", "public": False,
            "starts_at": late, "ends_at": late + dt.timedelta(minutes=30)}, confirmed={welcome.id})
        room = s.execute(select(Room).where(Room.name == "ห้องประชุมที่ทำการปกครองจังหวัด")).scalar_one()
        # Booked as if at midnight: whatever the hour the test runs, 23:00 today is ahead.
        rooms.book(s, user(s, "officer.dopa"), room.id, {
            "title": "ประชุมประจำสัปดาห์ฝ่ายความมั่นคง", "attendees": 5,
            "starts_at": late, "ends_at": late + dt.timedelta(minutes=30)},
            now=thai.to_utc(dt.datetime.combine(today, dt.time())))
        db.session.remove()
    seen = text_of(login_as("officer.cdd").get("/"))
    assert "ต้อนรับคณะรัฐมนตรี" in seen and "23:00-23:30" in seen
    assert "ธุระส่วนตัวของท่าน" not in seen
    assert "ประชุมประจำสัปดาห์ฝ่ายความมั่นคง" not in seen  # another agency's room
    seen = text_of(login_as("group.dopa").get("/"))
    assert "ประชุมประจำสัปดาห์ฝ่ายความมั่นคง" in seen and "รออนุมัติ" in seen


def test_letters_per_month_count_by_the_bangkok_calendar(app):
    with app.test_request_context():
        s = db.session
        clerk = user(s, "clerk.cdd")
        # 31 Oct 2026 18:00 UTC is 1 Nov 01:00 in Bangkok: a November letter.
        letter(s, "clerk.cdd", "agency_in", "ตุลาคมตามเวลาสากล", now=dt.datetime(2026, 10, 31, 18))
        letter(s, "clerk.cdd", "agency_in", "ตุลาคม", now=dt.datetime(2026, 10, 20, 3))
        for i in range(3):
            letter(s, "clerk.cdd", "out_normal", f"ส่งที่ {i}", now=dt.datetime(2026, 11, 2, 3))
        svc.reserve(s, clerk, "out_normal", 2, now=dt.datetime(2026, 11, 3, 3))  # not letters
        letter(s, "clerk.dopa", "agency_in", "ของหน่วยงานอื่น", now=dt.datetime(2026, 11, 5, 3))
        series = home.letters_per_month(s, clerk, dt.date(2026, 11, 26))
        assert len(series) == 12 and series[0][0] == dt.date(2025, 12, 1)
        assert series[-1] == (dt.date(2026, 11, 1), 1, 3)
        assert series[-2] == (dt.date(2026, 10, 1), 1, 0)
        assert sum(i + o for _d, i, o in series) == 5
        # The central registry counts the province's incoming register only where it keeps it.
        assert home.letters_per_month(s, user(s, "clerk.dopa"), dt.date(2026, 11, 26))[-1] \
            == (dt.date(2026, 11, 1), 1, 0)
        # An officer keeps no register: nothing to count.
        officer = user(s, "officer.cdd")
        assert sum(i + o for _d, i, o in home.letters_per_month(s, officer, dt.date(2026, 11, 26))) == 0
        drawn = home.chart(series)
        assert drawn["total"] == 5 and len(drawn["bars"]) == 24
        tallest = max(drawn["bars"], key=lambda b: b.height)
        assert tallest.value == 3 and tallest.kind == "out"
        db.session.remove()


def test_only_the_clerks_see_the_chart(app, login_as):
    for username in ("admin", "central", "clerk.dopa", "group.dopa"):
        assert 'id="letters-chart"' in login_as(username).get("/").get_data(as_text=True)
    for username in ("officer.dopa", "secretary"):
        assert 'id="letters-chart"' not in login_as(username).get("/").get_data(as_text=True)

