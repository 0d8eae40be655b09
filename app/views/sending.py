"""The sender's screens: ติดตามหนังสือที่ส่ง (every letter sent on through the system and where
each delivery stands, searchable, to Excel, with recall and the returns to take note of), and
รายชื่อผู้รับที่บันทึกไว้ (the recipient lists an agency's clerks keep). The rules are in
app/services/sent.py and app/services/recipients.py."""

from urllib.parse import urlencode, urlsplit

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app import thai
from app.access import masked
from app.extensions import db
from app.models import RegisterEntry
from app.models.dispatch import DELIVERY_STATUSES, Delivery
from app.registers import REGISTERS
from app.services import audit, recipients, sent
from app.services.exports import xlsx_bytes
from app.views.base import page_arg
from app.views.errors import attempt
from app.views.files import XLSX_MIME, thai_file_name
from app.views.inputs import INT_MAX
from app.views.labels import secrecy_badge, speed_badge

SEARCH_FIELDS = ("q", "state", "date_from", "date_to")


class SentView(BaseView):
    route_base = "/sent"
    default_view = "list"
    base_permissions = ["can_list", "can_xlsx", "can_recall", "can_noted"]
    menu_label = _l("ติดตามหนังสือที่ส่ง")

    def _criteria(self):
        """The search as typed, and as the service takes it (dates read, or a message)."""
        typed = {name: (request.args.get(name) or "").strip()[:200] for name in SEARCH_FIELDS}
        criteria = {"text": typed["q"], "state": typed["state"] or None}
        for name in ("date_from", "date_to"):
            try:
                criteria[name] = thai.parse_date(typed[name]) if typed[name] else None
            except thai.ThaiDateError as e:
                flash(f"{e}", "danger")
                criteria[name] = None
        if criteria["state"] not in (None, *sent.STATES):
            flash("สถานะที่ค้นหาไม่ถูกต้อง", "danger")
            criteria["state"] = None
        return typed, criteria

    @expose("/")
    @has_access
    def list(self):
        typed, criteria = self._criteria()
        found = sent.page(db.session, g.user, page_arg(), **criteria)
        searched = {k: v for k, v in typed.items() if v}
        return self.render_template(
            "sending/sent.html", title=self.menu_label, **found.shown(), typed=typed,
            query=urlencode(searched), states=sent.STATES, statuses=DELIVERY_STATUSES,
            state_text=sent.state_text, may_recall=sent.may_recall, registers=REGISTERS,
            returns=sent.returns_count(db.session, g.user), speed_badge=speed_badge,
            secrecy_badge=secrecy_badge, format_datetime=thai.format_datetime,
            masked=lambda entry, name: masked(entry, g.user, name))

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        _typed, criteria = self._criteria()
        data = xlsx_bytes("ติดตามหนังสือที่ส่ง", list(sent.XLSX_COLUMNS),
                          sent.xlsx_rows(db.session, g.user, **criteria),
                          widths=[14, 22, 20, 50, 36, 20, 44])
        audit.record(db.session, "export", detail={"what": "sent_letters",
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return send_file(data, as_attachment=True, mimetype=XLSX_MIME,
                         download_name=thai_file_name("ติดตามหนังสือที่ส่ง", "xlsx"))

    def _back(self):
        """Back to the page the form was on: a path of this site, never another address
        (``//host``, ``/\\host`` and ``https:`` are refused for the list)."""
        target = (request.form.get("next") or "").replace("\\", "/")
        parts = urlsplit(target)
        local = target.startswith("/") and not target.startswith("//") \
            and not parts.scheme and not parts.netloc
        return redirect(target if local else url_for("SentView.list"))

    @expose("/recall/<pk>", methods=["POST"])
    @has_access
    def recall(self, pk):
        delivery = _found(Delivery, pk)
        if attempt(sent.recall, db.session, g.user, delivery, request.form.get("reason")):
            flash(f"เรียกคืนหนังสือจาก {delivery.recipient_name()} แล้ว", "success")
        return self._back()

    @expose("/noted/<pk>", methods=["POST"])
    @has_access
    def noted(self, pk):
        """The sender took note of the returns of one letter."""
        entry = _found(RegisterEntry, pk)
        if attempt(sent.note_returns, db.session, g.user, entry):
            flash("รับทราบการส่งคืนแล้ว", "success")
        return self._back()


def _found(model, pk):
    """The row ``pk`` names, or a 404 (an id no row can have included)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        abort(404)
    row = db.session.get(model, number) if 0 < number <= INT_MAX else None
    if row is None:
        abort(404)
    return row


class RecipientListView(BaseView):
    route_base = "/recipientlists"
    default_view = "list"
    base_permissions = ["can_list", "can_add", "can_edit", "can_delete"]
    menu_label = _l("รายชื่อผู้รับที่บันทึกไว้")

    def _list_or_404(self, pk):
        found = recipients.list_for(db.session, g.user, pk)
        if found is None:
            abort(404)  # another agency's list does not exist, as far as this user knows
        return found

    @expose("/")
    @has_access
    def list(self):
        return self.render_template(
            "sending/lists.html", title=self.menu_label,
            lists=recipients.lists_of(db.session, g.user),
            names=recipients.member_names(db.session, g.user),
            may_keep=recipients.may_keep_lists(g.user))

    def _form(self, recipient_list, title):
        chosen = request.form.getlist("recipients") if request.method == "POST" else (
            recipient_list.keys() if recipient_list is not None else [])
        name = request.form.get("name", "") if request.method == "POST" else (
            recipient_list.name if recipient_list is not None else "")
        if request.method == "POST":
            done = attempt(recipients.save_list, db.session, g.user, name, chosen,
                           recipient_list)
            if done:
                flash(f"บันทึกรายชื่อผู้รับ “{done.value.name}” แล้ว", "success")
                return redirect(url_for("RecipientListView.list"))
            refusal = done.refusal
        else:
            refusal = None
        if not recipients.may_keep_lists(g.user):
            abort(403)
        return self.render_template(
            "sending/list_form.html", title=title, name=name, chosen=chosen, refusal=refusal,
            sections=recipients.list_choices(db.session, g.user), recipient_list=recipient_list)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        return self._form(None, _l("บันทึกรายชื่อผู้รับใหม่"))

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        return self._form(self._list_or_404(pk), _l("แก้ไขรายชื่อผู้รับ"))

    @expose("/delete/<pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        found = self._list_or_404(pk)
        name = found.name
        if attempt(recipients.delete_list, db.session, g.user, found):
            flash(f"ลบรายชื่อผู้รับ “{name}” แล้ว", "success")
        return redirect(url_for("RecipientListView.list"))
