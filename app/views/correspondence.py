"""The six correspondence registers: list, search, detail, register-and-number, reserve, cancel,
attachments, Excel export and the daily report. Every rule is in app/services/correspondence.py;
these views read forms and files, call it, and turn its refusals into Thai messages.

Every endpoint finds its entry through ``_entry_or_404``, which applies the same scope as the list
(FAB applies ``base_filters`` to list/show/edit only), so another agency's entry is a 404 on every
route: detail, edit, cancel, attachments, export and report alike.
"""

from operator import attrgetter
from urllib.parse import quote

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    BS3TextFieldWidget,
    Select2ManyWidget,
    Select2Widget,
)
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import ListWidget
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app import thai
from app.access import entry_scope, is_party, party_condition, party_test, registers_of
from app.extensions import db
from app.fields import ThaiDateField
from app.models import EOfficeUser, NumberSeries, RegisterEntry
from app.models.dispatch import DELIVERY_STATUSES, Delivery
from app.models.correspondence import SECRET_CONTENT, STATUS_CANCELLED, STATUS_RESERVED
from app.registers import REGISTERS
from app.services import correspondence as svc
from app.services.attachments import Upload
from app.services.errors import DomainError
from app.services.exports import xlsx_bytes
from app.views.base import EOfficeModelView
from app.views.filters import ThaiFilterConverter, ThaiSQLAInterface

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LABELS = {
    "number": _l("เลขทะเบียน"),
    "number_text": _l("เลขทะเบียน"),
    "year": _l("ปี พ.ศ."),
    "doc_number": _l("ที่"),
    "doc_date": _l("ลงวันที่"),
    "sender": _l("จาก"),
    "receiver": _l("ถึง"),
    "subject": _l("เรื่อง"),
    "action": _l("การปฏิบัติ"),
    "remarks": _l("หมายเหตุ"),
    "speed": _l("ชั้นความเร็ว"),
    "secrecy": _l("ชั้นความลับ"),
    "received_at": _l("วันเวลาที่รับ"),
    "registered_at": _l("วันเวลาที่ลงทะเบียน"),
    "registered_by": _l("ผู้ลงทะเบียน"),
    "status": _l("สถานะ"),
    "reserved_until": _l("ต้องใช้เลขที่จองภายใน"),
    "cancel_reason": _l("เหตุผลที่ยกเลิก"),
    "cancelled_by": _l("ผู้ยกเลิก"),
    "cancelled_at": _l("วันเวลาที่ยกเลิก"),
    "agency": _l("หน่วยงาน"),
    "work_group": _l("กลุ่มงาน"),
    "readers": _l("ผู้มีสิทธิ์อ่าน (หนังสือลับ)"),
    "files": _l("ไฟล์แนบ"),
}

SPEED_BADGES = {"most_urgent": "danger", "very_urgent": "warning", "urgent": "info"}
SECRECY_BADGES = {"top_secret": "danger", "secret": "warning", "confidential": "primary"}
STATUS_BADGES = {STATUS_CANCELLED: "default", STATUS_RESERVED: "info"}


def _badge(text, kind):
    return Markup('<span class="label label-{}">{}</span>').format(kind, text)


def speed_badge(code):
    label = svc.SPEEDS.get(code, code or "")
    return _badge(label, SPEED_BADGES[code]) if code in SPEED_BADGES else label


def secrecy_badge(code):
    label = svc.SECRECIES.get(code, code or "")
    return _badge(label, SECRECY_BADGES[code]) if code in SECRECY_BADGES else label


def status_badge(code):
    label = svc.STATUSES.get(code, code or "")
    return _badge(label, STATUS_BADGES[code]) if code in STATUS_BADGES else label


def _choices(mapping, reverse=True):
    """Select choices; by default least pressing first, so that the default (ปกติ) heads them."""
    items = list(mapping.items())
    return [SelectChoice(code, label) for code, label in (reversed(items) if reverse else items)]


class RegisterListWidget(ListWidget):
    """FAB's list widget with a leaner template (registers/list_widget.html): a register page
    is rendered on every visit of every clerk, so the per-row work is kept to the cells."""

    template = "registers/list_widget.html"

    def __init__(self, **kwargs):
        formatters = kwargs.get("formatters_columns") or {}
        kwargs["cells"] = [(c, formatters.get(c)) for c in kwargs.get("include_columns", [])]
        super().__init__(**kwargs)


class RegisterScopeFilter(BaseFilter):
    """Base filter: the entries of one register (the value) that the current user may see."""

    name = "register scope"
    arg_name = "register_scope"

    def apply(self, query, value):
        return query.filter(entry_scope(g.user, value))


class RegisterFilterConverter(ThaiFilterConverter):
    """Speed, secrecy and status are chosen from a list: they are searched by equality, which
    their indexes answer, never by "contains" (which reads every row of the register)."""

    CHOICE_COLUMNS = ("speed", "secrecy", "status")

    def convert(self, col_name):
        if col_name in self.CHOICE_COLUMNS:
            return [FilterEqual(col_name, self.datamodel), FilterNotEqual(col_name, self.datamodel)]
        return super().convert(col_name)


class RegisterInterface(ThaiSQLAInterface):
    """FAB's interface for the registers, with these changes:

    - a search on a letter's content never matches a secret letter the user is not party to (it
      would tell them what it is about), and that content is masked in lists and details;
    - the count under a list stops at LIST_COUNT_CAP: an exact count of millions of rows costs
      more than the page it sits under;
    - speed, secrecy and status are searched by equality (RegisterFilterConverter).
    """

    filter_converter_class = RegisterFilterConverter

    def apply_filters(self, query, filters):
        query = super().apply_filters(query, filters)
        if filters and any(getattr(f, "column_name", None) in SECRET_CONTENT
                           for f in filters.filters):
            query = query.filter(party_condition(g.user))
        return query

    def query_count(self, query, filters=None, select_columns=None):
        cap = current_app.config["LIST_COUNT_CAP"]
        inner = self._apply_inner_all(query, filters, select_columns=select_columns,
                                      aliases_mapping={})
        limited = inner.order_by(None).with_entities(RegisterEntry.id).limit(cap + 1).subquery()
        return self.session.execute(select(func.count()).select_from(limited)).scalar_one()

    def _mask(self, item, column, value):
        if column in SECRET_CONTENT and value and not is_party(item, g.user):
            return svc.masked(item, g.user, column)
        return value

    def get_values_item(self, item, show_columns):
        return [self._mask(item, c, v)
                for c, v in zip(show_columns, super().get_values_item(item, show_columns))]

    def get_values(self, lst, list_columns):
        for item in lst:
            yield {c: self._mask(item, c, self._get_attr_value(item, c)) for c in list_columns}


def agency_users():
    """Users a secret letter may be opened to: the registering clerk's own agency."""
    user = g.user
    query = db.session.query(EOfficeUser).filter(EOfficeUser.active.is_(True))
    if user.agency_id is not None:
        query = query.filter(EOfficeUser.agency_id == user.agency_id)
    return query.order_by(EOfficeUser.first_name)


TEXT = BS3TextFieldWidget()
AREA = BS3TextAreaFieldWidget()


class EntryForm(DynamicForm):
    """The register-and-number form; which fields show depends on the register."""

    doc_number = StringField(LABELS["doc_number"], [Optional(), Length(max=120)], widget=TEXT,
                             description=_l("เลขที่ของหนังสือตามที่ผู้ส่งออก เช่น พง 0019/123"))
    doc_date = ThaiDateField(LABELS["doc_date"], [Optional()])
    sender = StringField(LABELS["sender"], [Optional(), Length(max=255)], widget=TEXT)
    receiver = StringField(LABELS["receiver"], [Optional(), Length(max=255)], widget=TEXT)
    subject = TextAreaField(LABELS["subject"], [Length(max=2000)], widget=AREA)
    action = StringField(LABELS["action"], [Optional(), Length(max=255)], widget=TEXT)
    remarks = TextAreaField(LABELS["remarks"], [Optional(), Length(max=2000)], widget=AREA)
    speed = SelectField(LABELS["speed"], choices=_choices(svc.SPEEDS), default="normal",
                        widget=Select2Widget())
    secrecy = SelectField(LABELS["secrecy"], choices=_choices(svc.SECRECIES), default="normal",
                          widget=Select2Widget())
    readers = QuerySelectMultipleField(
        LABELS["readers"], query_func=agency_users, get_pk_func=lambda user: user.id,
        widget=Select2ManyWidget(),
        description=_l("เฉพาะหนังสือลับ: ผู้ที่เปิดอ่านเรื่องและเอกสารแนบได้ นอกจากผู้ลงทะเบียน"))
    files = MultipleFileField(
        LABELS["files"],
        description=_l("PDF รูปภาพ Word หรือ Excel ได้หลายไฟล์"))


def uploads_from(field_name="files"):
    return [Upload(filename=f.filename, data=f.read())
            for f in request.files.getlist(field_name) if f and f.filename]


class RegisterView(EOfficeModelView):
    """One register. Subclasses name ``register`` and the columns it shows."""

    register = None
    datamodel = None  # set by subclasses
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
        "speed": SelectField(LABELS["speed"], choices=_choices(svc.SPEEDS), widget=Select2Widget()),
        "secrecy": SelectField(LABELS["secrecy"], choices=_choices(svc.SECRECIES),
                               widget=Select2Widget()),
        "status": SelectField(LABELS["status"], choices=_choices(svc.STATUSES, reverse=False),
                              widget=Select2Widget()),
    }
    add_form = EntryForm
    edit_columns = ["doc_number", "doc_date", "sender", "receiver", "subject", "action",
                    "remarks", "speed", "secrecy"]
    edit_form_extra_fields = {
        "doc_date": ThaiDateField(LABELS["doc_date"], [Optional()]),
        "speed": SelectField(LABELS["speed"], choices=_choices(svc.SPEEDS), widget=Select2Widget()),
        "secrecy": SelectField(LABELS["secrecy"], choices=_choices(svc.SECRECIES),
                               widget=Select2Widget()),
    }
    show_columns = ["number_text", "year", "status", "doc_number", "doc_date", "sender",
                    "receiver", "subject", "action", "remarks", "speed", "secrecy",
                    "received_at", "registered_at", "registered_by", "reserved_until",
                    "cancel_reason", "cancelled_by", "cancelled_at"]
    list_template = "registers/list.html"
    show_template = "registers/show.html"

    def __init__(self, **kwargs):
        self.base_filters = [["id", RegisterScopeFilter, self.register]]
        spec = REGISTERS[self.register]
        self.list_title = spec.label
        self.show_title = _l("รายละเอียดรายการทะเบียน")
        self.add_title = _l("ลงทะเบียนและออกเลข")
        self.edit_title = _l("แก้ไขรายการทะเบียน")
        self.label_columns = {**LABELS, "number_text": spec.number_title}
        if spec.incoming:
            self.search_columns = [*self.search_columns, "received_at"]
        if not spec.incoming:
            # An outgoing letter's number is the one issued here: never typed over.
            self.edit_columns = [c for c in self.edit_columns if c != "doc_number"]
        if self.register == "order":
            self.edit_columns = [c for c in self.edit_columns if c not in ("sender", "receiver")]
        self.add_columns = self._add_columns()
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
        return super().render_template(template, **kwargs)

    def may(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def check_edit(self, actor, item):
        svc.check_edit(actor, item)

    def check_add(self, actor, item):
        raise DomainError("ลงทะเบียนผ่านแบบฟอร์มออกเลขเท่านั้น")

    @expose("/list/")
    @has_access
    def list(self):
        # Reservations past their deadline are cancelled before anyone reads the register.
        svc.expire_reservations(db.session)
        return super().list()

    # ---- register and number --------------------------------------------------------------

    def _add_columns(self):
        columns = ["doc_number", "doc_date", "sender", "receiver", "subject", "action",
                   "remarks", "speed", "secrecy", "readers", "files"]
        if self.register == "order":
            columns = [c for c in columns if c not in ("doc_number", "sender", "receiver")]
        elif not self.spec.incoming:
            columns = [c for c in columns if c != "doc_number"]  # the number is issued here
        return columns

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = self.add_form.refresh()
        if request.method == "GET" and not self.spec.incoming and g.user.agency is not None:
            form.sender.data = g.user.agency.name
        if request.method == "POST" and form.validate():
            data = {name: form[name].data for name in self._add_columns()
                    if name not in ("readers", "files")}
            try:
                entry = svc.register_entry(
                    db.session, g.user, self.register, data, uploads=uploads_from(),
                    reader_ids=[u.id for u in (form.readers.data or [])],
                )
            except DomainError as e:
                flash(str(e), "danger")
            else:
                flash(f"ออกเลข {entry.number_text()} เรียบร้อยแล้ว", "success")
                return self._back(entry)
        widget = self._get_add_widget(form=form, exclude_cols=[])
        return self.render_template(self.add_template, title=self.add_title, widgets=widget)

    # ---- detail and edit ------------------------------------------------------------------

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        entry = self._entry_or_404(pk)
        widgets = self._get_show_widget(
            entry.id, entry,
            show_fieldsets=[(_l("รายละเอียดหนังสือ"), {"fields": self._show_fields(entry)})])
        party = is_party(entry, g.user)
        keeps = self.register in registers_of(g.user)
        return self.render_template(
            self.show_template, pk=entry.id, title=self.show_title, widgets=widgets,
            related_views=[], entry=entry, party=party, keeps=keeps,
            format_datetime=thai.format_datetime, **self._travel(entry, party, keeps),
        )

    def _travel(self, entry, party, keeps):
        """What the detail shows of the letter's travels: the form to send it on, its deliveries,
        and its timeline."""
        from app.services import dispatch as dispatching

        letter_id = dispatching.letter_of(db.session, entry)
        deliveries = db.session.execute(
            select(Delivery).where(Delivery.entry_id == entry.id).order_by(Delivery.id)
        ).scalars().all()
        may_send = (keeps and party and entry.status == "active"
                    and entry.secrecy != "top_secret" and self.may("can_dispatch")
                    and REGISTERS[entry.register].sends_to is not None)
        return {
            "deliveries": deliveries,
            "recipients": dispatching.recipient_choices(db.session, entry) if may_send else [],
            "may_send": may_send,
            "events": dispatching.timeline(db.session, g.user, letter_id) if party else [],
            "delivery_statuses": DELIVERY_STATUSES,
        }

    def _show_fields(self, entry):
        """The detail's rows: a reservation's deadline only while reserved, the cancellation
        only once cancelled, the receipt stamp only for incoming letters."""
        hidden = set()
        if entry.status != STATUS_RESERVED:
            hidden.add("reserved_until")
        if entry.status != STATUS_CANCELLED:
            hidden |= {"cancel_reason", "cancelled_by", "cancelled_at"}
        if not self.spec.incoming:
            hidden.add("received_at")
        if self.register == "order":
            hidden |= {"sender", "receiver", "doc_number"}
        return [c for c in self.show_columns if c not in hidden]

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        entry = self._entry_or_404(pk)
        if not is_party(entry, g.user):
            flash("หนังสือลับฉบับนี้ แก้ไขได้เฉพาะผู้ที่เกี่ยวข้องกับหนังสือเท่านั้น", "danger")
            return self._back(entry)
        if entry.status == STATUS_CANCELLED:
            flash("รายการนี้ถูกยกเลิกแล้ว แก้ไขไม่ได้", "danger")
            return self._back(entry)
        widgets = self._edit(entry.id)
        if not widgets:
            return self._back(entry)
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views)

    # ---- cancel, reserve, attach ----------------------------------------------------------

    @expose("/cancel/<pk>", methods=["POST"])
    @has_access
    def cancel(self, pk):
        entry = self._entry_or_404(pk)
        try:
            svc.cancel(db.session, g.user, entry, request.form.get("reason"))
        except DomainError as e:
            db.session.rollback()
            flash(str(e), "danger")
        else:
            flash(f"ยกเลิกเลข {entry.number_text()} แล้ว (เลขนี้คงอยู่ในทะเบียน)", "success")
        return self._back(entry)

    @expose("/reserve", methods=["GET", "POST"])
    @has_access
    def reserve(self):
        if not self.spec.reservable:
            abort(404)
        if request.method == "POST":
            svc.expire_reservations(db.session)
            try:
                entries = svc.reserve(
                    db.session, g.user, self.register, request.form.get("count"),
                    secrecy=request.form.get("secrecy") or "normal",
                    remarks=request.form.get("remarks"),
                )
            except DomainError as e:
                db.session.rollback()
                flash(str(e), "danger")
            else:
                first, last = entries[0].number_text(), entries[-1].number_text()
                numbers = first if len(entries) == 1 else f"{first} ถึง {last}"
                flash(f"จองเลข {numbers} แล้ว กรุณากรอกรายละเอียดภายใน "
                      f"{thai.format_datetime(entries[0].reserved_until)}", "success")
                return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template(
            "registers/reserve.html", title=_l("จองเลข"),
            secrecies=list(reversed(list(svc.SECRECIES.items()))), days=current_app.config["RESERVATION_DAYS"],
            max_block=current_app.config["RESERVATION_MAX_BLOCK"],
        )

    @expose("/attach/<pk>", methods=["POST"])
    @has_access
    def attach(self, pk):
        entry = self._entry_or_404(pk)
        try:
            svc.add_attachments(db.session, g.user, entry, uploads_from())
        except DomainError as e:
            db.session.rollback()
            flash(str(e), "danger")
        else:
            flash("แนบไฟล์เรียบร้อยแล้ว", "success")
        return self._back(entry)

    @expose("/file/<pk>/<int:attachment_id>", methods=["GET"])
    @has_access
    def file(self, pk, attachment_id):
        return attachment_response(self._entry_or_404(pk), attachment_id)

    # ---- dispatch ---------------------------------------------------------------------------

    @expose("/dispatch/<pk>", methods=["POST"])
    @has_access
    def dispatch(self, pk):
        from app.services import dispatch as dispatching

        entry = self._entry_or_404(pk)
        try:
            sent = dispatching.dispatch(db.session, g.user, entry,
                                        request.form.getlist("recipients"),
                                        note=request.form.get("note"))
        except DomainError as e:
            db.session.rollback()
            flash(str(e), "danger")
            return self._back(entry)
        flash(f"ส่งหนังสือถึง {', '.join(d.recipient_name() for d in sent)} แล้ว", "success")
        return self._back(entry)

    # ---- export and report ----------------------------------------------------------------

    def _filtered_query(self):
        get_filter_args(self._filters)
        filters = self._filters.get_joined_filters(self._base_filters)
        query = db.session.query(RegisterEntry)
        return self.datamodel.apply_all(query, filters, "id", "asc")

    def export_columns(self):
        columns = ["number_text", "received_at" if self.spec.incoming else "registered_at",
                   "doc_number", "doc_date", "sender", "receiver", "subject", "action",
                   "remarks", "speed", "secrecy", "status", "cancel_reason"]
        if self.register == "order":
            columns = [c for c in columns if c not in ("sender", "receiver")]
        return columns

    EXPORT_WIDTHS = {"subject": 60, "sender": 30, "receiver": 30, "action": 30, "remarks": 30,
                     "doc_number": 22, "number_text": 22, "received_at": 22,
                     "registered_at": 22, "cancel_reason": 30}

    @expose("/xlsx", methods=["GET"])
    @has_access
    def xlsx(self):
        """The list as it is filtered, to Excel, streamed row by row from the database."""
        from app.services import audit

        columns = self.export_columns()
        party = party_test(db.session, g.user)
        shown = {
            "number_text": RegisterEntry.number_text,  # reads register, number, year, doc_number
            "speed": lambda e: svc.SPEEDS.get(e.speed, e.speed),
            "secrecy": lambda e: svc.SECRECIES.get(e.secrecy, e.secrecy),
            "status": lambda e: svc.STATUSES.get(e.status, e.status),
            "doc_date": lambda e: thai.format_date(e.doc_date),
            "received_at": lambda e: thai.format_datetime(e.received_at),
            "registered_at": lambda e: thai.format_datetime(e.registered_at),
        }
        getters = [shown.get(c) or attrgetter(c) for c in columns]
        content = [c in SECRET_CONTENT for c in columns]

        def row(entry):
            values = [get(entry) for get in getters]
            if not party(entry):
                values = [svc.masked_for(entry, c, False) if secret else v
                          for c, v, secret in zip(columns, values, content)]
            return values

        # Plain rows, not ORM objects: a register's export may be a million of them.
        table = RegisterEntry.__table__
        statement = self._filtered_query().statement.with_only_columns(*table.columns)
        rows = map(row, db.session.execute(statement.execution_options(yield_per=1000)))
        headers = [str(self.label_columns[c]) for c in columns]
        widths = [self.EXPORT_WIDTHS.get(c, 14) for c in columns]
        data = xlsx_bytes(str(self.spec.label), headers, rows, widths=widths)
        audit.record(db.session, "export", detail={"what": self.register,
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return send_file(data, as_attachment=True, mimetype=XLSX_MIME,
                         download_name=f"{self.register}-{thai.today():%Y%m%d}.xlsx")

    @expose("/report", methods=["GET"])
    @has_access
    def report(self):
        """The daily register report (for a day, a round of a day, or a range) as a print view
        or, with ``format=pdf``, a PDF."""
        from app.services import reports

        try:
            day = thai.parse_date(request.args.get("day")) or thai.to_bangkok(thai.utcnow()).date()
            until = thai.parse_date(request.args.get("until"))
            round_ = request.args.get("round") or "all"
            start, end = svc.period_bounds(day, until, round_)
            incoming = self.spec.incoming
            entries = svc.report_entries(db.session, g.user, self.register, start, end)
            rows = [
                reports.ReportRow(
                    register_number=e.number_text(),
                    doc_number=svc.masked(e, g.user, "doc_number" if incoming else "receiver") or "",
                    subject=(svc.masked(e, g.user, "subject") or
                             ("(จองเลข)" if e.status == STATUS_RESERVED else "")),
                    doc_date=e.doc_date,
                    cancelled=e.status == STATUS_CANCELLED,
                )
                for e in entries
            ]
        except (DomainError, thai.ThaiDateError) as e:
            flash(str(e), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        owner = (g.user.agency.name if g.user.agency is not None else "")
        if self.register == "province_in":
            owner = "สารบรรณกลางจังหวัด"
        elif self.register == "group_in" and g.user.work_group is not None:
            owner = g.user.work_group.name
        spec = reports.ReportSpec(
            title=("รายงานทะเบียนหนังสือรับประจำวัน" if self.spec.incoming
                   else f"รายงานทะเบียน{self.spec.label}ประจำวัน"),
            owner=owner,
            period=svc.period_text(day, until, round_),
            number_title=str(self.spec.number_title),
            doc_title="เลขหนังสือ" if self.spec.incoming else "ถึง",
            printed_by=g.user.get_full_name(),
            printed_at=thai.format_datetime(thai.utcnow()),
        )
        if request.args.get("format") == "pdf":
            pdf = reports.render_pdf(spec, rows)
            response = Response(pdf, mimetype="application/pdf")
            response.headers["Content-Disposition"] = (
                f"inline; filename=report-{self.register}-{day:%Y%m%d}.pdf")
            return response
        return Response(reports.render_html(spec, rows), mimetype="text/html")


IN_COLUMNS = ["number_text", "received_at", "doc_number", "doc_date", "sender", "subject",
              "speed", "secrecy", "status"]
OUT_COLUMNS = ["number_text", "doc_date", "receiver", "subject", "speed", "secrecy", "status"]
ORDER_COLUMNS = ["number_text", "doc_date", "subject", "speed", "secrecy", "status"]


class ProvinceIncomingView(RegisterView):  # 7.1 หนังสือรับถึงจังหวัด
    register = "province_in"
    menu_label = _l("หนังสือรับถึงจังหวัด")
    datamodel = RegisterInterface(RegisterEntry)
    list_columns = IN_COLUMNS


class AgencyIncomingView(RegisterView):  # 7.2 หนังสือรับถึงหน่วยงาน
    register = "agency_in"
    menu_label = _l("หนังสือรับถึงหน่วยงาน")
    datamodel = RegisterInterface(RegisterEntry)
    list_columns = IN_COLUMNS


class GroupIncomingView(RegisterView):  # 7.3 หนังสือรับถึงกลุ่มงาน
    register = "group_in"
    menu_label = _l("หนังสือรับถึงกลุ่มงาน")
    datamodel = RegisterInterface(RegisterEntry)
    list_columns = IN_COLUMNS


class OutgoingNormalView(RegisterView):  # 7.7 หนังสือส่งปกติ
    register = "out_normal"
    menu_label = _l("หนังสือส่ง (ปกติ)")
    datamodel = RegisterInterface(RegisterEntry)
    list_columns = OUT_COLUMNS


class OutgoingCircularView(RegisterView):  # 7.6 หนังสือส่งเวียน
    register = "out_circular"
    menu_label = _l("หนังสือส่ง (เวียน)")
    datamodel = RegisterInterface(RegisterEntry)
    list_columns = OUT_COLUMNS


class OrderView(RegisterView):  # 7.8 หนังสือคำสั่ง
    register = "order"
    menu_label = _l("หนังสือคำสั่ง")
    datamodel = RegisterInterface(RegisterEntry)
    list_columns = ORDER_COLUMNS


YEAR_BASES = {"calendar": "ปีปฏิทิน (เริ่ม 1 มกราคม)", "fiscal": "ปีงบประมาณ (เริ่ม 1 ตุลาคม)"}


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


def serve_file(open_file):
    """Answer a request for a stored file: ``open_file(disposition)`` gives (row, bytes), or
    (None, None) for no such file (404); a refusal is its Thai message. Inline unless the
    request asks ``download=1``."""
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    try:
        row, data = open_file(disposition)
    except DomainError as e:
        db.session.rollback()
        return Response(str(e), status=e.status, mimetype="text/plain; charset=utf-8")
    if row is None:
        abort(404)
    return file_response(row, data, disposition)


def file_response(stored, data, disposition):
    """The response carrying a stored file (an attachment or a sent document's file)."""
    response = Response(data, mimetype=stored.content_type)
    name = quote(stored.filename)
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{name}"
    response.headers["Cache-Control"] = "private, no-store"
    # A file is shown as itself, never run as a page of ours.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _register_label(code):
    from app.services import contracts

    spec = REGISTERS.get(code) or contracts.REGISTERS.get(code)
    return str(spec.label) if spec else code


class NumberSeriesView(EOfficeModelView):
    """The administrator's list of number series; a series' year basis may change only before
    its first number."""

    datamodel = ThaiSQLAInterface(NumberSeries)
    base_permissions = ["can_list", "can_show", "can_edit"]
    list_title = _l("ชุดเลขทะเบียน")
    show_title = _l("ชุดเลขทะเบียน")
    edit_title = _l("แก้ไขรอบปีของชุดเลข")
    label_columns = {"kind": _l("ทะเบียน"), "owner_name": _l("เจ้าของชุดเลข"),
                     "secret": _l("ชุดเลขหนังสือลับ"), "year_basis": _l("รอบปี"),
                     "key": _l("รหัสชุดเลข")}
    list_columns = ["kind", "owner_name", "secret", "year_basis"]
    show_columns = ["key", "kind", "owner_name", "secret", "year_basis"]
    edit_columns = ["year_basis"]
    search_columns = ["kind", "secret"]
    formatters_columns = {"kind": _register_label,
                          "year_basis": lambda v: YEAR_BASES.get(v, v)}
    edit_form_extra_fields = {
        "year_basis": SelectField(_l("รอบปี"), choices=_choices(YEAR_BASES, reverse=False),
                                  widget=Select2Widget()),
    }

    def check_edit(self, actor, item):
        from app.services import numbering
        from app.services.org import committed

        numbering.check_year_basis_change(
            self.datamodel.session, item, item.year_basis, committed(item, "year_basis"))


# (view, menu name, icon) in the manual's order.
REGISTER_VIEWS = (
    (ProvinceIncomingView, "ProvinceIncoming", "fa-inbox"),
    (AgencyIncomingView, "AgencyIncoming", "fa-envelope"),
    (GroupIncomingView, "GroupIncoming", "fa-envelope-o"),
    (OutgoingCircularView, "OutgoingCircular", "fa-bullhorn"),
    (OutgoingNormalView, "OutgoingNormal", "fa-paper-plane"),
    (OrderView, "Orders", "fa-gavel"),
)
