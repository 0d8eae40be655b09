"""The calendar feeds (.ics of a meeting room, of an executive's agenda) as a calendar
application reads them: the same UIDs whatever address a feed was fetched at; a changed event
has a greater SEQUENCE and a new LAST-MODIFIED; a refresh hint; RFC 5545 lines (CRLF, folded at
75 octets, parsed back by the icalendar package)."""

import datetime as dt

import icalendar
from sqlalchemy import select

from app import thai
from app.extensions import db
from app.models.rooms import Room
from app.services import agenda, ical, rooms
from tests.conftest import user
from tests.test_agenda import executive

HOSTS = ("http://localhost", "http://eoffice.phangnga.go.th:8443")


def _feed(client, path):
    """{host: (raw text, {uid: event})} of the feed fetched from each of HOSTS."""
    out = {}
    for host in HOSTS:
        r = client.get(path, base_url=host)
        assert r.status_code == 200 and r.mimetype == "text/calendar"
        text = r.get_data(as_text=True)
        cal = icalendar.Calendar.from_ical(text)
        out[host] = text, {str(e["UID"]): e for e in cal.walk("VEVENT")}
    return out


def _assert_rfc5545_lines(text):
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in lines
    assert "X-PUBLISHED-TTL:PT15M" in lines


def _room_booking(app, title, now):
    """A pending booking of ห้องประชุมอำนวยการ tomorrow (Bangkok), booked at ``now``."""
    with app.app_context():
        s = db.session
        room = s.execute(select(Room).where(Room.name == "ห้องประชุมอำนวยการ")).scalar_one()
        tomorrow = thai.today(now) + dt.timedelta(days=2)
        b = rooms.book(s, user(s, "officer.cdd"), room.id, {
            "title": title, "attendees": 5,
            "starts_at": dt.datetime.combine(tomorrow, dt.time(13, 0)),
            "ends_at": dt.datetime.combine(tomorrow, dt.time(14, 0))}, now=now)
        ids = room.id, b.id
        db.session.remove()
    return ids


def test_room_feed_uids_do_not_depend_on_the_host_and_a_decision_is_a_new_sequence(app):
    now = thai.utcnow().replace(microsecond=0)
    room_id, booking_id = _room_booking(app, "ประชุมทดสอบปฏิทิน", now)
    with app.app_context():
        path = f"/bookings/feed/{room_id}.ics?token={rooms.feed_token(room_id)}"
        domain = ical.uid_domain(app.config)
    client = app.test_client()  # a calendar application: no login
    before = _feed(client, path)
    uids = [set(events) for _text, events in before.values()]
    assert uids[0] == uids[1] and uids[0]
    for text, _events in before.values():
        _assert_rfc5545_lines(text)
        assert "localhost" not in text and "phangnga.go.th" not in text
    uid = f"booking-{booking_id}@{domain}"
    event = before[HOSTS[0]][1][uid]
    assert str(event["STATUS"]) == "TENTATIVE" and int(event["SEQUENCE"]) == 0
    assert event["LAST-MODIFIED"].dt == now.replace(tzinfo=dt.timezone.utc)

    with app.app_context():  # approved two minutes later: the same event, changed
        s = db.session
        from app.models.rooms import Booking

        rooms.decide(s, user(s, "central"), s.get(Booking, booking_id), approve=True,
                     now=now + dt.timedelta(minutes=2))
        db.session.remove()
    after = _feed(client, path)
    changed = after[HOSTS[1]][1][uid]
    assert str(changed["STATUS"]) == "CONFIRMED"
    assert int(changed["SEQUENCE"]) > int(event["SEQUENCE"])
    assert changed["LAST-MODIFIED"].dt == (now + dt.timedelta(minutes=2)).replace(
        tzinfo=dt.timezone.utc)
    assert set(after[HOSTS[0]][1]) == set(after[HOSTS[1]][1]) == uids[0]


def test_agenda_feed_uids_do_not_depend_on_the_host_and_an_edit_is_a_new_sequence(app):
    now = thai.utcnow().replace(microsecond=0)
    day = thai.today(now) + dt.timedelta(days=3)
    with app.app_context():
        s = db.session
        governor = executive(s, "governor")
        data = {"executive_id": governor.id, "title": "ประชุมติดตามงานจังหวัด",
                "place": "ห้องประชุมอำนวยการ", "public": True,
                "starts_at": dt.datetime.combine(day, dt.time(9, 0)),
                "ends_at": dt.datetime.combine(day, dt.time(10, 0))}
        a = agenda.save(s, user(s, "secretary"), data, now=now)
        ids = governor.id, a.id
        path = f"/agenda/feed/{governor.id}.ics?token={agenda.feed_token(governor.id)}"
        domain = ical.uid_domain(app.config)
        db.session.remove()
    governor_id, appointment_id = ids
    client = app.test_client()
    before = _feed(client, path)
    assert set(before[HOSTS[0]][1]) == set(before[HOSTS[1]][1])
    uid = f"appointment-{appointment_id}@{domain}"
    first = before[HOSTS[1]][1][uid]
    _assert_rfc5545_lines(before[HOSTS[1]][0])

    with app.app_context():  # moved an hour later, 45 seconds after it was entered
        s = db.session
        from app.models.agenda import Appointment

        moved = dict(data, executive_id=governor_id,
                     starts_at=dt.datetime.combine(day, dt.time(10, 0)),
                     ends_at=dt.datetime.combine(day, dt.time(11, 0)))
        agenda.save(s, user(s, "secretary"), moved, appointment=s.get(Appointment, appointment_id),
                    now=now + dt.timedelta(seconds=45))
        db.session.remove()
    after = _feed(client, path)
    second = after[HOSTS[0]][1][uid]
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second["LAST-MODIFIED"].dt > first["LAST-MODIFIED"].dt
    assert second["DTSTART"].dt - first["DTSTART"].dt == dt.timedelta(hours=1)
    assert set(after[HOSTS[0]][1]) == set(after[HOSTS[1]][1])


def test_the_uid_domain_is_configured_or_the_installations_own(app):
    assert ical.uid_domain({"CALENDAR_DOMAIN": "eoffice.phangnga.go.th",
                            "SECRET_KEY": "x"}) == "eoffice.phangnga.go.th"
    one = ical.uid_domain({"CALENDAR_DOMAIN": None, "SECRET_KEY": "first"})
    assert one == ical.uid_domain({"SECRET_KEY": "first"}) and one.endswith(".invalid")
    assert one != ical.uid_domain({"SECRET_KEY": "second"})


def test_sequence_grows_with_every_later_change():
    created = dt.datetime(2026, 12, 1, 2, 0)
    assert ical.sequence(created, None) == 0
    values = [ical.sequence(created, created + dt.timedelta(seconds=s))
              for s in (0, 1, 59, 3600, 86400 * 400)]
    assert values == sorted(set(values)) and values[0] == 0


def test_long_thai_lines_fold_at_75_octets_and_unfold_to_what_was_written():
    now = dt.datetime(2026, 12, 1, 2, 0)
    title = "ประชุม; วาระ, พิเศษ\\สรุป\x07 " + "ก่" * 80
    text = ical.calendar("ห้อง", [ical.Event(
        uid="booking-1@example.invalid", starts_at=now, ends_at=now + dt.timedelta(hours=1),
        summary=title, last_modified=now, sequence=7)], now)
    _assert_rfc5545_lines(text)
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == title.replace("\x07", "")  # a control character is dropped
    assert int(event["SEQUENCE"]) == 7
