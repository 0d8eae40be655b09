"""The meeting-room screens: book through the form (a collision named in Thai, what was typed
kept), approve, the week and month calendars in Buddhist-Era dates, the room's .ics feed (only
with its token), and the rooms kept by their agency's clerks."""

import datetime as dt

import icalendar
from sqlalchemy import select

from app import thai
from app.models.rooms import Booking, Room
from app.thai import BANGKOK
from tests.conftest import text_of


def room_id(dbq, name):
    return dbq(lambda s: s.execute(select(Room.id).where(Room.name == name)).scalar_one())


def a_day(offset=10):
    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=offset)
    return day, thai.format_date_input(day)


def test_book_collide_approve_and_see_it_on_the_calendars(login_as, dbq):
    rid = room_id(dbq, "ห้องประชุมที่ทำการปกครองจังหวัด")
    day, typed = a_day()
    booker = login_as("officer.cdd")
    form = {"room": str(rid), "title": "ประชุมคณะกรรมการหมู่บ้าน", "day": typed,
            "start": "09:00", "end": "11:30", "attendees": "12", "projector": "y"}
    r = booker.post("/bookings/new", data=form)
    assert r.status_code == 302, text_of(r)[:600]
    other = login_as("officer.dopa")
    r = other.post("/bookings/new", data={**form, "title": "ประชุมที่ชนกัน", "start": "10:00",
                                          "end": "12:00"})
    body = text_of(r)
    assert r.status_code == 200 and "ห้องนี้ถูกจองแล้วในช่วงเวลาที่ชนกัน" in body
    assert "ประชุมคณะกรรมการหมู่บ้าน" in body and "09:00-11:30" in body
    assert 'value="ประชุมที่ชนกัน"' in r.get_data(as_text=True)  # what was typed stays
    booking_id = dbq(lambda s: s.execute(select(Booking.id).where(
        Booking.title == "ประชุมคณะกรรมการหมู่บ้าน")).scalar_one())

    clerk = login_as("clerk.dopa")  # the room is dopa's
    waiting = clerk.get("/bookings/").get_data(as_text=True)
    assert f'id="booking-{booking_id}"' in waiting
    assert login_as("clerk.cdd").post(f"/bookings/approve/{booking_id}",
                                      follow_redirects=True).status_code == 200
    assert dbq(lambda s: s.get(Booking, booking_id).status) == "pending"  # not theirs
    clerk.post(f"/bookings/approve/{booking_id}")
    assert dbq(lambda s: s.get(Booking, booking_id).status) == "approved"

    week = booker.get(f"/bookings/week?room={rid}&day={typed}")
    assert "ประชุมคณะกรรมการหมู่บ้าน" in text_of(week) and thai.format_date(day) in text_of(week)
    month = booker.get(f"/bookings/month?room={rid}&day={typed}")
    assert "ประชุมคณะกรรมการหมู่บ้าน" in text_of(month)
    assert f"{thai.MONTHS_FULL[day.month - 1]} {day.year + 543}" in text_of(month)


def test_the_feed_needs_its_token(app, login_as, client, dbq):
    from app.services.rooms import feed_token

    rid = room_id(dbq, "ห้องประชุมอำนวยการ")
    day, typed = a_day(12)
    login_as("clerk.dopa").post("/bookings/new", data={
        "room": str(rid), "title": "ประชุมติดตามงบประมาณ", "day": typed, "start": "13:30",
        "end": "15:00", "attendees": "8"})
    with app.app_context():
        token = feed_token(rid)
    assert client.get(f"/bookings/feed/{rid}.ics").status_code == 404
    assert client.get(f"/bookings/feed/{rid}.ics?token={'0' * 32}").status_code == 404
    r = client.get(f"/bookings/feed/{rid}.ics?token={token}")  # no login: a calendar app
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(r.data)
    titles = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert "ประชุมติดตามงบประมาณ" in titles
    shown = login_as("officer.dopa").get(f"/roomview/show/{rid}").get_data(as_text=True)
    assert f"token={token}" in shown


def test_rooms_are_kept_by_their_agencys_clerks(login_as, dbq):
    agency_of = {"clerk.dopa": "พง 0016.1", "clerk.cdd": "พง 0019.1"}
    from app.models import Agency

    dopa = dbq(lambda s: s.execute(select(Agency.id).where(Agency.code == agency_of["clerk.dopa"]))
               .scalar_one())
    form = {"name": "ห้องประชุมเล็ก", "agency": str(dopa), "building": "ชั้น 2",
            "capacity": "10", "equipment": "จอทีวี", "active": "y"}
    before = dbq.count(Room)
    r = login_as("clerk.cdd").post("/roomview/add", data=form, follow_redirects=True)
    assert "เฉพาะห้องประชุมของหน่วยงานตนเอง" in text_of(r) and dbq.count(Room) == before
    assert login_as("officer.dopa").get("/roomview/add").status_code in (302, 403)
    r = login_as("clerk.dopa").post("/roomview/add", data=form)
    assert r.status_code == 302 and dbq.count(Room) == before + 1


def test_room_photos_added_by_its_keepers_and_seen_by_everyone(login_as, dbq):
    import io

    from app.models.rooms import RoomPhoto
    from tests.files import pdf_bytes
    from tests.test_attachments_service import png_bytes

    rid = room_id(dbq, "ห้องประชุมที่ทำการปกครองจังหวัด")
    other = room_id(dbq, "ห้องประชุมอำนวยการ")
    before = dbq.count(RoomPhoto)
    r = login_as("clerk.cdd").post(f"/roomview/photos/{rid}", data={
        "files": [(io.BytesIO(png_bytes()), "ห้อง.png")]}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "เฉพาะเจ้าหน้าที่ของหน่วยงานเจ้าของห้อง" in text_of(r) and dbq.count(RoomPhoto) == before
    clerk = login_as("clerk.dopa")
    r = clerk.post(f"/roomview/photos/{rid}", data={
        "files": [(io.BytesIO(pdf_bytes()), "แผนผัง.pdf")]}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "ไม่ใช่รูปภาพ" in text_of(r) and dbq.count(RoomPhoto) == before
    r = clerk.post(f"/roomview/photos/{rid}", data={
        "files": [(io.BytesIO(png_bytes()), "ห้อง.png")]}, content_type="multipart/form-data")
    assert r.status_code == 302 and dbq.count(RoomPhoto) == before + 1
    photo_id = dbq(lambda s: s.execute(select(RoomPhoto.id).where(RoomPhoto.room_id == rid)
                                       .order_by(RoomPhoto.id.desc())).scalars().first())
    viewer = login_as("officer.cdd")
    shown = viewer.get(f"/roomview/show/{rid}").get_data(as_text=True)
    assert f"/roomview/photo/{rid}/{photo_id}" in shown and 'id="photo-form"' not in shown
    image = viewer.get(f"/roomview/photo/{rid}/{photo_id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert viewer.get(f"/roomview/photo/{other}/{photo_id}").status_code == 404
