"""Meeting-room booking screens (manual 9): the rooms (kept by their agency's clerks), booking a
room, one's bookings and the approvals waiting, a week and a month calendar per room or for all
rooms of an agency, and each room's iCalendar feed. Every rule is in app/services/rooms.py."""

import calendar
import datetime as dt

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import thai
from app.extensions import db
from app.models import Agency
from app.models.rooms import BOOKING_STATUSES, Booking, Room
from app.services import holidays
from app.services import rooms as svc
from app.services.errors import DomainError
from app.views.base import EOfficeModelView, parse_day, parse_time, same_secret, to_int
from app.views.errors import attempt
from app.views.files import serve_file, uploads_from
from app.views.filters import ThaiSQLAInterface
from app.views.forms import KeepsTypedForm

DAY_NAMES = thai.WEEKDAYS


class RoomView(KeepsTypedForm, EOfficeModelView):
    """Every user sees the rooms of the province; a room is added and changed by its agency's
    clerks (or the administrator)."""

    datamodel = ThaiSQLAInterface(Room)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_title = _l("ห้องประชุม")
    show_title = _l("รายละเอียดห้องประชุม")
    add_title = _l("เพิ่มห้องประชุม")
    edit_title = _l("แก้ไขห้องประชุม")
    label_columns = {"name": _l("ชื่อห้อง"), "agency": _l("หน่วยงานเจ้าของห้อง"),
                     "agency.name": _l("หน่วยงานเจ้าของห้อง"), "building": _l("อาคาร/ชั้น"),
                     "capacity": _l("ความจุ (คน)"), "equipment": _l("อุปกรณ์"),
                     "active": _l("เปิดให้จอง")}
    list_columns = ["name", "agency.name", "building", "capacity", "equipment", "active"]
    show_columns = ["name", "agency", "building", "capacity", "equipment", "active"]
    add_columns = edit_columns = ["name", "agency", "building", "capacity", "equipment", "active"]
    search_columns = ["name", "agency", "building"]
    show_template = "rooms/room_show.html"
    extra_args = {"feed_token": svc.feed_token, "keeps_room": svc.keeps_room,
                  "room_of": lambda pk: db.session.get(Room, int(pk))}

    @expose("/photos/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def add_photos(self, pk):
        room = db.session.get(Room, pk) or abort(404)
        if attempt(svc.add_photos, db.session, g.user, room, uploads_from()):
            flash("เพิ่มรูปห้องประชุมแล้ว", "success")
        return redirect(url_for(".show", pk=room.id))

    @expose("/photo/<int:pk>/<int:photo_id>")
    @has_access
    @permission_name("show")
    def photo(self, pk, photo_id):
        room = db.session.get(Room, pk) or abort(404)
        return serve_file(lambda _disposition: svc.open_photo(db.session, room, photo_id))

    def check_add(self, actor, item):
        self._check(actor, item)

    def check_edit(self, actor, item):
        from app.services.org import committed

        self._check(actor, item)
        if committed(item, "agency_id") not in (None, item.agency_id) and actor.level != 1:
            raise DomainError("ย้ายห้องประชุมไปหน่วยงานอื่นไม่ได้")

    def _check(self, actor, item):
        from app.services.errors import PermissionDenied, ValidationFailed

        if item.capacity is None or item.capacity < 1:
            raise ValidationFailed("ความจุของห้องต้องเป็นจำนวนคนอย่างน้อย 1")
        agency_id = item.agency.id if item.agency is not None else item.agency_id
        if not svc.keeps_room(actor, Room(agency_id=agency_id)):
            raise PermissionDenied("เพิ่มหรือแก้ไขได้เฉพาะห้องประชุมของหน่วยงานตนเอง")


class BookingView(BaseView):
    route_base = "/bookings"
    default_view = "mine"
    base_permissions = ["can_list", "can_book", "can_decide", "can_cancel", "can_calendar"]

    def _page(self, template, **kwargs):
        return self.render_template(
            template, statuses=BOOKING_STATUSES, period_text=svc.period_text,
            format_date=thai.format_date, **kwargs)

    def _booking_or_404(self, pk):
        try:
            booking = db.session.get(Booking, int(pk))
        except (TypeError, ValueError):
            booking = None
        if booking is None:
            abort(404)
        return booking

    @expose("/")
    @has_access
    @permission_name("list")
    def mine(self):
        """My bookings, and the bookings waiting for my approval."""
        user = g.user
        mine = db.session.execute(select(Booking).where(Booking.booked_by_id == user.id)
                                  .order_by(Booking.starts_at.desc()).limit(100)).scalars().all()
        waiting = svc.waiting(db.session, user)
        return self._page("rooms/bookings.html", mine=mine, waiting=waiting,
                          title=_l("การจองห้องประชุม"))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("book")
    def new(self):
        form = request.form if request.method == "POST" else request.args
        rooms = db.session.execute(select(Room).where(Room.active.is_(True))
                                   .order_by(Room.agency_id, Room.name)).scalars().all()
        if request.method == "POST":
            day = None
            try:
                day = thai.parse_date(form.get("day"))
            except thai.ThaiDateError as e:
                flash(f"วันที่ประชุม: {e}", "danger")
            start, end = parse_time(form.get("start")), parse_time(form.get("end"))
            if day is not None and (start is None or end is None):
                flash("กรุณากรอกเวลาเริ่มและเวลาสิ้นสุดเป็น ชช:นน เช่น 09:00", "danger")
            elif day is not None:
                done = attempt(svc.book, db.session, g.user, to_int(form.get("room")), {
                    "title": form.get("title"), "attendees": form.get("attendees"),
                    "starts_at": dt.datetime.combine(day, start),
                    "ends_at": dt.datetime.combine(day, end),
                    "projector": form.get("projector"),
                    "video_conference": form.get("video_conference"),
                    "refreshments": form.get("refreshments"), "note": form.get("note")})
                if done:
                    booking = done.value
                    flash(f"จอง{booking.room.name} {svc.period_text(booking)} แล้ว "
                          "รอหน่วยงานเจ้าของห้องอนุมัติ", "success")
                    return redirect(url_for(".mine"))
        return self._page("rooms/book.html", rooms=rooms, form=form, title=_l("จองห้องประชุม"))

    def _act(self, pk, action, done):
        booking = self._booking_or_404(pk)
        if attempt(action, booking):
            flash(f"{done}: {booking.title} ({svc.period_text(booking)})", "success")
        return redirect(request.referrer or url_for(".mine"))

    @expose("/approve/<pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def approve(self, pk):
        return self._act(pk, lambda b: svc.decide(db.session, g.user, b, True,
                                                  request.form.get("note")), "อนุมัติแล้ว")

    @expose("/reject/<pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def reject(self, pk):
        return self._act(pk, lambda b: svc.decide(db.session, g.user, b, False,
                                                  request.form.get("note")), "ไม่อนุมัติ")

    @expose("/cancel/<pk>", methods=["POST"])
    @has_access
    def cancel(self, pk):
        return self._act(pk, lambda b: svc.cancel(db.session, g.user, b), "ยกเลิกแล้ว")

    # ---- calendars ------------------------------------------------------------------------

    def _rooms_chosen(self):
        """The rooms the calendar shows: one room (``room``), or an agency's (``agency``)."""
        room_id, agency_id = to_int(request.args.get("room")), to_int(request.args.get("agency"))
        query = select(Room).where(Room.active.is_(True)).order_by(Room.name)
        if room_id:
            return db.session.execute(query.where(Room.id == room_id)).scalars().all(), \
                room_id, None
        if not agency_id:  # by default the rooms of one's own agency, if it has any
            own = db.session.execute(query.where(Room.agency_id == g.user.agency_id)
                                     .limit(1)).first()
            agency_id = g.user.agency_id if own else None
        if agency_id:
            query = query.where(Room.agency_id == agency_id)
        return db.session.execute(query).scalars().all(), None, agency_id

    def _calendar(self, first, last, template, **kwargs):
        chosen, room_id, agency_id = self._rooms_chosen()
        bookings = svc.bookings_between(db.session, [r.id for r in chosen], first, last)
        by_day = {}
        for b in bookings:
            day = thai.to_bangkok(b.starts_at).date()
            by_day.setdefault(day, []).append(b)
        agencies = db.session.execute(select(Agency).where(
            Agency.id.in_(select(Room.agency_id))).order_by(Agency.name)).scalars().all()
        all_rooms = db.session.execute(select(Room).where(Room.active.is_(True))
                                       .order_by(Room.name)).scalars().all()
        return self._page(template, chosen=chosen, room_id=room_id, agency_id=agency_id,
                          by_day=by_day, agencies=agencies, all_rooms=all_rooms,
                          holidays=holidays.between(db.session, first, last),
                          today=thai.today(), day_names=DAY_NAMES,
                          to_bangkok=thai.to_bangkok, **kwargs)

    @expose("/week")
    @has_access
    @permission_name("calendar")
    def week(self):
        today = thai.today()
        day = parse_day(request.args.get("day"), today)
        monday = day - dt.timedelta(days=day.weekday())
        days = [monday + dt.timedelta(days=i) for i in range(7)]
        return self._calendar(days[0], days[-1], "rooms/week.html", days=days,
                              previous=monday - dt.timedelta(days=7),
                              next=monday + dt.timedelta(days=7), title=_l("ตารางห้องประชุมรายสัปดาห์"))

    @expose("/month")
    @has_access
    @permission_name("calendar")
    def month(self):
        today = thai.today()
        day = parse_day(request.args.get("day"), today).replace(day=1)
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
        previous = (day - dt.timedelta(days=1)).replace(day=1)
        following = (day + dt.timedelta(days=32)).replace(day=1)
        return self._calendar(weeks[0][0], weeks[-1][-1], "rooms/month.html", weeks=weeks,
                              month=day, month_name=thai.MONTHS_FULL[day.month - 1],
                              previous=previous, next=following,
                              title=_l("ตารางห้องประชุมรายเดือน"))

    @expose("/feed/<int:room_id>.ics")
    def feed(self, room_id):
        """The room's calendar for Thunderbird, Outlook or a phone: no login (a calendar
        application cannot), so the address carries the room's secret token instead."""
        room = db.session.get(Room, room_id)
        token = request.args.get("token", "")
        if room is None or not same_secret(token, svc.feed_token(room_id)):
            abort(404)
        today = thai.today()
        bookings = svc.bookings_between(db.session, [room.id], today - dt.timedelta(days=31),
                                        today + dt.timedelta(days=366))
        return Response(svc.ics(room, bookings),
                        mimetype="text/calendar",
                        headers={"Content-Disposition": f"inline; filename=room-{room.id}.ics",
                                 "Cache-Control": "private, max-age=300"})

