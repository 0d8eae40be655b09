"""Screens and APIs for agencies (หน่วยงาน) and their groups (กลุ่ม/กอง/ฝ่าย/สาขา)."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from app.access import scoped, set_up
from app.models import Agency, WorkGroup
from app.models.org import AGENCY_KINDS, GROUP_KINDS, PROVINCIAL
from app.services import org as org_service
from app.views.base import EOfficeModelRestApi, EOfficeModelView
from app.views.forms import KeepsTypedForm, OfferedFields
from flask_appbuilder.models.sqla.interface import SQLAInterface

AGENCY_LABELS = {
    "name": _l("ชื่อหน่วยงาน"),
    "code": _l("เลขประจำส่วนราชการ"),
    "phone": _l("โทรศัพท์"),
    "fax": _l("โทรสาร"),
    "address": _l("ที่อยู่"),
    "is_provincial_office": _l("สำนักงานจังหวัด (สารบรรณกลาง)"),
    "kind": _l("ประเภทหน่วยงาน"),
    "groups": _l("กลุ่มงาน"),
}
GROUP_LABELS = {
    "agency": _l("หน่วยงาน"),
    "agency.name": _l("หน่วยงาน"),
    "kind": _l("ประเภท"),
    "name": _l("ชื่อกลุ่มงาน"),
    "code": _l("เลขที่หนังสือของกลุ่มงาน"),
    "own_numbers": _l("ออกเลขหนังสือส่งเอง"),
    "phone": _l("โทรศัพท์"),
    "fax": _l("โทรสาร"),
}


class AgencyView(OfferedFields, KeepsTypedForm, EOfficeModelView):
    datamodel = SQLAInterface(Agency)
    list_title = _l("หน่วยงาน")
    show_title = _l("รายละเอียดหน่วยงาน")
    add_title = _l("เพิ่มหน่วยงาน")
    edit_title = _l("แก้ไขข้อมูลหน่วยงาน")
    label_columns = AGENCY_LABELS
    list_columns = ["code", "name", "kind", "phone", "fax"]
    show_columns = ["code", "name", "kind", "phone", "fax", "address", "is_provincial_office",
                    "groups"]
    add_columns = ["code", "name", "kind", "phone", "fax", "address", "is_provincial_office"]
    edit_columns = add_columns
    search_columns = ["code", "name", "phone"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    base_filters = scoped()
    description_columns = {"code": _l("อักษรย่อจังหวัด เว้นวรรค เลข 4 หลัก เช่น พง 0017.2")}
    # FAB makes a NOT NULL boolean "required", which an unticked checkbox can never satisfy.
    add_form_extra_fields = {
        "is_provincial_office": BooleanField(AGENCY_LABELS["is_provincial_office"]),
        "kind": SelectField(AGENCY_LABELS["kind"], choices=list(AGENCY_KINDS.items()),
                            default=PROVINCIAL),
    }
    edit_form_extra_fields = add_form_extra_fields
    formatters_columns = {"kind": lambda kind: AGENCY_KINDS.get(kind, kind)}
    # An agency clerk edits the own agency, but which agency is the Provincial Office, and what
    # kind of agency each is, are the administrator's to say: not offered to the clerk.
    offered_fields = {"is_provincial_office": org_service.may_set_provincial_office,
                      "kind": org_service.may_set_provincial_office}

    def check_add(self, actor, item):
        org_service.check_agency_change(actor, item, creating=True,
                                        session=self.datamodel.session)

    def check_edit(self, actor, item):
        org_service.check_agency_change(actor, item, session=self.datamodel.session)

    def check_delete(self, actor, item):
        org_service.check_agency_delete(actor, item, session=self.datamodel.session)


class WorkGroupView(KeepsTypedForm, EOfficeModelView):
    datamodel = SQLAInterface(WorkGroup)
    list_title = _l("กลุ่มงาน (กลุ่ม/กอง/ฝ่าย/สาขา)")
    show_title = _l("รายละเอียดกลุ่มงาน")
    add_title = _l("เพิ่มกลุ่มงาน")
    edit_title = _l("แก้ไขกลุ่มงาน")
    label_columns = GROUP_LABELS
    list_columns = ["agency.name", "kind", "name", "code", "own_numbers", "phone", "fax"]
    show_columns = ["agency", "kind", "name", "code", "own_numbers", "phone", "fax"]
    add_columns = ["agency", "kind", "name", "code", "own_numbers", "phone", "fax"]
    edit_columns = add_columns
    search_columns = ["agency", "kind", "name"]
    order_columns = ["kind", "name"]
    base_order = ("name", "asc")
    base_filters = scoped()
    # The agency drop-down offers only agencies the user may see.
    add_form_query_rel_fields = {"agency": set_up()}
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"agency": scoped()}
    add_form_extra_fields = {
        "kind": SelectField(_l("ประเภท"), choices=[(k, k) for k in GROUP_KINDS]),
        # FAB makes a NOT NULL boolean "required", which an unticked checkbox never satisfies.
        "own_numbers": BooleanField(GROUP_LABELS["own_numbers"]),
    }
    description_columns = {"own_numbers": _l(
        "หนังสือส่ง (ปกติ และเวียน) ที่ผู้ใช้งานของกลุ่มงานนี้ออก ใช้เลขชุดของกลุ่มงานและเลขที่หนังสือของกลุ่มงาน")}
    formatters_columns = {"own_numbers": lambda v: _l("ใช่") if v else ""}
    edit_form_extra_fields = add_form_extra_fields

    def check_add(self, actor, item):
        org_service.check_group_change(actor, item, session=self.datamodel.session)

    def check_edit(self, actor, item):
        org_service.check_group_change(actor, item, session=self.datamodel.session)

    def check_delete(self, actor, item):
        org_service.check_group_delete(actor, item)


class AgencyApi(EOfficeModelRestApi):
    resource_name = "agencies"
    datamodel = SQLAInterface(Agency)
    base_filters = scoped()
    list_columns = ["id", "code", "name", "phone", "fax", "address", "is_provincial_office"]
    show_columns = list_columns
    add_columns = ["code", "name", "phone", "fax", "address", "is_provincial_office"]
    edit_columns = add_columns
    search_columns = ["code", "name"]
    order_columns = ["code", "name"]
    label_columns = AGENCY_LABELS

    check_add = AgencyView.check_add
    check_edit = AgencyView.check_edit
    check_delete = AgencyView.check_delete


class WorkGroupApi(EOfficeModelRestApi):
    resource_name = "work_groups"
    datamodel = SQLAInterface(WorkGroup)
    base_filters = scoped()
    add_query_rel_fields = {"agency": set_up()}
    edit_query_rel_fields = add_query_rel_fields
    list_columns = ["id", "agency.id", "agency.name", "kind", "name", "code", "own_numbers",
                    "phone", "fax"]
    show_columns = list_columns
    add_columns = ["agency", "kind", "name", "code", "own_numbers", "phone", "fax"]
    edit_columns = add_columns
    search_columns = ["agency", "kind", "name"]
    order_columns = ["kind", "name"]
    label_columns = GROUP_LABELS

    check_add = WorkGroupView.check_add
    check_edit = WorkGroupView.check_edit
    check_delete = WorkGroupView.check_delete
