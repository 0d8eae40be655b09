"""The executives' agenda (app/services/agenda.py, app/views/agenda.py), on the real database:
appointments entered by the secretaries only; a double-booked executive is a warning the
secretary confirms, not a refusal; everyone reads the public ones by day and week; the PDF and
the .ics feed per executive (parsed back with the icalendar package)."""

import datetime as dt
import re

import icalendar
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.agenda import ACTIVE, CANCELLED, Appointment
from app.models.filetracking import Executive
from app.services import agenda
from app.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import text_of, user
from tests.pdftext import pdf_text

NOW = dt.datetime(2026, 11, 26, 3, 0)  # 10:00 in Bangkok, as stored (UTC)


def executive(session, kind):
    return session.execute(select(Executive).where(Executive.kind == kind)
                           .order_by(Executive.id)).scalars().first()


def when(day, start, end, **fields):
    """Bangkok wall-clock times on 2027-01-``day``."""
    return {"title": "ประชุมคณะกรรมการจังหวัด", "place": "ห้องประชุมพังงาราชานุสรณ์",
            "public": True, "starts_at": dt.datetime(2027, 1, day, *start),
            "ends_at": dt.datetime(2027, 1, day, *end), **fields}


def count(session):
    return session.query(Appointment).count()


def test_only_the_secretaries_and_the_administrator_enter_appointments(ctx):
    s = ctx
    governor = executive(s, "governor")
    data = when(4, (9, 0), (10, 0), executive_id=governor.id)
    before = count(s)
    for username in ("officer.dopa", "clerk.dopa", "central", "group.dopa"):
        with pytest.raises(PermissionDenied):
            agenda.save(s, user(s, username), data, now=NOW)
    assert count(s) == before
    a = agenda.save(s, user(s, "secretary"), data, now=NOW)
    assert a.status == ACTIVE and a.starts_at == dt.datetime(2027, 1, 4, 2, 0)
    assert a.created_by.username == "secretary"
    b = agenda.save(s, user(s, "admin"), when(4, (13, 0), (14, 0), executive_id=governor.id),
                    now=NOW)
    assert count(s) == before + 2 and b.id != a.id


@pytest.mark.parametrize("change, message", [
    ({"title": "  "}, "กรุณากรอกเรื่อง"),
    ({"title": "ก" * 256}, "เรื่องยาวเกิน 255 ตัวอักษร"),
    ({"executive_id": 9999}, "กรุณาเลือกผู้บริหาร"),
    ({"executive_id": None}, "กรุณาเลือกผู้บริหาร"),
    ({"ends_at": dt.datetime(2027, 1, 5, 9, 0)}, "เวลาสิ้นสุดต้องหลังเวลาเริ่ม"),
    ({"ends_at": dt.datetime(2027, 1, 5, 10, 0)}, "เวลาสิ้นสุดต้องหลังเวลาเริ่ม"),
    ({"ends_at": dt.datetime(2027, 1, 25, 10, 0)}, "ยาวได้ไม่เกิน 14 วัน"),
    ({"starts_at": None}, "กรุณากรอกวันและเวลาเริ่ม"),
    ({"place": "ก" * 256}, "สถานที่ยาวเกิน 255 ตัวอักษร"),
    ({"notes": "ก" * 2001}, "หมายเหตุยาวเกิน 2,000 ตัวอักษร"),
])
def test_a_bad_appointment_is_refused_in_thai_and_saves_nothing(ctx, change, message):
    s = ctx
    data = when(5, (10, 0), (11, 0), executive_id=executive(s, "deputy").id) | change
    before = count(s)
    with pytest.raises(ValidationFailed) as refused:
        agenda.save(s, user(s, "secretary"), data, now=NOW)
    assert message in str(refused.value)
    assert count(s) == before


def test_a_double_booked_executive_is_warned_and_the_secretary_may_confirm(ctx):
    s = ctx
    deputy = executive(s, "deputy")
    sec = user(s, "secretary")
    first = agenda.save(s, sec, when(6, (9, 0), (12, 0), executive_id=deputy.id,
                                     title="ตรวจราชการอำเภอตะกั่วป่า"), now=NOW)
    before = count(s)
    with pytest.raises(agenda.DoubleBooked) as warned:
        agenda.save(s, sec, when(6, (11, 0), (13, 0), executive_id=deputy.id,
                                 title="ประชุม กบจ."), now=NOW)
    assert [a.id for a in warned.value.clashes] == [first.id]
    assert "ตรวจราชการอำเภอตะกั่วป่า" in str(warned.value)
    assert "6 ม.ค. 2570 09:00-12:00 น." in str(warned.value)
    assert count(s) == before
    # Confirming other appointments than the ones it clashes with is no confirmation.
    with pytest.raises(agenda.DoubleBooked):
        agenda.save(s, sec, when(6, (11, 0), (13, 0), executive_id=deputy.id),
                    confirmed={first.id + 1000}, now=NOW)
    second = agenda.save(s, sec, when(6, (11, 0), (13, 0), executive_id=deputy.id,
                                      title="ประชุม กบจ.", attended_by="ปลัดจังหวัด"),
                         confirmed={first.id}, now=NOW)
    assert count(s) == before + 1 and second.attended_by == "ปลัดจังหวัด"
    # Touching ends, another executive and a cancelled appointment are no clash.
    agenda.save(s, sec, when(6, (13, 0), (14, 0), executive_id=deputy.id), now=NOW)
    agenda.save(s, sec, when(6, (9, 0), (12, 0), executive_id=executive(s, "governor").id),
                now=NOW)
    agenda.cancel(s, sec, first, now=NOW)
    agenda.save(s, sec, when(6, (8, 0), (10, 0), executive_id=deputy.id), now=NOW)


def test_a_change_is_warned_too_and_a_cancelled_appointment_stays_cancelled(ctx):
    s = ctx
    chief = executive(s, "chief")
    sec = user(s, "secretary")
    a = agenda.save(s, sec, when(7, (9, 0), (10, 0), executive_id=chief.id), now=NOW)
    b = agenda.save(s, sec, when(7, (10, 0), (11, 0), executive_id=chief.id), now=NOW)
    with pytest.raises(agenda.DoubleBooked):
        agenda.save(s, sec, when(7, (9, 30), (11, 0), executive_id=chief.id), appointment=b,
                    now=NOW)
    s.refresh(b)
    assert b.starts_at == dt.datetime(2027, 1, 7, 3, 0)  # unchanged
    agenda.save(s, sec, when(7, (10, 30), (11, 30), executive_id=chief.id, title="ย้ายเวลา"),
                appointment=b, now=NOW)
    assert b.title == "ย้ายเวลา" and b.changed_by.username == "secretary"
    agenda.cancel(s, sec, a, now=NOW)
    assert a.status == CANCELLED
    with pytest.raises(ValidationFailed, match="ยกเลิกไปแล้ว"):
        agenda.cancel(s, sec, a, now=NOW)
    with pytest.raises(ValidationFailed, match="แก้ไขไม่ได้"):
        agenda.save(s, sec, when(8, (9, 0), (10, 0), executive_id=chief.id), appointment=a,
                    now=NOW)
    with pytest.raises(PermissionDenied):
        agenda.cancel(s, user(s, "officer.dopa"), b, now=NOW)
    assert b.status == ACTIVE


def test_everyone_reads_the_public_ones_and_the_secretaries_all(ctx):
    s = ctx
    governor = executive(s, "governor")
    sec = user(s, "secretary")
    public = agenda.save(s, sec, when(11, (9, 0), (10, 0), executive_id=governor.id,
                                      title="เปิดงานกาชาด"), now=NOW)
    private = agenda.save(s, sec, when(11, (13, 0), (14, 0), executive_id=governor.id,
                                       title="พบแพทย์", public=False), now=NOW)
    dropped = agenda.save(s, sec, when(11, (15, 0), (16, 0), executive_id=governor.id,
                                       title="งดประชุม"), now=NOW)
    agenda.cancel(s, sec, dropped, now=NOW)
    day = dt.date(2027, 1, 11)
    assert [a.id for a in agenda.between(s, day, day)] == [public.id]
    assert [a.id for a in agenda.between(s, day, day, everything=True)] == \
        [public.id, private.id, dropped.id]
    assert agenda.today_public(s, now=dt.datetime(2027, 1, 10, 18, 0)) == [public]  # 01:00 BKK
    assert agenda.today_public(s, now=dt.datetime(2027, 1, 11, 17, 0)) == []  # 12 Jan BKK


def test_the_ics_feed_per_executive_parses_back_and_needs_its_token(app, ctx):
    s = ctx
    deputies = s.execute(select(Executive).where(Executive.kind == "deputy")
                         .order_by(Executive.id)).scalars().all()
    sec = user(s, "secretary")
    today = dt.datetime.utcnow().date()
    start = dt.datetime.combine(today + dt.timedelta(days=3), dt.time(9, 30))
    mine = agenda.save(s, sec, {"executive_id": deputies[0].id, "place": "ศาลากลาง; ชั้น 3",
                                "title": "ประชุม, วาระพิเศษ " + "ก" * 60, "public": False,
                                "starts_at": start, "ends_at": start + dt.timedelta(hours=2),
                                "attended_by": "ปลัดจังหวัด"})
    gone = agenda.save(s, sec, {"executive_id": deputies[0].id, "title": "งดประชุม",
                                "starts_at": start + dt.timedelta(hours=3),
                                "ends_at": start + dt.timedelta(hours=4)})
    agenda.cancel(s, sec, gone)
    other = agenda.save(s, sec, {"executive_id": deputies[1].id, "title": "ของท่านอื่น",
                                 "starts_at": start, "ends_at": start + dt.timedelta(hours=1)})
    token = agenda.feed_token(deputies[0].id)
    client = app.test_client()  # no login: a calendar application cannot log in
    assert client.get(f"/agenda/feed/{deputies[0].id}.ics").status_code == 404
    assert client.get(f"/agenda/feed/{deputies[0].id}.ics?token={token[:-1]}x").status_code == 404
    assert client.get(f"/agenda/feed/{deputies[1].id}.ics?token={token}").status_code == 404
    r = client.get(f"/agenda/feed/{deputies[0].id}.ics?token={token}")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    text = r.get_data(as_text=True)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}
    assert f"appointment-{other.id}" not in events
    event = events[f"appointment-{mine.id}"]
    assert str(event["SUMMARY"]) == mine.title
    assert str(event["LOCATION"]) == "ศาลากลาง; ชั้น 3"
    assert "ผู้ไปแทน ปลัดจังหวัด" in str(event["DESCRIPTION"])
    assert event["DTSTART"].dt == (start - dt.timedelta(hours=7)).replace(tzinfo=dt.timezone.utc)
    assert event["DTEND"].dt == (start - dt.timedelta(hours=5)).replace(tzinfo=dt.timezone.utc)
    assert str(events[f"appointment-{gone.id}"]["STATUS"]) == "CANCELLED"


# ---- screens ---------------------------------------------------------------------------------


def test_the_day_and_week_pages_show_what_each_may_read(app, login_as):
    with app.app_context():
        s = db.session
        governor = executive(s, "governor")
        sec = user(s, "secretary")
        agenda.save(s, sec, when(18, (9, 0), (10, 0), executive_id=governor.id,
                                 title="ประชุมหัวหน้าส่วนราชการ"), now=NOW)
        agenda.save(s, sec, when(18, (14, 0), (15, 0), executive_id=governor.id,
                                 title="นัดส่วนตัว", public=False), now=NOW)
        db.session.remove()
    officer, secretary = login_as("officer.dopa"), login_as("secretary")
    for page in ("/agenda/?day=18/01/2570", "/agenda/week?day=20/01/2570"):
        seen = text_of(officer.get(page))
        assert "ประชุมหัวหน้าส่วนราชการ" in seen and "นัดส่วนตัว" not in seen
        assert "ลงนัดหมาย" not in seen
        seen = text_of(secretary.get(page))
        assert "ประชุมหัวหน้าส่วนราชการ" in seen and "นัดส่วนตัว" in seen
        assert "ไม่เผยแพร่" in seen
    week = text_of(officer.get("/agenda/week?day=20/01/2570"))
    assert "วันจันทร์ที่ 18 มกราคม 2570" in week
    assert re.search(r"วันจันทร์ที่ 18 มกราคม 2570 .*09:00-10:00 น\. .*ประชุมหัวหน้าส่วนราชการ", week)
    # An officer may not enter one: refused, nothing saved.
    with app.app_context():
        before = count(db.session)
    r = officer.post("/agenda/new", data={"executive_id": "1", "title": "แอบลง",
                                          "day": "19/01/2570", "start": "09:00", "end": "10:00"})
    assert r.status_code in (302, 403)
    with app.app_context():
        assert count(db.session) == before


def test_the_form_warns_of_a_double_booking_before_saving_it(app, login_as, dbq):
    secretary = login_as("secretary")
    with app.app_context():
        deputy_id = executive(db.session, "deputy").id
    form = {"executive_id": str(deputy_id), "title": "ประชุมคณะกรรมการพัฒนาจังหวัด",
            "day": "21/01/2570", "start": "09:00", "end": "12:00", "public": "y"}
    r = secretary.post("/agenda/new", data=form)
    assert r.status_code == 302
    before = dbq.count(Appointment)
    clash = form | {"title": "ต้อนรับคณะผู้ตรวจราชการ", "start": "10:00", "end": "11:00"}
    page = secretary.post("/agenda/new", data=clash)
    seen = text_of(page)
    assert page.status_code == 200 and "ผู้บริหารมีนัดหมายอื่นในช่วงเวลาเดียวกัน" in seen
    assert "ประชุมคณะกรรมการพัฒนาจังหวัด" in seen and "ยืนยันบันทึกนัดซ้อน" in seen
    assert dbq.count(Appointment) == before
    confirmed = re.search(r'name="confirmed" value="([0-9,]+)"', page.get_data(as_text=True))
    r = secretary.post("/agenda/new", data=clash | {"confirmed": confirmed.group(1)})
    assert r.status_code == 302
    assert dbq.count(Appointment) == before + 1
    seen = text_of(secretary.get("/agenda/?day=21/01/2570", follow_redirects=True))
    assert "ต้อนรับคณะผู้ตรวจราชการ" in seen and "ประชุมคณะกรรมการพัฒนาจังหวัด" in seen
    # A bad date or time is said in Thai and saves nothing.
    for bad in ({"day": "31/02/2570"}, {"start": "9 โมง"}, {"day": ""}):
        page = secretary.post("/agenda/new", data=form | bad)
        assert page.status_code == 200 and "alert-danger" in page.get_data(as_text=True)
    assert dbq.count(Appointment) == before + 1


def test_the_day_and_week_agenda_print_to_pdf(app, login_as):
    with app.app_context():
        s = db.session
        agenda.save(s, user(s, "secretary"), when(25, (9, 0), (10, 30),
                                                  executive_id=executive(s, "governor").id,
                                                  title="ประชุมกรมการจังหวัด"), now=NOW)
        db.session.remove()
    officer = login_as("officer.dopa")
    r = officer.get("/agenda/print?day=25/01/2570")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    assert "ประชุมกรมการจังหวัด" in text and "25 มกราคม 2570" in text
    assert "09:00-10:30 น." in text and "ผู้ว่าราชการจังหวัด" in text and "สำนักงานจังหวัดพังงา" in text
    week = pdf_text(officer.get("/agenda/print?day=27/01/2570&span=week").data)
    assert "วันจันทร์ที่ 25 มกราคม 2570" in week and "ประชุมกรมการจังหวัด" in week
    assert "ระหว่างวันที่ 25 มกราคม 2570 ถึง 31 มกราคม 2570" in week


def test_the_secretary_finds_the_feed_addresses(app, login_as):
    page = login_as("secretary").get("/agenda/feeds").get_data(as_text=True)
    with app.app_context():
        for e in agenda.executives(db.session):
            assert f"/agenda/feed/{e.id}.ics?token={agenda.feed_token(e.id)}" in page
    assert login_as("officer.dopa").get("/agenda/feeds").status_code in (302, 403)
