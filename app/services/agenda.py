"""The executives' agenda (ระบบวาระงาน/นัดงานผู้บริหาร, manual 9).

The executives' secretaries (the role เลขานุการผู้บริหาร) and the administrator enter, change and
cancel appointments. An executive booked twice at once is a warning, not a refusal: the first
save of an overlapping appointment raises ``DoubleBooked`` naming the others, and the secretary
saves it again confirming those very appointments if it is meant (the executive sends someone, or both
meetings are in one place). Everyone reads the public appointments; the secretaries read all.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import and_, select

from app import thai
from app.levels import ADMIN
from app.models.agenda import ACTIVE, CANCELLED, Appointment
from app.models.filetracking import Executive
from app.services import audit, ical
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.locks import lock_and_reload
from app.services.work import unit_of_work

MAX_DAYS = 14  # one appointment at the most; a longer absence is entered as several


class DoubleBooked(ValidationFailed):
    """The executive has other appointments at that time; ``clashes`` lists them, and the form
    asks to confirm them."""

    shown_on_form = True

    def __init__(self, clashes):
        self.clashes = clashes
        names = "; ".join(f"\u201c{a.title}\u201d {period_text(a)}" for a in clashes)
        super().__init__(f"ผู้บริหารมีนัดหมายอื่นในช่วงเวลาเดียวกัน: {names} "
                         "หากต้องการบันทึกนัดซ้อน กรุณายืนยันอีกครั้ง")


def keeps_agenda(actor):
    """The executives' secretaries and the administrator."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return actor.level == ADMIN or bool(getattr(actor, "executive_secretary", False))


def executives(session):
    """Every active executive (governor, deputies, chief of the Provincial Office), in order."""
    return session.execute(select(Executive).where(Executive.active.is_(True))
                           .order_by(Executive.sort_order, Executive.id)).scalars().all()


def period_text(appointment):
    return thai.format_period(appointment.starts_at, appointment.ends_at)


def overlaps(session, executive_id, starts_at, ends_at, exclude_id=None):
    """The executive's active appointments that overlap [starts_at, ends_at) (UTC)."""
    conditions = [Appointment.executive_id == executive_id, Appointment.status == ACTIVE,
                  Appointment.starts_at < ends_at, Appointment.ends_at > starts_at]
    if exclude_id is not None:
        conditions.append(Appointment.id != exclude_id)
    return session.execute(select(Appointment).where(*conditions)
                           .order_by(Appointment.starts_at)).scalars().all()


def _text(data, key, label, limit, required=False):
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise ValidationFailed(f"กรุณากรอก{label}")
    if len(value) > limit:
        raise ValidationFailed(f"{label}ยาวเกิน {limit:,} ตัวอักษร")
    return value or None


def _clean(session, data):
    """The fields of an appointment from ``data`` (times naive Bangkok), or a Thai refusal."""
    try:
        executive_id = int(data.get("executive_id") or 0)
    except (TypeError, ValueError):
        executive_id = 0
    executive = session.get(Executive, executive_id) if executive_id else None
    if executive is None or not executive.active:
        raise ValidationFailed("กรุณาเลือกผู้บริหาร")
    fields = {"executive_id": executive.id,
              "title": _text(data, "title", "เรื่อง", 255, required=True),
              "place": _text(data, "place", "สถานที่", 255),
              "attended_by": _text(data, "attended_by", "ผู้ไปแทน", 255),
              "notes": _text(data, "notes", "หมายเหตุ", 2000),
              "public": bool(data.get("public"))}
    start, end = data.get("starts_at"), data.get("ends_at")
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        raise ValidationFailed("กรุณากรอกวันและเวลาเริ่ม และเวลาสิ้นสุดของนัดหมาย")
    if end <= start:
        raise ValidationFailed("เวลาสิ้นสุดต้องหลังเวลาเริ่ม")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ValidationFailed(f"นัดหมายหนึ่งรายการยาวได้ไม่เกิน {MAX_DAYS} วัน")
    fields["starts_at"], fields["ends_at"] = thai.to_utc(start), thai.to_utc(end)
    return fields


def save(session, actor, data, appointment=None, confirmed=(), now=None):
    """Enter a new appointment (``appointment`` None) or change one. An overlap with the
    executive's other appointments raises ``DoubleBooked`` unless every one of them is among
    ``confirmed`` (the ids the secretary was warned of and saved anyway). Commits; returns the
    appointment."""
    if not keeps_agenda(actor):
        raise PermissionDenied("เฉพาะเลขานุการผู้บริหารหรือผู้ดูแลระบบเท่านั้นที่ลงนัดหมายได้")
    fields = _clean(session, data)
    now = thai.naive_utc(now)
    with unit_of_work(session):
        if appointment is not None:
            lock_and_reload(session, appointment, "status")
            if appointment.status != ACTIVE:
                raise ValidationFailed("นัดหมายนี้ถูกยกเลิกแล้ว แก้ไขไม่ได้")
        clashes = overlaps(session, fields["executive_id"], fields["starts_at"], fields["ends_at"],
                           exclude_id=appointment.id if appointment is not None else None)
        if clashes and not {a.id for a in clashes} <= set(confirmed):
            raise DoubleBooked(clashes)
        if appointment is None:
            appointment = Appointment(status=ACTIVE, created_by_id=actor.id, created_at=now,
                                      **fields)
            session.add(appointment)
        else:
            for key, value in fields.items():
                setattr(appointment, key, value)
            appointment.changed_by_id, appointment.changed_at = actor.id, now
        session.flush()
        if clashes:
            audit.record(session, "appointment_double_booked", target=appointment,
                         detail={"with": [a.id for a in clashes]})
    return appointment


def cancel(session, actor, appointment, now=None):
    """Cancel an appointment (kept, shown struck through to the secretaries). Commits."""
    if not keeps_agenda(actor):
        raise PermissionDenied("เฉพาะเลขานุการผู้บริหารหรือผู้ดูแลระบบเท่านั้นที่ยกเลิกนัดหมายได้")
    with unit_of_work(session):
        lock_and_reload(session, appointment, "status")
        if appointment.status != ACTIVE:
            raise ValidationFailed("นัดหมายนี้ถูกยกเลิกไปแล้ว")
        appointment.status = CANCELLED
        appointment.changed_by_id, appointment.changed_at = actor.id, thai.naive_utc(now)
    return appointment


def between(session, first_day, last_day, executive_id=None, everything=False):
    """The appointments from ``first_day`` to ``last_day`` (Bangkok dates): the active public
    ones, or with ``everything`` (the secretaries, a feed) all of them, cancelled ones too.
    Ordered by start."""
    start = thai.to_utc(dt.datetime.combine(first_day, dt.time()))
    end = thai.to_utc(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()))
    conditions = [Appointment.starts_at < end, Appointment.ends_at > start]
    if not everything:
        conditions += [Appointment.public.is_(True), Appointment.status == ACTIVE]
    if executive_id:
        conditions.append(Appointment.executive_id == executive_id)
    return session.execute(
        select(Appointment).join(Executive).where(and_(*conditions))
        .order_by(Appointment.starts_at, Executive.sort_order, Appointment.id)).scalars().all()


def today_public(session, now=None):
    """Today's active public appointments, for the home page."""
    today = thai.today(now)
    return between(session, today, today)


def readable(actor, appointment):
    return keeps_agenda(actor) or (appointment.public and appointment.status == ACTIVE)


def feed_token(executive_id):
    return ical.feed_token("executive", executive_id, current_app.config["SECRET_KEY"])


def ics(executive, appointments, domain=None, now=None):
    """An iCalendar feed of the executive's appointments, for the executive's and the
    secretaries' calendars (the address carries a secret: every appointment is in it).
    ``domain``: of the events' UIDs, the installation's (ical.uid_domain) unless given."""
    domain = domain or ical.uid_domain(current_app.config)
    events = []
    for a in appointments:
        details = [f"ผู้ไปแทน {a.attended_by}" if a.attended_by else "",
                   a.notes or "", "" if a.public else "(ไม่เผยแพร่)"]
        events.append(ical.Event(
            uid=ical.uid("appointment", a.id, domain), starts_at=a.starts_at,
            ends_at=a.ends_at, summary=a.title, location=a.place or "",
            description=" ".join(d for d in details if d),
            status="CANCELLED" if a.status == CANCELLED else "CONFIRMED",
            last_modified=a.changed_at or a.created_at,
            sequence=ical.sequence(a.created_at, a.changed_at)))
    return ical.calendar(f"{executive.title} ({executive.name})", events, thai.naive_utc(now),
                         product="executives' agenda")
