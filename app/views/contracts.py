"""The three contract registers (manual 6): issue a number, search, details, edit, cancel, files,
Excel export as searched, and the detail printed to PDF. Every rule is in
app/services/contracts.py; a contract is found only within the user's scope (404 otherwise)."""

from operator import attrgetter
from urllib.parse import urlencode

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app import thai
from app.extensions import db
from app.fields import PlainSelect, ThaiDateField, mark_required
from app.models.contracts import (
    BID,
    CANCELLED,
    GUARANTEES,
    HIRE,
    METHODS,
    PURCHASE,
    RESERVED,
    Contract,
)
from app.services import audit
from app.services import contracts as svc
from app.services import paging
from app.services import reports
from app.services.exports import xlsx_bytes
from app.views.base import EOfficeModelView, page_arg
from app.views.errors import attempt, attempt_form
from app.views.files import (
    XLSX_MIME,
    disposition,
    serve_file,
    thai_file_name,
    uploads_from,
)
from app.views.filters import ThaiSQLAInterface
from app.views.labels import choices

PAGE_SIZE = 25
TEXT = BS3TextFieldWidget()
AREA = BS3TextAreaFieldWidget()
SEARCH_FIELDS = ("number", "party", "tax_id", "subject", "date_from", "date_to", "amount_min",
                 "amount_max", "status", "method")


class ContractForm(DynamicForm):
    doc_date = ThaiDateField(_l("วันที่ทำสัญญา"))
    party_name = StringField(_l("คู่สัญญา"), [Optional(), Length(max=255)], widget=TEXT)
    tax_id = StringField(_l("เลขประจำตัวผู้เสียภาษีอากร"), [Optional(), Length(max=40)],
                         widget=TEXT, description=_l("13 หลัก ของบุคคลหรือนิติบุคคลคู่สัญญา"))
    subject = TextAreaField(_l("โครงการ/รายการ"), [Optional(), Length(max=2000)], widget=AREA)
    amount = StringField(_l("มูลค่าสัญญา (บาท)"), [Optional(), Length(max=40)], widget=TEXT,
                         description=_l("เช่น 1,200,000.00"))
    # The lists' values are checked by the service, which names the field in its message; a
    # field a register does not show (a bid document's guarantee) is simply absent.
    method = SelectField(_l("วิธีจัดซื้อจัดจ้าง"), choices=choices({"": "", **METHODS}),
                         validate_choice=False, widget=PlainSelect())
    start_on = ThaiDateField(_l("วันเริ่มสัญญา"))
    end_on = ThaiDateField(_l("วันสิ้นสุดสัญญา"))
    deadline_on = ThaiDateField(_l("กำหนดส่งมอบ/แล้วเสร็จ"))
    warranty_months = StringField(_l("ระยะเวลารับประกัน (เดือน)"), [Optional(), Length(max=5)],
                                  widget=TEXT)
    guarantee_type = SelectField(_l("หลักประกันสัญญา"), choices=choices(GUARANTEES),
                                 validate_choice=False, widget=PlainSelect())
    guarantee_amount = StringField(_l("จำนวนเงินหลักประกัน (บาท)"), [Optional(), Length(max=40)],
                                   widget=TEXT)
    guarantee_return_on = ThaiDateField(
        _l("กำหนดคืนหลักประกัน"),
        description=_l("เว้นว่างได้: ระบบคำนวณจากวันส่งมอบ (หรือวันสิ้นสุดสัญญา) บวกระยะเวลารับประกัน"))
    guarantee_returned_on = ThaiDateField(_l("วันที่คืนหลักประกันแล้ว"))
    officer_id = SelectField(_l("ผู้รับผิดชอบ"), choices=[], validate_choice=False,
                             widget=PlainSelect())
    status = SelectField(_l("สถานะ"), choices=[], validate_choice=False, widget=PlainSelect())
    remarks = TextAreaField(_l("หมายเหตุ"), [Optional(), Length(max=2000)], widget=AREA)
    files = MultipleFileField(_l("ไฟล์แนบ"), description=_l("PDF รูปภาพ Word หรือ Excel ได้หลายไฟล์"))


CONTRACT_FIELDS = ["doc_date", "party_name", "tax_id", "subject", "amount", "method",
                   "start_on", "end_on", "deadline_on", "warranty_months", "guarantee_type",
                   "guarantee_amount", "guarantee_return_on", "guarantee_returned_on",
                   "officer_id", "remarks"]
BID_FIELDS = ["doc_date", "subject", "amount", "method", "remarks"]


def _money(value):
    return "" if value is None else f"{value:,.2f}"


class ContractView(EOfficeModelView):
    """One contract register; subclasses name ``register``."""

    register = None
    datamodel = ThaiSQLAInterface(Contract)
    # The forms are ours (ContractForm, through the service); FAB builds none from the model.
    add_form = edit_form = ContractForm
    add_columns = CONTRACT_FIELDS + ["files"]
    edit_columns = CONTRACT_FIELDS + ["status"]
    list_columns = show_columns = ["number", "year", "subject"]
    search_columns = ["subject"]
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_cancel",
                        "can_reserve", "can_attach", "can_file", "can_xlsx", "can_print"]

    @property
    def spec(self):
        return svc.REGISTERS[self.register]

    # A number is cancelled, never deleted; files are served by ``file``, with the scope.
    # Redefined without @expose, FAB's delete and download are not routes at all.
    def delete(self, pk):
        abort(404)

    def download(self, filename):
        abort(404)

    def may(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _fields(self):
        return CONTRACT_FIELDS if self.spec.contract else BID_FIELDS

    def _contract_or_404(self, pk):
        contract = svc.visible(db.session, g.user, self.register, pk)
        if contract is None:
            abort(404)  # another agency's contract does not exist, as far as this user knows
        return contract

    def _back(self, contract=None):
        if contract is not None:
            return redirect(url_for(f"{self.endpoint}.show", pk=contract.id))
        return redirect(url_for(f"{self.endpoint}.list"))

    def _labels(self, form):
        spec = self.spec
        form.doc_date.label.text = spec.date_label
        form.amount.label.text = spec.amount_label
        if spec.contract:
            form.party_name.label.text = spec.party_label

    def _form(self, contract=None):
        """The form with its lists filled; from the request on POST, else from ``contract``."""
        form = ContractForm.refresh() if request.method == "POST" else ContractForm.refresh(
            obj=contract) if contract is not None else ContractForm.refresh()
        self._labels(form)
        mark_required(form, ("doc_date", "subject", "amount", "method")
                      + (("party_name", "tax_id") if self.spec.contract else ()))
        form.officer_id.choices = choices({"": "", **{
            str(i): name for i, name in svc.officer_choices(db.session, g.user)}})
        form.status.choices = choices({k: v for k, v in svc.statuses_of(self.register).items()
                                        if k not in (CANCELLED, RESERVED)})
        if contract is not None and request.method != "POST":
            form.amount.data = _money(contract.amount)
            form.guarantee_amount.data = _money(contract.guarantee_amount)
            form.officer_id.data = str(contract.officer_id or "")
        return form

    def _page(self, form, title, columns):
        widget = self._get_add_widget(form=form, exclude_cols=[])
        widget["add"].template_args["include_cols"] = columns
        return self.render_template(self.add_template, title=title, widgets=widget)

    # ---- list, search, export -------------------------------------------------------------

    def _criteria(self):
        return {name: request.args.get(name, "").strip() for name in SEARCH_FIELDS}

    @expose("/list/")
    @has_access
    def list(self):
        # Reservations past their deadline are cancelled before anyone reads the register.
        svc.expire_reservations(db.session)
        criteria = self._criteria()
        done = attempt(svc.search, g.user, self.register, criteria)
        found = paging.page_of(db.session, done.value, page_arg(), PAGE_SIZE) if done \
            else paging.Page([], False, 1)
        today = thai.today()
        rows = [(c, svc.flags(c, today)) for c in found.rows]
        searched = {k: v for k, v in criteria.items() if v}
        return self.render_template(
            "contracts/list.html", title=self.spec.label, spec=self.spec, rows=rows,
            criteria=criteria, page=found.number, more=found.more, view=self,
            statuses=svc.statuses_of(self.register), methods=METHODS, money=_money,
            query=urlencode(searched), format_date=thai.format_date)

    EXPORT = {
        "number": ("เลขที่", lambda c: c.number_text(), 10),
        "doc_date": (None, attrgetter("doc_date"), 14),
        "party_name": (None, lambda c: c.party_name or "", 30),
        "tax_id": ("เลขประจำตัวผู้เสียภาษีอากร", lambda c: c.tax_id or "", 16),
        "subject": ("โครงการ/รายการ", lambda c: c.subject, 50),
        "amount": (None, lambda c: c.amount, 16),
        "method": ("วิธีจัดซื้อจัดจ้าง", lambda c: METHODS.get(c.method, c.method), 28),
        "start_on": ("วันเริ่มสัญญา", attrgetter("start_on"), 14),
        "end_on": ("วันสิ้นสุดสัญญา", attrgetter("end_on"), 14),
        "deadline_on": ("กำหนดส่งมอบ/แล้วเสร็จ", attrgetter("deadline_on"), 14),
        "warranty_months": ("รับประกัน (เดือน)", lambda c: c.warranty_months, 10),
        "guarantee_type": ("หลักประกันสัญญา",
                           lambda c: GUARANTEES.get(c.guarantee_type, "") if c.guarantee_type
                           else "", 24),
        "guarantee_amount": ("จำนวนเงินหลักประกัน", lambda c: c.guarantee_amount, 14),
        "guarantee_return_on": ("กำหนดคืนหลักประกัน",
                                attrgetter("guarantee_return_on"), 14),
        "officer": ("ผู้รับผิดชอบ", lambda c: c.officer.get_full_name() if c.officer else "", 22),
        "status": ("สถานะ", lambda c: svc.STATUSES.get(c.status, c.status), 16),
        "cancel_reason": ("เหตุผลที่ยกเลิก", lambda c: c.cancel_reason or "", 24),
    }

    def _export_columns(self):
        if self.spec.contract:
            return list(self.EXPORT)
        return ["number", "doc_date", "subject", "amount", "method", "status", "cancel_reason"]

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        """The register as searched, to Excel (amounts as numbers, to be summed)."""
        done = attempt(svc.search, g.user, self.register, self._criteria())
        if not done:
            return self._back()
        statement = done.value
        columns = self._export_columns()
        titles = {"doc_date": self.spec.date_label, "party_name": self.spec.party_label,
                  "amount": self.spec.amount_label}
        headers = [titles.get(c) or self.EXPORT[c][0] for c in columns]
        getters = [self.EXPORT[c][1] for c in columns]
        rows = ([get(c) for get in getters] for c in db.session.execute(
            statement.order_by(None).order_by(Contract.id).execution_options(yield_per=500))
            .scalars())
        data = xlsx_bytes(self.spec.label, headers, rows,
                          widths=[self.EXPORT[c][2] for c in columns])
        audit.record(db.session, "export", detail={"what": self.register,
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return send_file(data, as_attachment=True, mimetype=XLSX_MIME,
                         download_name=thai_file_name(self.spec.label, "xlsx"))

    # ---- issue a number -------------------------------------------------------------------

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = self._form()
        columns = self._fields() + ["files"]
        if request.method == "POST":
            checked = form.validate()
            data = {name: form[name].data for name in self._fields()}
            if not checked:  # the service's checks too, so that every fault is said at once
                attempt_form(form, svc.clean, db.session, g.user, self.spec, data, summary=True)
            else:
                done = attempt_form(form, svc.register_contract, db.session, g.user,
                                    self.register, data, uploads=uploads_from(), summary=True)
                if done:
                    contract = done.value
                    flash(f"ออกเลขที่ {contract.number_text()} เรียบร้อยแล้ว", "success")
                    return self._back(contract)
        return self._page(form, _l("ออกเลข") + " " + self.spec.label, columns)

    # ---- detail, edit, cancel, files, print -------------------------------------------------

    def _details(self, contract):
        """(label, value) of everything the detail and the printed sheet show."""
        spec = self.spec
        rows = [("เลขที่", contract.number_text()),
                ("สถานะ", svc.STATUSES.get(contract.status, contract.status)),
                (spec.date_label, thai.format_date(contract.doc_date))]
        if spec.contract:
            rows += [(spec.party_label, contract.party_name or ""),
                     ("เลขประจำตัวผู้เสียภาษีอากร", contract.tax_id or "")]
        rows += [("โครงการ/รายการ", contract.subject),
                 (spec.amount_label, _money(contract.amount)),
                 ("จำนวนเงิน (ตัวอักษร)", thai.baht_text(contract.amount)),
                 ("วิธีจัดซื้อจัดจ้าง", METHODS.get(contract.method, contract.method))]
        if spec.contract:
            warranty = contract.warranty_months
            rows += [
                ("วันเริ่มสัญญา", thai.format_date(contract.start_on)),
                ("วันสิ้นสุดสัญญา", thai.format_date(contract.end_on)),
                ("กำหนดส่งมอบ/แล้วเสร็จ", thai.format_date(contract.deadline_on)),
                ("ระยะเวลารับประกัน", "" if warranty is None else _months(warranty)),
                ("หลักประกันสัญญา", GUARANTEES.get(contract.guarantee_type or "none", "")),
            ]
            if contract.guarantee_amount is not None:
                rows += [("จำนวนเงินหลักประกัน", _money(contract.guarantee_amount)),
                         ("จำนวนเงินหลักประกัน (ตัวอักษร)",
                          thai.baht_text(contract.guarantee_amount)),
                         ("กำหนดคืนหลักประกัน", thai.format_date(contract.guarantee_return_on)),
                         ("วันที่คืนหลักประกันแล้ว",
                          thai.format_date(contract.guarantee_returned_on))]
            rows.append(("ผู้รับผิดชอบ",
                         contract.officer.get_full_name() if contract.officer else ""))
        rows += [("หมายเหตุ", contract.remarks or ""),
                 ("ผู้ออกเลข", contract.registered_by.get_full_name()),
                 ("วันเวลาที่ออกเลข", thai.format_datetime(contract.registered_at))]
        if contract.status == CANCELLED:
            rows += [("เหตุผลที่ยกเลิก", contract.cancel_reason or ""),
                     ("ผู้ยกเลิก", contract.cancelled_by.get_full_name()
                      if contract.cancelled_by else ""),
                     ("วันเวลาที่ยกเลิก", thai.format_datetime(contract.cancelled_at))]
        return rows

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        contract = self._contract_or_404(pk)
        today = thai.today()
        return self.render_template(
            "contracts/show.html", title=self.spec.label, spec=self.spec, contract=contract,
            details=self._details(contract), flags=svc.flags(contract, today), view=self,
            rights=svc.rights(g.user, contract, self.may), format_datetime=thai.format_datetime)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        contract = self._contract_or_404(pk)
        if not attempt(svc.require_change, g.user, contract):  # cancelled, or not its agency's
            return self._back(contract)
        form = self._form(contract)
        columns = self._fields() + ["status"]
        if request.method == "POST":
            checked = form.validate()
            data = {name: form[name].data for name in columns}
            if not checked:  # the service's checks too, so that every fault is said at once
                attempt_form(form, svc.clean, db.session, g.user, self.spec, data, summary=True)
            elif attempt_form(form, svc.update_contract, db.session, g.user, contract, data,
                              summary=True):
                flash(f"บันทึกการแก้ไขเลขที่ {contract.number_text()} แล้ว", "success")
                return self._back(contract)
        return self._page(form, _l("แก้ไข") + f" {self.spec.label} {contract.number_text()}",
                          columns)

    @expose("/reserve", methods=["GET", "POST"])
    @has_access
    def reserve(self):
        """จองเลข: numbers kept for contracts still being prepared, filled in with แก้ไข."""
        if request.method == "POST":
            svc.expire_reservations(db.session)
            done = attempt(svc.reserve, db.session, g.user, self.register,
                           request.form.get("count"), remarks=request.form.get("remarks"))
            if done:
                rows = done.value
                numbers = rows[0].number_text() if len(rows) == 1 else \
                    f"{rows[0].number_text()} ถึง {rows[-1].number_text()}"
                flash(f"จองเลข {numbers} แล้ว กรุณากรอกรายละเอียดภายใน "
                      f"{thai.format_datetime(rows[0].reserved_until)}", "success")
                return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template(
            "registers/reserve.html", title=_l("จองเลข"), register=self.spec, view=self,
            secrecies=[], days=current_app.config["RESERVATION_DAYS"],
            max_block=current_app.config["RESERVATION_MAX_BLOCK"])

    @expose("/cancel/<pk>", methods=["POST"])
    @has_access
    def cancel(self, pk):
        contract = self._contract_or_404(pk)
        if attempt(svc.cancel, db.session, g.user, contract, request.form.get("reason")):
            flash(f"ยกเลิกเลขที่ {contract.number_text()} แล้ว (เลขนี้คงอยู่ในทะเบียน)", "success")
        return self._back(contract)

    @expose("/attach/<pk>", methods=["POST"])
    @has_access
    def attach(self, pk):
        contract = self._contract_or_404(pk)
        if attempt(svc.add_files, db.session, g.user, contract, uploads_from()):
            flash("แนบไฟล์เรียบร้อยแล้ว", "success")
        return self._back(contract)

    @expose("/file/<pk>/<int:file_id>")
    @has_access
    def file(self, pk, file_id):
        contract = self._contract_or_404(pk)
        return serve_file(lambda disposition: svc.open_file(
            db.session, g.user, contract, file_id, disposition))

    @expose("/print/<pk>")
    @has_access
    def print(self, pk):
        """The detail on an A4 sheet: PDF (``format=pdf``) or the browser's print view."""
        contract = self._contract_or_404(pk)
        sheet = reports.Sheet(
            title=f"{self.spec.label} เลขที่ {contract.number_text()}",
            owner=contract.agency.name, rows=self._details(contract),
            printed_by=g.user.get_full_name(), printed_at=thai.format_datetime(thai.utcnow()))
        if request.args.get("format") == "pdf":
            response = Response(reports.render_sheet_pdf(sheet), mimetype="application/pdf")
            response.headers["Content-Disposition"] = (
                disposition(f"{self.spec.label} {contract.number}-{contract.year}.pdf"))
            return response
        return Response(reports.render_sheet_html(sheet), mimetype="text/html")


def _months(n):
    years, months = divmod(n, 12)
    if years and months:
        return f"{years} ปี {months} เดือน"
    return f"{years} ปี" if years else f"{months} เดือน"


class HireContractView(ContractView):  # 6.1 ทะเบียนคุมสัญญาจ้าง
    register = HIRE
    route_base = "/contracts/hire"
    menu_label = _l("ทะเบียนคุมสัญญาจ้าง")


class PurchaseContractView(ContractView):  # 6.2 ทะเบียนคุมสัญญาซื้อขาย
    register = PURCHASE
    route_base = "/contracts/purchase"
    menu_label = _l("ทะเบียนคุมสัญญาซื้อขาย")


class BidDocumentView(ContractView):  # 6.3 เลขเอกสารประกวดราคา
    register = BID
    route_base = "/contracts/bid"
    menu_label = _l("เลขเอกสารประกวดราคา")


CONTRACT_VIEWS = [
    (HireContractView, "HireContracts", "fa-file-text-o"),
    (PurchaseContractView, "PurchaseContracts", "fa-shopping-cart"),
    (BidDocumentView, "BidDocuments", "fa-gavel"),
]
