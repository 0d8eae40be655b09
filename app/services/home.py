"""The home page (หน้าแรก): what needs the logged-in user, today's bookings and agenda, and for
the clerks the letters registered per month. Each part asks the service that owns it; nothing
here decides who may see what."""

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from app import thai
from app.access import entry_scope
from app.levels import GROUP_CLERK
from app.models import LetterTally
from app.models.rooms import HOLDING, Booking, Room
from app.registers import REGISTERS

INCOMING = tuple(code for code, register in REGISTERS.items() if register.incoming)
MONTHS = 12


@dataclass
class Need:
    key: str  # an id for the page and the tests: inbox, documents, ...
    label: str  # lazy: in the reader's language
    count: int
    endpoint: str
    icon: str
    args: dict = None  # the endpoint's query: the list as it opens (SentView: the returns)


def needs(session, user, allowed):
    """What waits for ``user``: [Need] with a count above 0, in the order of a working day.
    ``allowed(permission, view)`` says whether the user may open a screen (FAB's has_access)."""
    from app.services import dispatch, documents, filetracking, rooms, sent

    items = []
    if allowed("can_list", "InboxView"):
        items.append(Need("inbox", _l("หนังสือเข้าใหม่รอลงรับ"),
                          dispatch.inbox_count(session, user), "InboxView.list", "fa-inbox"))
    if allowed("can_list", "SentView"):
        items.append(Need("returns", _l("หนังสือที่ส่งถูกส่งคืน รอรับทราบ"),
                          sent.returns_count(session, user), "SentView.list", "fa-reply",
                          {"state": "returned"}))
    if allowed("can_list", "DocumentView"):
        items.append(Need("documents", _l("เอกสารใหม่รอรับ"), documents.new_count(session, user),
                          "DocumentView.list", "fa-envelope"))
    if allowed("can_list", "TrackedFileView"):
        items.append(Need("files", _l("แฟ้มที่ส่งคืนให้ท่านดำเนินการ"),
                          filetracking.owner_count(session, user), "TrackedFileView.mine",
                          "fa-folder-open"))
    if allowed("can_queue", "TrackedFileView") and filetracking.is_secretary(user):
        waiting = sum(len(files) for _stage, files in filetracking.queue(session, user))
        items.append(Need("queue", _l("แฟ้มรอฝ่ายเลขานุการดำเนินการ"), waiting,
                          "TrackedFileView.queue", "fa-folder"))
    if allowed("can_decide", "BookingView"):
        items.append(Need("bookings", _l("การจองห้องประชุมรออนุมัติ"),
                          rooms.waiting_count(session, user), "BookingView.mine", "fa-calendar"))
    return [n for n in items if n.count]


def bookings_today(session, user, today):
    """Today's pending and approved bookings of the user's own agency's rooms, and the
    user's own bookings elsewhere, by start."""
    start = thai.to_utc(dt.datetime.combine(today, dt.time()))
    end = start + dt.timedelta(days=1)
    return session.execute(select(Booking).join(Room).where(
        Booking.status.in_(HOLDING), Booking.starts_at < end, Booking.ends_at > start,
        or_(Room.agency_id == user.agency_id, Booking.booked_by_id == user.id))
        .order_by(Booking.starts_at, Booking.id)).scalars().all()


def shows_chart(user):
    """The clerks (levels 1-4) keep registers: they see the letters registered per month."""
    return getattr(user, "level", None) is not None and user.level <= GROUP_CLERK


def letters_per_month(session, user, today, months=MONTHS):
    """[(first day of the month, incoming, outgoing)] for the last ``months`` months up to
    ``today``'s, over the registers ``user`` keeps, read from the monthly tallies (see
    app/services/tally.py: reserved numbers never filled are no letters)."""
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    incoming = LetterTally.register.in_(INCOMING)
    rows = session.execute(
        select(LetterTally.month, func.sum(case((incoming, LetterTally.count), else_=0)),
               func.sum(case((incoming, 0), else_=LetterTally.count)))
        .where(entry_scope(user, model=LetterTally), LetterTally.month >= f"{first:%Y-%m}")
        .group_by(LetterTally.month)).all()
    counts = {key: (int(i or 0), int(o or 0)) for key, i, o in rows}
    out, day = [], first
    for _ in range(months):
        out.append((day, *counts.get(f"{day:%Y-%m}", (0, 0))))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


@dataclass
class Bar:
    x: float
    y: float
    height: float
    value: int
    kind: str  # in, out


def chart(series, width=720, height=220, top=16, bottom=34, left=34):
    """An SVG bar chart's geometry of ``letters_per_month``: two bars a month. Drawn by the
    template as inline SVG (no script, nothing from outside)."""
    peak = max([max(i, o) for _d, i, o in series] + [1])
    step = _nice_step(peak)
    scale_top = step * -(-peak // step)
    plot_h = height - top - bottom
    slot = (width - left) / len(series)
    bar_w = slot * 0.34
    bars, labels = [], []
    for k, (day, incoming, outgoing) in enumerate(series):
        x = left + k * slot + slot * 0.14
        for j, (value, kind) in enumerate(((incoming, "in"), (outgoing, "out"))):
            h = plot_h * value / scale_top
            bars.append(Bar(x + j * bar_w, top + plot_h - h, h, value, kind))
        labels.append((left + (k + 0.5) * slot,
                       f"{thai.MONTHS_ABBR[day.month - 1]} {str(thai.be_year(day))[2:]}"))
    ticks = [(top + plot_h - plot_h * v / scale_top, v) for v in range(0, scale_top + 1, step)]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "ticks": ticks,
            "bar_w": bar_w, "left": left, "baseline": top + plot_h,
            "total": sum(i + o for _d, i, o in series)}


def _nice_step(peak):
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak))

