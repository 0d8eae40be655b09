"""Meeting-room booking (app/services/rooms.py), on the real database: two pending or approved
bookings of one room never overlap, however many book at once; a refusal names the booking it
collides with; approval, rejection and cancellation by the right people; the .ics feed parsed
back with the icalendar package."""

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import icalendar
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.rooms import APPROVED, CANCELLED, PENDING, REJECTED, Booking, Room
from app.services import rooms
from app.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import user
from tests.test_dispatch import make_clerk

NOW = dt.datetime(2026, 11, 26, 3, 0)  # 10:00 in Bangkok, as stored (UTC)


def room(session, name="ห้องประชุมอำนวยการ"):
    return session.execute(select(Room).where(Room.name == name)).scalar_one()


def slot(day, start, end, **fields):
    """Bangkok wall-clock times on 2026-12-``day``."""
    return {"title": "ประชุมคณะทำงาน", "attendees": 10,
            "starts_at": dt.datetime(2026, 12, day, *start),
            "ends_at": dt.datetime(2026, 12, day, *end), **fields}


def test_overlaps_are_refused_with_the_booking_they_collide_with(ctx):
    s = ctx
    r = room(s)
    first = rooms.book(s, user(s, "officer.dopa"), r.id,
                       slot(1, (9, 0), (12, 0), title="ประชุมเตรียมงานกาชาด"), now=NOW)
    assert first.status == PENDING and first.starts_at == dt.datetime(2026, 12, 1, 2, 0)
    for start, end in (((11, 0), (13, 0)), ((8, 0), (9, 30)), ((9, 0), (12, 0)),
                       ((10, 0), (11, 0)), ((7, 0), (13, 0))):
        with pytest.raises(ValidationFailed) as refused:
            rooms.book(s, user(s, "officer.cdd"), r.id, slot(1, start, end), now=NOW)
        message = str(refused.value)
        assert "ประชุมเตรียมงานกาชาด" in message and "1 ธ.ค. 2569 09:00-12:00 น." in message
        assert "อรุณี ทองดี" in message and "รออนุมัติ" in message
    # Touching ends do not overlap; another room is another matter.
    rooms.book(s, user(s, "officer.cdd"), r.id, slot(1, (12, 0), (13, 0)), now=NOW)
    rooms.book(s, user(s, "officer.cdd"), r.id, slot(1, (8, 0), (9, 0)), now=NOW)
    rooms.book(s, user(s, "officer.cdd"), room(s, "ห้องประชุมพังงาราชานุสรณ์").id,
               slot(1, (9, 0), (12, 0)), now=NOW)
    # A rejected or cancelled booking frees its time.
    rooms.decide(s, user(s, "central"), first, approve=False, note="ห้องปิดปรับปรุง")
    assert first.status == REJECTED
    again = rooms.book(s, user(s, "officer.cdd"), r.id, slot(1, (10, 0), (11, 0)), now=NOW)
    rooms.cancel(s, user(s, "officer.cdd"), again)
    assert again.status == CANCELLED
    rooms.book(s, user(s, "clerk.dopa"), r.id, slot(1, (10, 0), (11, 0)), now=NOW)


@pytest.mark.parametrize("fields,message", [
    ({"title": " "}, "กรุณากรอกเรื่องการประชุม"),
    ({"starts_at": None}, "กรุณากรอกวันและเวลาเริ่ม"),
    ({"ends_at": dt.datetime(2026, 12, 2, 8, 0)}, "เวลาสิ้นสุดต้องหลังเวลาเริ่ม"),
    ({"ends_at": dt.datetime(2026, 12, 2, 23, 0)}, "ไม่เกิน 12 ชั่วโมง"),
    ({"starts_at": dt.datetime(2026, 11, 26, 9, 0), "ends_at": dt.datetime(2026, 11, 26, 9, 30)},
     "จองย้อนหลังไม่ได้"),
    ({"attendees": 21}, "เกินความจุของห้อง (20 คน)"),
    ({"attendees": 0}, "กรุณากรอกจำนวนผู้เข้าประชุม"),
    ({"attendees": "ยี่สิบ"}, "ต้องเป็นตัวเลข"),
])
def test_a_refused_booking_saves_nothing(ctx, fields, message):
    s = ctx
    before = s.query(Booking).count()
    data = slot(2, (9, 0), (12, 0))
    data.update(fields)
    with pytest.raises(ValidationFailed, match=re.escape(message)):
        rooms.book(s, user(s, "officer.dopa"), room(s).id, data, now=NOW)
    assert s.query(Booking).count() == before


def test_who_approves_and_who_cancels(ctx):
    s = ctx
    r = room(s, "ห้องประชุมที่ทำการปกครองจังหวัด")  # dopa's
    b = rooms.book(s, user(s, "officer.cdd"), r.id, slot(3, (13, 0), (15, 0)), now=NOW)
    for outsider in ("clerk.cdd", "central", "officer.dopa", "group.dopa", "officer.cdd"):
        with pytest.raises(PermissionDenied):
            rooms.decide(s, user(s, outsider), b, approve=True)
    with pytest.raises(ValidationFailed, match="เหตุผล"):
        rooms.decide(s, user(s, "clerk.dopa"), b, approve=False)
    rooms.decide(s, user(s, "clerk.dopa"), b, approve=True)
    assert b.status == APPROVED and b.decided_by.username == "clerk.dopa"
    with pytest.raises(ValidationFailed, match="อนุมัติแล้ว"):
        rooms.decide(s, user(s, "admin"), b, approve=False, note="x")
    for outsider in ("clerk.cdd", "officer.dopa"):
        with pytest.raises(PermissionDenied):
            rooms.cancel(s, user(s, outsider), b)
    rooms.cancel(s, user(s, "officer.cdd"), b)  # the booker
    assert b.status == CANCELLED


def test_sixteen_clerks_booking_one_slot_at_once_get_one_booking(app):
    clients = 16
    with app.test_request_context():
        s = db.session
        agency = room(s, "ห้องประชุมพังงาราชานุสรณ์").agency
        names = [make_clerk(s, agency, f"booker{i}.po").username for i in range(clients)]
        room_id = room(s, "ห้องประชุมพังงาราชานุสรณ์").id
        db.session.remove()
    barrier = threading.Barrier(clients)

    def book(i):
        with app.test_request_context():
            session = db.session
            try:
                actor = user(session, names[i])
                session.commit()  # back to the pool: 16 threads, 15 connections
                barrier.wait(timeout=30)
                # Every slot overlaps every other: 14:00-16:00 shifted by i minutes.
                start = dt.datetime(2026, 12, 4, 14, i)
                try:
                    b = rooms.book(session, actor, room_id, {
                        "title": f"ประชุม {i}", "attendees": 5, "starts_at": start,
                        "ends_at": start + dt.timedelta(hours=2)}, now=NOW)
                    return ("booked", b.id)
                except ValidationFailed as refused:
                    return ("refused", str(refused))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(book, range(clients), timeout=180))
    booked = [r for r in results if r[0] == "booked"]
    assert len(booked) == 1, results
    assert all("ห้องนี้ถูกจองแล้วในช่วงเวลาที่ชนกัน" in r[1] for r in results if r[0] == "refused")
    with app.app_context():
        held = db.session.query(Booking).filter(
            Booking.room_id == room_id, Booking.status.in_((PENDING, APPROVED)),
            Booking.starts_at >= dt.datetime(2026, 12, 4), Booking.starts_at < dt.datetime(2026, 12, 5)
        ).count()
        assert held == 1
        db.session.remove()


def test_the_ics_feed_parses_back(ctx):
    s = ctx
    r = room(s, "ห้องประชุมที่ทำการปกครองจังหวัด")
    b = rooms.book(s, user(s, "officer.dopa"), r.id, slot(
        5, (9, 30), (11, 0), title="ประชุมประจำเดือน; วาระพิเศษ, รายงาน\\สรุป " + "ก" * 60),
        now=NOW)
    rooms.decide(s, user(s, "clerk.dopa"), b, approve=True)
    text = rooms.ics(r, rooms.bookings_between(s, [r.id], dt.date(2026, 12, 1),
                                               dt.date(2026, 12, 31)), "eoffice.test", now=NOW)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(text)
    events = [e for e in cal.walk("VEVENT") if str(e["UID"]) == f"booking-{b.id}@eoffice.test"]
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == b.title
    assert event["DTSTART"].dt == dt.datetime(2026, 12, 5, 2, 30, tzinfo=dt.timezone.utc)
    assert event["DTEND"].dt == dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.timezone.utc)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "ห้องประชุมที่ทำการปกครองจังหวัด" in str(event["LOCATION"])


def test_postgresql_itself_refuses_an_overlap_that_skips_the_service(ctx):
    """The backstop: a row written around the service (another program, a bug) is refused by
    the exclusion constraint. SQLite has none; there the service's lock is the guarantee."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from tests.conftest import is_postgres, user

    if not is_postgres():
        pytest.skip("the exclusion constraint is PostgreSQL's (SQLite: the service, tested above)")
    s = ctx
    r = room(s, "ห้องประชุมพังงาราชานุสรณ์")
    b = rooms.book(s, user(s, "officer.dopa"), r.id, slot(7, (9, 0), (10, 0)), now=NOW)
    insert = text("INSERT INTO booking (room_id, title, starts_at, ends_at, booked_by_id, "
                  "attendees, projector, video_conference, refreshments, status, created_at) "
                  "VALUES (:room, 'x', :start, :end, :user, 1, false, false, false, :status, :now)")
    params = {"room": r.id, "start": dt.datetime(2026, 12, 7, 2, 30),
              "end": dt.datetime(2026, 12, 7, 3, 30), "user": b.booked_by_id, "now": NOW}
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        s.execute(insert, {**params, "status": "pending"})
    s.rollback()
    s.execute(insert, {**params, "status": "rejected"})  # a rejected one holds nothing
    s.rollback()
