"""Meeting-room booking (ระบบจองห้องประชุม, manual 9).

Any user books a room of any agency; the owning agency's clerk (or the administrator) approves or
rejects; the booker, or they, may cancel. Two pending or approved bookings of one room never
overlap: the room's row is locked, the overlap checked and the booking inserted in one
transaction (so clerks booking at once queue, on SQLite as on PostgreSQL), and on PostgreSQL an
exclusion constraint is the backstop. A refused booking names the booking it collides with.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import and_, false, func, select, true
from sqlalchemy.exc import IntegrityError

from app import thai
from app.levels import ADMIN, AGENCY_CLERK, CENTRAL_CLERK
from app.models.rooms import (
    APPROVED,
    BOOKING_STATUSES,
    CANCELLED,
    HOLDING,
    PENDING,
    REJECTED,
    Booking,
    Room,
)
from app.services import attachments as attachment_store
from app.services import ical
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.locks import lock_and_reload, lock_row
from app.services.work import unit_of_work

MAX_HOURS = 12  # one booking at the most; a longer event is booked day by day


def _signed_in(actor):
    return actor is not None and getattr(actor, "is_authenticated", False)


def keeps_room(actor, room):
    """The room's agency's clerks (levels 2-3 of that agency) and the administrator."""
    if not _signed_in(actor):
        return False
    if actor.level == ADMIN:
        return True
    return actor.level in (CENTRAL_CLERK, AGENCY_CLERK) and actor.agency_id == room.agency_id


def kept_by(actor):
    """``keeps_room`` as an SQL condition on Room: the rooms ``actor`` approves bookings of."""
    if not _signed_in(actor):
        return false()
    if actor.level == ADMIN:
        return true()
    if actor.level in (CENTRAL_CLERK, AGENCY_CLERK):
        return Room.agency_id == actor.agency_id
    return false()


def waiting(session, actor):
    """The pending bookings of the rooms ``actor`` keeps, by start."""
    return session.execute(select(Booking).join(Room).where(
        kept_by(actor), Booking.status == PENDING).order_by(Booking.starts_at)).scalars().all()


def waiting_count(session, actor):
    return session.execute(select(func.count()).select_from(Booking).join(Room).where(
        kept_by(actor), Booking.status == PENDING)).scalar_one()


def period_text(booking):
    return thai.format_period(booking.starts_at, booking.ends_at)


def collisions(session, room_id, starts_at, ends_at, exclude_id=None):
    """The pending or approved bookings of the room that overlap [starts_at, ends_at)."""
    conditions = [Booking.room_id == room_id, Booking.status.in_(HOLDING),
                  Booking.starts_at < ends_at, Booking.ends_at > starts_at]
    if exclude_id is not None:
        conditions.append(Booking.id != exclude_id)
    return session.execute(select(Booking).where(*conditions)
                           .order_by(Booking.starts_at)).scalars().all()


def _collision_message(other):
    return (f"ห้องนี้ถูกจองแล้วในช่วงเวลาที่ชนกัน: \u201c{other.title}\u201d "
            f"{period_text(other)} โดย {other.booked_by.get_full_name()} "
            f"({BOOKING_STATUSES[other.status]}) กรุณาเลือกเวลาอื่นหรือห้องอื่น")


def book(session, actor, room_id, data, now=None):
    """Book a room: ``data`` holds title, starts_at and ends_at (naive Bangkok times),
    attendees, projector, video_conference, refreshments, note. Pending until the owning
    agency approves. Commits."""
    if not _signed_in(actor):
        raise PermissionDenied("กรุณาเข้าสู่ระบบก่อนจองห้องประชุม")
    room = session.get(Room, room_id) if isinstance(room_id, int) else None
    if room is None or not room.active:
        raise ValidationFailed("ไม่พบห้องประชุมนี้ หรือห้องนี้งดให้บริการ")
    title = str(data.get("title") or "").strip()
    if not title:
        raise ValidationFailed("กรุณากรอกเรื่องการประชุม")
    if len(title) > 255:
        raise ValidationFailed("เรื่องการประชุมยาวเกิน 255 ตัวอักษร")
    start, end = data.get("starts_at"), data.get("ends_at")
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        raise ValidationFailed("กรุณากรอกวันและเวลาเริ่ม และเวลาสิ้นสุดการประชุม")
    if end <= start:
        raise ValidationFailed("เวลาสิ้นสุดต้องหลังเวลาเริ่ม")
    if end - start > dt.timedelta(hours=MAX_HOURS):
        raise ValidationFailed(f"จองได้ครั้งละไม่เกิน {MAX_HOURS} ชั่วโมง "
                               "การประชุมหลายวันกรุณาจองทีละวัน")
    now = thai.naive_utc(now)
    starts_at, ends_at = thai.to_utc(start), thai.to_utc(end)
    if starts_at < now:
        raise ValidationFailed("เวลาเริ่มผ่านมาแล้ว จองย้อนหลังไม่ได้")
    try:
        attendees = int(data.get("attendees") or 0)
    except (TypeError, ValueError):
        raise ValidationFailed("จำนวนผู้เข้าประชุมต้องเป็นตัวเลข") from None
    if attendees < 1:
        raise ValidationFailed("กรุณากรอกจำนวนผู้เข้าประชุม")
    if attendees > room.capacity:
        raise ValidationFailed(f"ผู้เข้าประชุม {attendees} คน เกินความจุของห้อง "
                               f"({room.capacity} คน)")
    note = str(data.get("note") or "").strip() or None
    if note and len(note) > 1000:
        raise ValidationFailed("หมายเหตุยาวเกิน 1,000 ตัวอักษร")
    try:
        with unit_of_work(session):
            # Bookings of one room queue here: each checks what those before it committed.
            lock_row(session, Room.__table__, room.id, "active")
            clash = collisions(session, room.id, starts_at, ends_at)
            if clash:
                raise ValidationFailed(_collision_message(clash[0]))
            booking = Booking(room_id=room.id, title=title, starts_at=starts_at,
                              ends_at=ends_at, booked_by_id=actor.id, attendees=attendees,
                              projector=bool(data.get("projector")),
                              video_conference=bool(data.get("video_conference")),
                              refreshments=bool(data.get("refreshments")), note=note,
                              status=PENDING, created_at=now)
            session.add(booking)
    except IntegrityError:
        # PostgreSQL's exclusion constraint: someone got there by another path (the unit of
        # work has rolled back).
        clash = collisions(session, room.id, starts_at, ends_at)
        if clash:
            raise ValidationFailed(_collision_message(clash[0])) from None
        raise
    return booking


def decide(session, actor, booking, approve, note=None, now=None):
    """The owning agency's clerk (or the administrator) approves or rejects a pending booking;
    a rejection says why. Commits."""
    if not keeps_room(actor, booking.room):
        raise PermissionDenied("อนุมัติได้เฉพาะเจ้าหน้าที่ของหน่วยงานเจ้าของห้องหรือผู้ดูแลระบบ")
    note = str(note or "").strip() or None
    if not approve and not note:
        raise ValidationFailed("กรุณาระบุเหตุผลที่ไม่อนุมัติ")
    with unit_of_work(session):
        lock_and_reload(session, booking, "status")
        if booking.status != PENDING:
            raise ValidationFailed(f"การจองนี้{BOOKING_STATUSES[booking.status]}ไปแล้ว")
        booking.status = APPROVED if approve else REJECTED
        booking.decided_by_id = actor.id
        booking.decided_at = thai.naive_utc(now)
        booking.decision_note = note
    return booking


def cancel(session, actor, booking, now=None):
    """The booker, or the room's keepers, cancel a pending or approved booking. Commits."""
    if not (_signed_in(actor) and (actor.id == booking.booked_by_id
                                   or keeps_room(actor, booking.room))):
        raise PermissionDenied("ยกเลิกได้เฉพาะผู้จองหรือเจ้าหน้าที่ของหน่วยงานเจ้าของห้อง")
    with unit_of_work(session):
        lock_and_reload(session, booking, "status")
        if booking.status not in HOLDING:
            raise ValidationFailed(f"การจองนี้{BOOKING_STATUSES[booking.status]}ไปแล้ว")
        booking.status = CANCELLED
        booking.decided_by_id = actor.id
        booking.decided_at = thai.naive_utc(now)
    return booking


# ---- calendars ----------------------------------------------------------------------------------


def bookings_between(session, room_ids, first_day, last_day, holding_only=True):
    """The bookings of the rooms that touch the Bangkok days [first_day, last_day]."""
    start = thai.to_utc(dt.datetime.combine(first_day, dt.time()))
    end = thai.to_utc(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()))
    conditions = [Booking.room_id.in_(list(room_ids)), Booking.starts_at < end,
                  Booking.ends_at > start]
    if holding_only:
        conditions.append(Booking.status.in_(HOLDING))
    return session.execute(select(Booking).where(and_(*conditions))
                           .order_by(Booking.starts_at, Booking.id)).scalars().all()


def feed_token(room_id):
    """The secret in a room's calendar-feed address (a calendar application cannot log in)."""
    return ical.feed_token("room", room_id, current_app.config["SECRET_KEY"])


def ics(room, bookings, domain=None, now=None):
    """An iCalendar (RFC 5545) feed of the room's bookings. ``domain``: of the events' UIDs,
    the installation's (ical.uid_domain) unless given. A booking changes when it is decided or
    cancelled (``decided_at``)."""
    domain = domain or ical.uid_domain(current_app.config)
    where = room.name + (" " + room.building if room.building else "")
    events = [ical.Event(
        uid=ical.uid("booking", b.id, domain), starts_at=b.starts_at, ends_at=b.ends_at,
        summary=b.title, location=where,
        description=(f"ผู้จอง {b.booked_by.get_full_name()} ผู้เข้าประชุม {b.attendees} คน "
                     f"({BOOKING_STATUSES[b.status]})"),
        status="CONFIRMED" if b.status == APPROVED else "TENTATIVE",
        last_modified=b.decided_at or b.created_at,
        sequence=ical.sequence(b.created_at, b.decided_at)) for b in bookings]
    return ical.calendar(room.name, events, thai.naive_utc(now))


# ---- photos -------------------------------------------------------------------------------------

MAX_PHOTOS = 6
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def add_photos(session, actor, room, uploads, now=None):
    """The room's keepers add photos (images only, up to MAX_PHOTOS a room). Commits."""
    if not keeps_room(actor, room):
        raise PermissionDenied("เพิ่มรูปได้เฉพาะเจ้าหน้าที่ของหน่วยงานเจ้าของห้องหรือผู้ดูแลระบบ")
    settings = attachment_store.settings()
    checked = attachment_store.check(list(uploads or ()), settings["max_bytes"],
                                     MAX_PHOTOS - len(room.photos))
    if not checked:
        raise ValidationFailed("กรุณาเลือกรูปห้องประชุม")
    for item in checked:
        if item.content_type not in IMAGE_TYPES:
            raise ValidationFailed(f"ไฟล์ \u201c{item.upload.filename}\u201d ไม่ใช่รูปภาพ "
                                   "(รับ PNG, JPEG, GIF หรือ WebP)")
    with unit_of_work(session) as work:
        work.store(room, checked, actor.id, thai.naive_utc(now), settings["directory"])


def open_photo(session, room, photo_id):
    """(photo row, bytes) of one of the room's photos; (None, None) if it has no such photo."""
    from app.models.rooms import RoomPhoto

    row = session.execute(select(RoomPhoto).where(RoomPhoto.id == photo_id,
                                                  RoomPhoto.room_id == room.id)).scalar_one_or_none()
    if row is None:
        return None, None
    return row, attachment_store.read(row, attachment_store.settings()["directory"])
