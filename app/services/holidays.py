"""Official holidays (วันหยุดราชการ) and working days.

The administrator keeps the calendar (วันหยุด): the national public holidays and the province's
own. ``load_fixed`` adds the holidays that fall on the same date every year for a Buddhist-Era
year (the administrator runs it for the current and the next year; `flask eoffice setup` does
it too); the Buddhist holidays of the lunar calendar (มาฆบูชา, วิสาขบูชา, อาสาฬหบูชา, เข้าพรรษา)
and the substitution days are announced by the cabinet each year, and the administrator adds
them from that announcement.

A working day is a Monday to Friday that is not a holiday. ``add_working_days`` and
``working_days_between`` count them: a reservation's days to be filled, a file's days at a stage.
"""

import datetime as dt

from sqlalchemy import select

from app import thai
from app.levels import ADMIN
from app.models.holidays import HOLIDAY_KINDS, NATIONAL, Holiday
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.work import unit_of_work

# (month, day, name): the national holidays on the same date every year.
FIXED = [
    (1, 1, "วันขึ้นปีใหม่"),
    (4, 6, "วันพระบาทสมเด็จพระพุทธยอดฟ้าจุฬาโลกมหาราชและวันที่ระลึกมหาจักรีบรมราชวงศ์"),
    (4, 13, "วันสงกรานต์"),
    (4, 14, "วันสงกรานต์"),
    (4, 15, "วันสงกรานต์"),
    (5, 4, "วันฉัตรมงคล"),
    (6, 3, "วันเฉลิมพระชนมพรรษาสมเด็จพระนางเจ้าฯ พระบรมราชินี"),
    (7, 28, "วันเฉลิมพระชนมพรรษาพระบาทสมเด็จพระเจ้าอยู่หัว"),
    (8, 12, "วันเฉลิมพระชนมพรรษาสมเด็จพระบรมราชชนนีพันปีหลวง และวันแม่แห่งชาติ"),
    (10, 13, "วันนวมินทรมหาราช"),
    (10, 23, "วันปิยมหาราช"),
    (12, 5, "วันคล้ายวันพระบรมราชสมภพของพระบาทสมเด็จพระบรมชนกาธิเบศร มหาภูมิพลอดุลยเดชมหาราช "
             "บรมนาถบพิตร วันชาติ และวันพ่อแห่งชาติ"),
    (12, 10, "วันรัฐธรรมนูญ"),
    (12, 31, "วันสิ้นปี"),
]
SEARCH_DAYS = 400  # the longest run of days off that a count looks through


def between(session, first, last):
    """{day: name} of the holidays from ``first`` to ``last`` (dates, inclusive)."""
    return dict(session.execute(select(Holiday.day, Holiday.name).where(
        Holiday.day >= first, Holiday.day <= last)).all())


def is_working_day(day, holidays):
    return day.weekday() < 5 and day not in holidays


def add_working_days(session, start, count):
    """The date ``count`` working days after the date ``start`` (its next working day for 1)."""
    off = between(session, start, start + dt.timedelta(days=SEARCH_DAYS + count * 2))
    day, left = start, count
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day


def after_working_days(session, now, count):
    """The stored time (naive UTC) ``count`` working days after ``now``, at the same hour of
    the Bangkok day: a reservation's deadline."""
    here = thai.to_bangkok(now)
    return thai.to_utc(dt.datetime.combine(add_working_days(session, here.date(), count),
                                           here.time().replace(tzinfo=None)))


def working_days_between(session, first, last, holidays=None):
    """How many working days after the date ``first`` up to and including ``last``: 0 the same
    day; a file received on Friday and looked at on Monday has waited 1."""
    if last <= first:
        return 0
    off = holidays if holidays is not None else between(session, first, last)
    return sum(1 for n in range(1, (last - first).days + 1)
               if is_working_day(first + dt.timedelta(days=n), off))


# ---- kept by the administrator ------------------------------------------------------------------


def _require_admin(actor):
    if getattr(actor, "level", None) != ADMIN:
        raise PermissionDenied("เฉพาะผู้ดูแลระบบที่กำหนดวันหยุดได้")


def check_change(actor, holiday, session=None, now=None):
    """A holiday as typed, before it is written: the administrator's, named, of a known kind,
    one a day."""
    _require_admin(actor)
    holiday.name = " ".join(str(holiday.name or "").split())
    if not holiday.name:
        raise ValidationFailed("กรุณากรอกชื่อวันหยุด", field="name")
    if len(holiday.name) > 120:
        raise ValidationFailed("ชื่อวันหยุดยาวเกิน 120 ตัวอักษร", field="name")
    if holiday.day is None:
        raise ValidationFailed("กรุณากรอกวันที่", field="day")
    holiday.kind = holiday.kind or NATIONAL
    if holiday.kind not in HOLIDAY_KINDS:
        raise ValidationFailed("ประเภทวันหยุดไม่ถูกต้อง", field="kind")
    if session is not None:
        with session.no_autoflush:
            taken = session.execute(select(Holiday.id).where(
                Holiday.day == holiday.day, Holiday.id != (holiday.id or 0))).first()
        if taken:
            raise ValidationFailed(f"วันที่ {thai.format_date(holiday.day)} เป็นวันหยุดอยู่แล้ว",
                                   field="day")
    holiday.updated_by_id = actor.id
    holiday.updated_at = thai.naive_utc(now)


def check_delete(actor, holiday):
    _require_admin(actor)


def load_fixed(session, actor, year_be, now=None):
    """Add the fixed-date national holidays of Buddhist-Era ``year_be`` that are not there yet;
    returns how many were added. ``actor`` None: the setup command."""
    if actor is not None:
        _require_admin(actor)
    try:
        year = int(year_be) - 543
    except (TypeError, ValueError):
        raise ValidationFailed("ปี พ.ศ. ไม่ถูกต้อง") from None
    if not 1900 <= year <= 2200:
        raise ValidationFailed("ปี พ.ศ. ไม่ถูกต้อง")
    days = {dt.date(year, m, d): name for m, d, name in FIXED}
    with unit_of_work(session):
        have = set(between(session, min(days), max(days)))
        added = [Holiday(day=day, name=name, kind=NATIONAL,
                         updated_by_id=getattr(actor, "id", None),
                         updated_at=thai.naive_utc(now))
                 for day, name in sorted(days.items()) if day not in have]
        session.add_all(added)
    return len(added)
