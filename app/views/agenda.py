"""The executives' agenda screens: the day and the week (on screen and as PDF), the
secretaries' form, and a calendar feed per executive."""

import datetime as dt

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l

from app import thai
from app.extensions import db
from app.models.agenda import APPOINTMENT_STATUSES, Appointment
from app.models.filetracking import Executive
from app.services import agenda as svc
from app.services import holidays, org
from app.services import reports
from app.views.base import parse_day, parse_time, same_secret, to_int
from app.views.errors import attempt


class AgendaView(BaseView):
    route_base = "/agenda"
    default_view = "day"
    base_permissions = ["can_day", "can_week", "can_print", "can_add", "can_edit", "can_cancel",
                        "can_feeds"]

    def _page(self, template, **kwargs):
        return self.render_template(
            template, statuses=APPOINTMENT_STATUSES, period_text=svc.period_text,
            format_date=thai.format_date, to_bangkok=thai.to_bangkok,
            keeps=svc.keeps_agenda(g.user), today=thai.today(), **kwargs)

    def _chosen(self):
        """The day asked (``day``, a Thai date; today by default) and the executive (or None)."""
        executive_id = to_int(request.args.get("executive"))
        executive = db.session.get(Executive, executive_id) if executive_id else None
        return parse_day(request.args.get("day"), thai.today()), executive

    @staticmethod
    def _appointments(first, last, executive):
        """What the user may read of the days (the secretaries read everything)."""
        return svc.between(db.session, first, last, executive.id if executive else None,
                           everything=svc.keeps_agenda(g.user))

    def _week_of(self, day):
        monday = day - dt.timedelta(days=day.weekday())
        return [monday + dt.timedelta(days=i) for i in range(7)]

    @staticmethod
    def _by_executive(appointments, executives):
        by = {e.id: [] for e in executives}
        for a in appointments:
            by.setdefault(a.executive_id, []).append(a)
        return [(e, by.get(e.id, [])) for e in executives]

    @staticmethod
    def _by_day(appointments, days):
        by = {d: [] for d in days}
        for a in appointments:
            start = thai.to_bangkok(a.starts_at).date()
            for d in days:  # an appointment of several days is listed on each of them
                if start <= d <= thai.to_bangkok(a.ends_at - dt.timedelta(seconds=1)).date():
                    by[d].append(a)
        return [(d, by[d]) for d in days]

    @expose("/")
    @has_access
    @permission_name("day")
    def day(self):
        day, executive = self._chosen()
        executives = [executive] if executive else svc.executives(db.session)
        appointments = self._appointments(day, day, executive)
        return self._page("agenda/day.html", day=day, executive=executive,
                          holiday=holidays.between(db.session, day, day).get(day),
                          all_executives=svc.executives(db.session),
                          sections=self._by_executive(appointments, executives),
                          previous=day - dt.timedelta(days=1), next=day + dt.timedelta(days=1),
                          title=_l("วาระงานผู้บริหารรายวัน"))

    @expose("/week")
    @has_access
    @permission_name("week")
    def week(self):
        day, executive = self._chosen()
        days = self._week_of(day)
        appointments = self._appointments(days[0], days[-1], executive)
        return self._page("agenda/week.html", day=day, days=days, executive=executive,
                          holidays=holidays.between(db.session, days[0], days[-1]),
                          all_executives=svc.executives(db.session),
                          sections=self._by_day(appointments, days),
                          previous=days[0] - dt.timedelta(days=7),
                          next=days[0] + dt.timedelta(days=7),
                          title=_l("วาระงานผู้บริหารรายสัปดาห์"))

    @expose("/print")
    @has_access
    @permission_name("print")
    def print(self):
        """The day's or the week's agenda as A4 PDF, in the official font."""
        day, executive = self._chosen()
        week = request.args.get("span") == "week"
        days = self._week_of(day) if week else [day]
        appointments = self._appointments(days[0], days[-1], executive)
        keeps = svc.keeps_agenda(g.user)

        def row(a, with_executive=True):
            start, end = thai.to_bangkok(a.starts_at), thai.to_bangkok(a.ends_at)
            when = f"{start:%H:%M}-{end:%H:%M} น." if start.date() == end.date() \
                else svc.period_text(a)
            title = a.title + (" (ยกเลิก)" if a.status != "active" else "") \
                + (" (ไม่เผยแพร่)" if keeps and not a.public else "")
            cells = [when] + ([str(a.executive.title) + "\n" + a.executive.name]
                              if with_executive else []) \
                + [title, a.place or "", a.attended_by or "", a.notes or ""]
            return cells

        who = f"{executive.title} ({executive.name})" if executive else "ผู้บริหารจังหวัด"
        if week:
            sections = [(thai.format_day(d),
                         [row(a, executive is None) for a in items])
                        for d, items in self._by_day(appointments, days)]
            period = (f"ระหว่างวันที่ {thai.format_date(days[0], full_month=True)} ถึง "
                      f"{thai.format_date(days[-1], full_month=True)}")
        else:
            sections = [("", [row(a, executive is None) for a in appointments])]
            period = thai.format_day(day)
        headers = ["เวลา"] + (["ผู้บริหาร"] if executive is None else []) \
            + ["เรื่อง", "สถานที่", "ผู้ไปแทน", "หมายเหตุ"]
        widths = [16, 22, 26, 14, 11, 11] if executive is None else [16, 36, 18, 15, 15]
        table = reports.Table(
            title=f"วาระงาน{who} {period}", owner=_province_office_name(),
            headers=headers, widths=widths, sections=sections,
            printed_by=g.user.get_full_name(), printed_at=thai.format_datetime(thai.utcnow()),
            empty="ไม่มีนัดหมาย")
        pdf = reports.render_table_pdf(table)
        name = f"agenda-{'week' if week else 'day'}-{day:%Y%m%d}.pdf"
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f"inline; filename={name}"})

    # ---- the secretaries' form --------------------------------------------------------------

    def _form(self, appointment=None):
        if request.method == "POST":
            form = request.form
        elif appointment is not None:
            start, end = thai.to_bangkok(appointment.starts_at), thai.to_bangkok(appointment.ends_at)
            form = {"executive_id": str(appointment.executive_id), "title": appointment.title,
                    "place": appointment.place or "", "attended_by": appointment.attended_by or "",
                    "notes": appointment.notes or "", "public": "y" if appointment.public else "",
                    "day": thai.format_date_input(start.date()), "start": f"{start:%H:%M}",
                    "end_day": thai.format_date_input(end.date()) if end.date() != start.date()
                    else "", "end": f"{end:%H:%M}"}
        else:
            form = {"public": "y", "executive_id": request.args.get("executive", ""),
                    "day": request.args.get("day", "")}
        clashes = []
        if request.method == "POST":
            data = self._data(form)
            if data is not None:
                done = attempt(svc.save, db.session, g.user, data, appointment=appointment,
                               confirmed=_ids(form.get("confirmed")))
                if isinstance(done.refusal, svc.DoubleBooked):
                    clashes = done.refusal.clashes
                elif done:
                    saved = done.value
                    flash(f"บันทึกนัดหมาย \u201c{saved.title}\u201d {svc.period_text(saved)} แล้ว",
                          "success")
                    start = thai.to_bangkok(saved.starts_at).date()
                    return redirect(url_for(".day", day=thai.format_date_input(start)))
        return self._page("agenda/form.html", form=form, appointment=appointment,
                          clashes=clashes, executives=svc.executives(db.session),
                          title=_l("แก้ไขนัดหมาย") if appointment else _l("ลงนัดหมาย"))

    @staticmethod
    def _data(form):
        """The service's fields from the form, or None (with a message flashed)."""
        try:
            day = thai.parse_date(form.get("day"))
            end_day = thai.parse_date(form.get("end_day")) or day
        except thai.ThaiDateError as e:
            flash(f"วันที่: {e}", "danger")
            return None
        if day is None:
            flash("กรุณากรอกวันที่นัดหมาย", "danger")
            return None
        start, end = parse_time(form.get("start")), parse_time(form.get("end"))
        if start is None or end is None:
            flash("กรุณากรอกเวลาเริ่มและเวลาสิ้นสุดเป็น ชช:นน เช่น 09:00", "danger")
            return None
        return {"executive_id": form.get("executive_id"), "title": form.get("title"),
                "place": form.get("place"), "attended_by": form.get("attended_by"),
                "notes": form.get("notes"), "public": form.get("public"),
                "starts_at": dt.datetime.combine(day, start),
                "ends_at": dt.datetime.combine(end_day, end)}

    def _appointment_or_404(self, pk):
        appointment = db.session.get(Appointment, pk)
        if appointment is None:
            abort(404)
        return appointment

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def new(self):
        return self._form()

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def edit(self, pk):
        return self._form(self._appointment_or_404(pk))

    @expose("/cancel/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("cancel")
    def cancel(self, pk):
        appointment = self._appointment_or_404(pk)
        if attempt(svc.cancel, db.session, g.user, appointment):
            flash(f"ยกเลิกนัดหมาย \u201c{appointment.title}\u201d แล้ว", "success")
        start = thai.to_bangkok(appointment.starts_at).date()
        return redirect(url_for(".day", day=thai.format_date_input(start)))

    # ---- calendar feeds ---------------------------------------------------------------------

    @expose("/feeds")
    @has_access
    @permission_name("feeds")
    def feeds(self):
        """The feed address of each executive, for the secretaries to give to calendars."""
        rows = [(e, url_for(".feed", executive_id=e.id, token=svc.feed_token(e.id),
                            _external=True)) for e in svc.executives(db.session)]
        return self._page("agenda/feeds.html", rows=rows, title=_l("ปฏิทินของผู้บริหาร (.ics)"))

    @expose("/feed/<int:executive_id>.ics")
    def feed(self, executive_id):
        """An executive's calendar: no login (a calendar application cannot), so the address
        carries the executive's secret token instead."""
        executive = db.session.get(Executive, executive_id)
        if executive is None or not same_secret(request.args.get("token", ""),
                                          svc.feed_token(executive_id)):
            abort(404)
        today = thai.today()
        # Whoever holds the secret address reads everything, as the secretaries do.
        appointments = svc.between(db.session, today - dt.timedelta(days=31),
                                   today + dt.timedelta(days=366), executive.id, everything=True)
        return Response(svc.ics(executive, appointments),
                        mimetype="text/calendar",
                        headers={"Content-Disposition":
                                 f"inline; filename=executive-{executive.id}.ics",
                                 "Cache-Control": "private, max-age=300"})


def _ids(text):
    """The appointment ids a warned secretary confirmed ("12,15")."""
    return {int(x) for x in str(text or "").split(",") if x.strip().isdigit()}


def _province_office_name():
    """Whose agenda it is: the Provincial Office's (the executives are the province's)."""
    office = org.provincial_office(db.session)
    return office.name if office else ""
