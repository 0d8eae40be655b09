"""The six correspondence registers' screens: list, search, detail, register-and-number,
reserve, cancel, attachments, dispatch, Excel export and the daily report.

One ``RegisterView`` serves them all; each register's screen (``REGISTER_VIEWS``) is made from its
description in app/registers.py. Every rule is in app/services/correspondence.py, whose ``rights``
says what the user may do with an entry (the detail and its template show exactly that); these
views read forms and files, call the services, and show their answers.

Every endpoint finds its entry through ``_entry_or_404``, which applies the same scope as the list
(FAB applies ``base_filters`` to list/show/edit only), so another agency's entry is a 404 on every
route: detail, edit, cancel, attachments, export and report alike.
"""

from operator import attrgetter

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import MultipleFileField, SelectField
from wtforms.validators import Optional

from app import thai
from app.access import entry_scope, masked_for, party_test
from app.extensions import db
from app.fields import PlainSelect, ThaiDateField
from app.models import RegisterEntry
from app.models.correspondence import SECRET_CONTENT
from app.models.dispatch import DELIVERY_STATUSES, Delivery
from app.registers import REGISTERS
from app.services import audit, daily_report, entry_search, reports
from app.services import correspondence as svc
from app.services import dispatch as dispatching
from app.services import recipients
from app.services.errors import DomainError, ValidationFailed
from app.services.exports import xlsx_bytes
from app.views.base import EOfficeModelView
from app.views.entry_form import (
    LABELS,
    SECRECY_CHOICES,
    SPEED_CHOICES,
    EntryForm,
    EntryFormWidget,
    require_sender,
)
from app.views.errors import attempt, attempt_form, searched
from app.views.files import (
    XLSX_MIME,
    disposition,
    serve_file,
    thai_file_name,
    uploads_from,
)
from app.views.forms import KeepsTypedForm
from app.views.labels import choices, secrecy_badge, speed_badge, status_badge
from app.views.register_list import RegisterInterface, RegisterListWidget, RegisterScopeFilter

class RegisterView(KeepsTypedForm, EOfficeModelView):
    """The screen of one register; ``register`` (its code) is set where the screen is made."""

    register = None
    datamodel = None  # set where the screen is made
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_cancel",
                        "can_reserve", "can_attach", "can_file", "can_xlsx", "can_report",
                        "can_dispatch"]
    label_columns = LABELS
    base_order = ("id", "desc")
    list_widget = RegisterListWidget
    order_columns = ["registered_at", "doc_date"]
    formatters_columns = {
        "speed": speed_badge, "secrecy": secrecy_badge, "status": status_badge,
        "doc_date": thai.format_date, "received_at": thai.format_datetime,
        "registered_at": thai.format_datetime, "cancelled_at": thai.format_datetime,
        "reserved_until": thai.format_datetime,
    }
    search_columns = ["number", "doc_number", "subject", "sender", "receiver", "doc_date",
                      "registered_at", "speed", "secrecy", "status"]
    search_form_extra_fields = {
        "doc_date": ThaiDateField(_l("ลงวันที่ (พ.ศ.)")),
        "registered_at": ThaiDateField(_l("วันที่ลงทะเบียน (พ.ศ.)")),
        "received_at": ThaiDateField(_l("วันที่รับ (พ.ศ.)")),
        "speed": SelectField(LABELS["speed"], choices=SPEED_CHOICES, widget=PlainSelect()),
        "secrecy": SelectField(LABELS["secrecy"], choices=SECRECY_CHOICES,
                               widget=PlainSelect()),
        "status": SelectField(LABELS["status"], choices=choices(svc.STATUSES),
                              widget=PlainSelect()),
    }
    add_form = EntryForm
    add_widget = EntryFormWidget
    edit_widget = EntryFormWidget
    edit_form_extra_fields = {
        # Files attached as the entry is edited (a reservation filled in with its scan).
        "files": MultipleFileField(LABELS["files"],
                                   description=_l("แนบไฟล์เพิ่มได้ PDF รูปภาพ Word หรือ Excel")),
        "doc_date": ThaiDateField(LABELS["doc_date"], [Optional()]),
        "speed": SelectField(LABELS["speed"], choices=SPEED_CHOICES, widget=PlainSelect()),
        "secrecy": SelectField(LABELS["secrecy"], choices=SECRECY_CHOICES,
                               widget=PlainSelect()),
    }
    show_columns = ["number_text", "year", "status", "doc_number", "doc_date", "sender",
                    "receiver", "subject", "action", "remarks", "speed", "secrecy",
                    "received_at", "registered_at", "registered_by", "reserved_until",
                    "cancel_reason", "cancelled_by", "cancelled_at"]
    list_template = "registers/list.html"
    show_template = "registers/show.html"

    def __init__(self, **kwargs):
        spec = self.spec
        self.base_filters = [["id", RegisterScopeFilter, self.register]]
        self.list_title = spec.label
        self.list_columns = list(spec.list_columns)
        self.show_title = _l("รายละเอียดรายการทะเบียน")
        self.add_title = _l("ลงทะเบียนและออกเลข")
        self.edit_title = _l("แก้ไขรายการทะเบียน")
        self.label_columns = {**LABELS, "number_text": spec.number_title}
        if spec.incoming:
            self.search_columns = [*self.search_columns, "received_at"]
        # An outgoing letter's number is the one issued here: never typed, nor typed over.
        self.edit_columns = [*spec.typed_fields, "files"]
        self.add_columns = [*spec.typed_fields, "readers", "files"]
        if spec.backdated_receipt:
            self.add_columns[-2:-2] = ["received_on", "received_time"]
        super().__init__(**kwargs)

    # ---- helpers ---------------------------------------------------------------------------

    @property
    def spec(self):
        return REGISTERS[self.register]

    def _entry_or_404(self, pk):
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            abort(404)
        entry = db.session.execute(
            select(RegisterEntry).where(
                RegisterEntry.id == pk, entry_scope(g.user, self.register))
        ).scalar_one_or_none()
        if entry is None:
            abort(404)
        return entry

    def _back(self, entry=None):
        if entry is not None:
            return redirect(url_for(f"{self.endpoint}.show", pk=entry.id))
        return redirect(url_for(f"{self.endpoint}.list"))

    def render_template(self, template, **kwargs):
        kwargs.setdefault("register", self.spec)
        kwargs.setdefault("view", self)
        kwargs.setdefault("count_cap", current_app.config["LIST_COUNT_CAP"])
        criteria = (g.get("entry_search") or (None, {}))[1]
        kwargs.setdefault("criteria", criteria)
        kwargs.setdefault("searched", entry_search.shown(criteria))
        kwargs.setdefault("search_args", {k: request.args[k] for k in entry_search.FIELDS
                                          if request.args.get(k)})
        kwargs.setdefault("search_choices", [(name, LABELS[name], dict(reversed(table.items())))
                                             for name, table in (("speed", svc.SPEEDS),
                                                                 ("secrecy", svc.SECRECIES))]
                          + [("status", LABELS["status"], svc.STATUSES)])
        return super().render_template(template, **kwargs)

    def may(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def check_edit(self, actor, item):
        svc.check_edit(actor, item)

    def check_add(self, actor, item):
        raise DomainError("ลงทะเบียนผ่านแบบฟอร์มออกเลขเท่านั้น")

    def _search(self):
        """The search the request asks for (the list's form), checked; kept in ``g`` for the
        register's interface to apply. A bad criterion is said in Thai and none is applied."""
        g.entry_search = (self.register, searched())
        return g.entry_search[1]

    @expose("/list/")
    @has_access
    def list(self):
        # Reservations past their deadline are cancelled before anyone reads the register.
        svc.expire_reservations(db.session)
        self._search()
        return super().list()

    # ---- register and number --------------------------------------------------------------

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = self.add_form.refresh()
        if self.spec.incoming and "sender" in self.spec.typed_fields:
            require_sender(form)
        if request.method == "GET":
            for name, value in svc.form_defaults(db.session, g.user, self.register).items():
                form[name].data = value
        if request.method == "POST" and form.validate():
            data = {name: form[name].data for name in self.spec.typed_fields}
            if self.spec.backdated_receipt:
                data["received_on"] = form.received_on.data
                data["received_time"] = form.received_time.data
            done = attempt_form(form, svc.register_entry, db.session, g.user, self.register,
                                data, uploads=uploads_from(),
                                reader_ids=[u.id for u in (form.readers.data or [])])
            if done:
                entry = done.value
                flash(f"ออกเลข {entry.number_text()} เรียบร้อยแล้ว", "success")
                if request.form.get("next"):  # บันทึกและลงทะเบียนฉบับต่อไป
                    return redirect(url_for(f"{self.endpoint}.add", issued=entry.id))
                return redirect(url_for(f"{self.endpoint}.show", pk=entry.id, issued=1))
        widget = self._get_add_widget(form=form, exclude_cols=[])
        widget["add"].template_args.update(
            save_next=True,
            suggestions=svc.earlier_parties(db.session, g.user, self.register))
        return self.render_template("registers/add.html", title=self.add_title, widgets=widget,
                                    issued=self._issued(request.args.get("issued")))

    def _issued(self, pk):
        """The entry just numbered (``?issued=<id>`` after บันทึกและลงทะเบียนฉบับต่อไป), if the
        user sees it: its number is shown large above the next letter's form."""
        if not pk or not str(pk).isdigit() or len(str(pk)) > 12:
            return None
        return db.session.execute(select(RegisterEntry).where(
            RegisterEntry.id == int(pk), entry_scope(g.user, self.register))).scalar_one_or_none()

    # ---- detail and edit ------------------------------------------------------------------

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        entry = self._entry_or_404(pk)
        widgets = self._get_show_widget(
            entry.id, entry,
            show_fieldsets=[(_l("รายละเอียดหนังสือ"), {"fields": self._show_fields(entry)})])
        rights = svc.rights(g.user, entry, self.may)
        return self.render_template(
            self.show_template, pk=entry.id, title=self.show_title, widgets=widgets,
            related_views=[], entry=entry, rights=rights,
            format_datetime=thai.format_datetime, **self._travel(entry, rights),
        )

    def _travel(self, entry, rights):
        """What the detail shows of the letter's travels: the form to send it on, its deliveries,
        and its timeline."""
        letter_id = dispatching.letter_of(db.session, entry)
        deliveries = db.session.execute(
            select(Delivery).where(Delivery.entry_id == entry.id).order_by(Delivery.id)
        ).scalars().all()
        return {
            "deliveries": deliveries,
            "recipients": recipients.choices(db.session, entry) if rights.send else [],
            "recipient_lists": recipients.lists_of(db.session, g.user) if rights.send else [],
            "events": dispatching.timeline(db.session, g.user, letter_id) if rights.read else [],
            "delivery_statuses": DELIVERY_STATUSES,
        }

    def _show_fields(self, entry):
        """The detail's rows: a reservation's deadline only while reserved, the cancellation
        only once cancelled, the receipt stamp only for incoming letters, the parties only for
        a register that records them."""
        hidden = set()
        if not entry.is_reserved:
            hidden.add("reserved_until")
        if not entry.is_cancelled:
            hidden |= {"cancel_reason", "cancelled_by", "cancelled_at"}
        if not self.spec.incoming:
            hidden.add("received_at")
        if not self.spec.parties:
            hidden |= {"sender", "receiver", "doc_number"}
        return [c for c in self.show_columns if c not in hidden]

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        entry = self._entry_or_404(pk)
        if not attempt(svc.require_edit, g.user, entry):
            return self._back(entry)
        uploads = uploads_from() if request.method == "POST" else []
        # The files are checked before anything is saved: a refused file changes nothing.
        if uploads and not attempt(svc.check_attachments, g.user, entry, uploads):
            return redirect(url_for(f"{self.endpoint}.edit", pk=entry.id))
        widgets = self._edit(entry.id)
        if not widgets and getattr(self.refused(), "errors", None):  # each fault beside its field
            return self.post_edit_redirect()
        if not widgets:
            if uploads and attempt(svc.add_attachments, db.session, g.user, entry, uploads):
                flash(f"แนบไฟล์ {len(uploads)} ไฟล์แล้ว", "success")
            return self._back(entry)
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views)

    # ---- cancel, reserve, attach, dispatch ------------------------------------------------

    @expose("/cancel/<pk>", methods=["POST"])
    @has_access
    def cancel(self, pk):
        entry = self._entry_or_404(pk)
        if attempt(svc.cancel, db.session, g.user, entry, request.form.get("reason")):
            flash(f"ยกเลิกเลข {entry.number_text()} แล้ว (เลขนี้คงอยู่ในทะเบียน)", "success")
        return self._back(entry)

    @expose("/reserve", methods=["GET", "POST"])
    @has_access
    def reserve(self):
        if not self.spec.reservable:
            abort(404)
        if request.method == "POST":
            svc.expire_reservations(db.session)
            done = attempt(svc.reserve, db.session, g.user, self.register,
                           request.form.get("count"),
                           secrecy=request.form.get("secrecy") or "normal",
                           remarks=request.form.get("remarks"))
            if done:
                entries = done.value
                first, last = entries[0].number_text(), entries[-1].number_text()
                numbers = first if len(entries) == 1 else f"{first} ถึง {last}"
                flash(f"จองเลข {numbers} แล้ว กรุณากรอกรายละเอียดภายใน "
                      f"{thai.format_datetime(entries[0].reserved_until)}", "success")
                return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template(
            "registers/reserve.html", title=_l("จองเลข"),
            secrecies=list(reversed(list(svc.SECRECIES.items()))),
            days=current_app.config["RESERVATION_DAYS"],
            max_block=current_app.config["RESERVATION_MAX_BLOCK"],
        )

    @expose("/attach/<pk>", methods=["POST"])
    @has_access
    def attach(self, pk):
        entry = self._entry_or_404(pk)
        if attempt(svc.add_attachments, db.session, g.user, entry, uploads_from()):
            flash("แนบไฟล์เรียบร้อยแล้ว", "success")
        return self._back(entry)

    @expose("/file/<pk>/<int:attachment_id>", methods=["GET"])
    @has_access
    def file(self, pk, attachment_id):
        return attachment_response(self._entry_or_404(pk), attachment_id)

    @expose("/dispatch/<pk>", methods=["POST"])
    @has_access
    def dispatch(self, pk):
        entry = self._entry_or_404(pk)
        done = attempt(dispatching.dispatch, db.session, g.user, entry,
                       request.form.getlist("recipients"), note=request.form.get("note"))
        if done:
            names = [d.recipient_name() for d in done.value]
            shown = ", ".join(names[:5]) + (f" และอีก {len(names) - 5} ราย" if len(names) > 5 else "")
            flash(f"ส่งหนังสือถึง {shown} แล้ว ({len(names)} ราย)", "success")
        return self._back(entry)

    # ---- export and report ----------------------------------------------------------------

    def _filtered_query(self):
        get_filter_args(self._filters)
        filters = self._filters.get_joined_filters(self._base_filters)
        query = db.session.query(RegisterEntry)
        return self.datamodel.apply_all(query, filters, "id", "asc")

    def export_columns(self):
        columns = ["number", "year", "received_at" if self.spec.incoming else "registered_at",
                   "doc_number", "doc_date", "sender", "receiver", "subject", "action",
                   "remarks", "speed", "secrecy", "status", "cancel_reason"]
        if not self.spec.parties:
            columns = [c for c in columns if c not in ("sender", "receiver")]
        return columns

    EXPORT_WIDTHS = {"subject": 60, "sender": 30, "receiver": 30, "action": 30, "remarks": 30,
                     "doc_number": 22, "number": 10, "year": 8, "received_at": 22,
                     "registered_at": 22, "cancel_reason": 30}

    @expose("/xlsx", methods=["GET"])
    @has_access
    def xlsx(self):
        """The list as it is filtered, to Excel, streamed row by row from the database."""
        self._search()
        columns = self.export_columns()
        party = party_test(db.session, g.user)
        # Numbers, dates and times as themselves (Excel sorts and counts them), times in Bangkok.
        shown = {
            "speed": lambda e: svc.SPEEDS.get(e.speed, e.speed),
            "secrecy": lambda e: svc.SECRECIES.get(e.secrecy, e.secrecy),
            "status": lambda e: svc.STATUSES.get(e.status, e.status),
            "received_at": lambda e: e.received_at and thai.to_bangkok(e.received_at),
            "registered_at": lambda e: thai.to_bangkok(e.registered_at),
        }
        getters = [shown.get(c) or attrgetter(c) for c in columns]
        content = [c in SECRET_CONTENT for c in columns]

        action = columns.index("action")

        def row(entry, travel):
            values = [get(entry) for get in getters]
            if not party(entry):
                values = [masked_for(entry, c, False) if secret else v
                          for c, v, secret in zip(columns, values, content)]
            values[action] = dispatching.with_travel(values[action], travel)
            return values

        def rows_with_travels(entries, batch=1000):
            """Each row with its letter's travels, read a thousand rows at a time."""
            chunk = []
            for entry in entries:
                chunk.append(entry)
                if len(chunk) == batch:
                    yield from _with(chunk)
                    chunk = []
            yield from _with(chunk)

        def _with(chunk):
            travels = dispatching.travel_texts(db.session, [e.id for e in chunk])
            return (row(e, travels.get(e.id)) for e in chunk)

        # Plain rows, not ORM objects: a register's export may be a million of them.
        table = RegisterEntry.__table__
        statement = self._filtered_query().statement.with_only_columns(*table.columns)
        rows = rows_with_travels(db.session.execute(statement.execution_options(yield_per=1000)))
        headers = [str(self.spec.number_title if c == "number" else self.label_columns[c])
                   for c in columns]
        widths = [self.EXPORT_WIDTHS.get(c, 14) for c in columns]
        data = xlsx_bytes(str(self.spec.label), headers, rows, widths=widths)
        audit.record(db.session, "export", detail={"what": self.register,
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return send_file(data, as_attachment=True, mimetype=XLSX_MIME,
                         download_name=thai_file_name(self.spec.label, "xlsx"))

    @expose("/report", methods=["GET"])
    @has_access
    def report(self):
        """The daily register report (for a day, a round of a day, or a range) as a print view
        or, with ``format=pdf``, a PDF."""
        done = attempt(self._report, request.args)
        if not done:
            return redirect(url_for(f"{self.endpoint}.list"))
        day, spec, rows = done.value
        if request.args.get("format") == "pdf":
            pdf = reports.render_pdf(spec, rows)
            response = Response(pdf, mimetype="application/pdf")
            response.headers["Content-Disposition"] = (
                disposition(thai_file_name(f"รายงานประจำวัน {self.spec.label}", "pdf", day)))
            return response
        return Response(reports.render_html(spec, rows), mimetype="text/html")

    def _report(self, args):
        """(day, heading, rows) of the report the arguments ask for."""
        try:
            day = thai.parse_date(args.get("day")) or thai.today()
            until = thai.parse_date(args.get("until"))
        except thai.ThaiDateError as e:
            raise ValidationFailed(str(e)) from None
        round_ = args.get("round") or "all"
        start, end = daily_report.period_bounds(day, until, round_)
        criteria = entry_search.read({k: v for k, v in args.items()
                                      if k not in ("date_from", "date_to")})
        entries = daily_report.report_entries(
            db.session, g.user, self.register, start, end,
            entry_search.conditions(g.user, self.register, criteria))
        spec = daily_report.report_heading(g.user, self.spec,
                                           daily_report.period_text(day, until, round_))
        return day, spec, daily_report.report_rows(db.session, entries, g.user, self.spec)


# Each register's screen, in the menu's order: a RegisterView named as its description says
# (the name is what the levels are granted).
REGISTER_VIEWS = [
    type(register.view, (RegisterView,), {
        "register": register.code,
        "menu_label": register.menu_label,
        "datamodel": RegisterInterface(RegisterEntry),
    })
    for register in REGISTERS.values()
]


def attachment_response(entry, attachment_id, party=None):
    """The file of an attachment of ``entry`` (which the caller has checked the user may see),
    inline or, with ``download=1``, as a download; secret PDFs stamped with the viewer."""
    user = g.user
    lines = [
        f"{user.get_full_name()} ({user.username})",
        thai.format_datetime(thai.utcnow()),
        f"IP {request.remote_addr or '-'}",
    ]
    return serve_file(lambda disposition: svc.open_attachment(
        db.session, user, entry, attachment_id, disposition, viewer_lines=lines, party=party))
