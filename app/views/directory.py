"""The phone directory (สมุดโทรศัพท์): search, Excel and PDF. Every rule, the privacy of mobile
numbers first, is in app/services/directory.py; this reads the request and answers."""

from urllib.parse import urlencode

from flask import Response, g, request, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app import thai
from app.access import set_up
from app.extensions import db
from app.models import DirectoryContact
from app.services import audit, contacts, org
from app.services import directory as svc
from app.services.exports import xlsx_bytes
from app.views.base import EOfficeModelView, page_arg
from app.views.files import XLSX_MIME, disposition, thai_file_name
from app.views.forms import KeepsTypedForm, OfferedFields

PAGE_SIZE = 50


def install(app):
    """Hooks this part adds to the app: none (the menu link is registered with the views)."""


class DirectoryView(BaseView):
    route_base = "/directory"
    default_view = "list"
    base_permissions = ["can_list", "can_xlsx", "can_print"]

    def may(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _criteria(self):
        """(the words searched, the agency chosen or None)."""
        text = request.args.get("q", "").strip()[:200]
        try:
            agency_id = int(request.args.get("agency", "")) or None
        except ValueError:
            agency_id = None
        return text, agency_id

    def _query(self, text, agency_id):
        return urlencode({k: v for k, v in (("q", text), ("agency", agency_id or "")) if v})

    @expose("/")
    @has_access
    @permission_name("list")
    def list(self):
        text, agency_id = self._criteria()
        entries = svc.search(db.session, text, agency_id)
        page = page_arg()
        lines, more = svc.page_of(entries, page, PAGE_SIZE)
        return self.render_template(
            "directory/list.html", view=self, lines=lines, more=more, page=page, text=text,
            agency_id=agency_id, agencies=svc.agencies(db.session),
            people=svc.people_count(entries),
            query=self._query(text, agency_id), heading_text=svc.heading_text,
            kinds={"agency": svc.AGENCY, "group": svc.GROUP}, title=_l("สมุดโทรศัพท์"))

    @expose("/xlsx")
    @has_access
    @permission_name("xlsx")
    def xlsx(self):
        """The lines the search finds, to Excel."""
        text, agency_id = self._criteria()
        entries = svc.search(db.session, text, agency_id)
        data = xlsx_bytes(svc.TITLE, svc.XLSX_HEADERS, svc.xlsx_rows(entries),
                          widths=svc.XLSX_WIDTHS)
        audit.record(db.session, "export", detail={"what": "phone_directory",
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return send_file(data, as_attachment=True, mimetype=XLSX_MIME,
                         download_name=thai_file_name(svc.TITLE, "xlsx"))

    @expose("/print")
    @has_access
    @permission_name("print")
    def print(self):
        """The lines the search finds on A4, grouped by agency: PDF, or with ``format=html``
        the browser's print view."""
        text, agency_id = self._criteria()
        entries = svc.search(db.session, text, agency_id)
        spec = svc.PrintSpec(
            selection=self._selection(text, agency_id),
            printed_by=g.user.get_full_name(), printed_at=thai.format_datetime(thai.utcnow()),
            title=svc.TITLE + org.province_name(db.session))
        if request.args.get("format") == "html":
            return Response(svc.render_html(spec, entries), mimetype="text/html")
        pdf = svc.render_pdf(spec, entries)
        audit.record(db.session, "export", detail={"what": "phone_directory_pdf",
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": disposition(thai_file_name(svc.TITLE, "pdf"))})

    @staticmethod
    def _selection(text, agency_id):
        """What the printout holds, said under its title."""
        names = dict(svc.agencies(db.session))
        parts = [names.get(agency_id, "") if agency_id else "ทุกหน่วยงาน"]
        if text:
            parts.append(f"ค้นหา “{text}”")
        return " ".join(p for p in parts if p)


class DirectoryContactView(OfferedFields, KeepsTypedForm, EOfficeModelView):
    """รายชื่อในสมุดโทรศัพท์: the lines of the directory that are not users, kept by the clerks
    of their agency (app/services/contacts.py)."""

    route_base = "/directorycontacts"
    datamodel = SQLAInterface(DirectoryContact)
    list_title = _l("รายชื่อในสมุดโทรศัพท์ (ผู้ที่ไม่มีบัญชีผู้ใช้)")
    show_title = _l("รายละเอียดรายชื่อในสมุดโทรศัพท์")
    add_title = _l("เพิ่มรายชื่อในสมุดโทรศัพท์")
    edit_title = _l("แก้ไขรายชื่อในสมุดโทรศัพท์")
    label_columns = {
        "agency": _l("หน่วยงาน"), "agency.name": _l("หน่วยงาน"), "work_group": _l("กลุ่มงาน"),
        "work_group.name": _l("กลุ่มงาน"), "name": _l("ชื่อ (บุคคลหรือสาย)"),
        "position": _l("ตำแหน่ง"), "phone": _l("โทรศัพท์"), "extension": _l("เบอร์ภายใน"),
        "mobile": _l("โทรศัพท์มือถือ"), "fax": _l("โทรสาร"),
    }
    list_columns = ["agency.name", "work_group.name", "name", "position", "phone", "extension",
                    "mobile"]
    show_columns = ["agency", "work_group", "name", "position", "phone", "extension", "mobile",
                    "fax"]
    add_columns = edit_columns = show_columns
    search_columns = ["agency", "name", "position", "phone"]
    order_columns = ["name"]
    base_order = ("name", "asc")
    base_filters = set_up()
    add_form_query_rel_fields = {"agency": set_up(), "work_group": set_up()}
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = add_form_query_rel_fields
    description_columns = {
        "name": _l("เช่น นายธีรวัฒน์ เจริญพงศ์ หรือ สายตรงผู้ว่าราชการจังหวัด"),
        "mobile": _l("แสดงในสมุดโทรศัพท์แก่ผู้ใช้งานทุกคน"),
    }

    def check_add(self, actor, item):
        contacts.check_change(actor, item)

    def check_edit(self, actor, item):
        contacts.check_change(actor, item)

    def check_delete(self, actor, item):
        contacts.check_delete(actor, item)
