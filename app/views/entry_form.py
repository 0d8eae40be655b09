"""The register-and-number form of the correspondence registers, and the names of an entry's
fields as every screen of the registers shows them."""

from flask import g
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    BS3TextFieldWidget,
    Select2ManyWidget,
)
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.widgets import FormWidget
from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.extensions import db
from app.fields import PlainSelect, ThaiDateField
from app.models import EOfficeUser
from app.services import correspondence as svc
from app.views.labels import choices

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


def agency_users():
    """Users a secret letter may be opened to: the registering clerk's own agency."""
    user = g.user
    query = db.session.query(EOfficeUser).filter(EOfficeUser.active.is_(True))
    if user.agency_id is not None:
        query = query.filter(EOfficeUser.agency_id == user.agency_id)
    return query.order_by(EOfficeUser.first_name)


TEXT = BS3TextFieldWidget()
AREA = BS3TextAreaFieldWidget()
SPEED_CHOICES = choices(svc.SPEEDS, reverse=True)
SECRECY_CHOICES = choices(svc.SECRECIES, reverse=True)


class EntryFormWidget(FormWidget):
    """The entry's form, one field under another (registers/form_widget.html). Its template
    arguments: ``suggestions`` ({field: [earlier values]}) and ``save_next`` (the add form's
    "บันทึกและลงทะเบียนฉบับต่อไป")."""

    template = "registers/form_widget.html"

    def __init__(self, **kwargs):
        kwargs.setdefault("suggestions", {})
        kwargs.setdefault("save_next", False)
        super().__init__(**kwargs)


def require_sender(form):
    """An incoming letter must say whom it came from: marked on its form, checked as it is
    posted (the service checks it again)."""
    form.sender.flags.required = True
    form.sender.validators = [InputRequired("กรุณากรอกว่าหนังสือมาจากที่ใด (จาก)"),
                              Length(max=255)]


class EntryForm(DynamicForm):
    """The register-and-number form; its register decides which fields show."""

    doc_number = StringField(LABELS["doc_number"], [Optional(), Length(max=120)], widget=TEXT,
                             description=_l("เลขที่ของหนังสือตามที่ผู้ส่งออก เช่น พง 0019/123"))
    doc_date = ThaiDateField(LABELS["doc_date"], [Optional()])
    sender = StringField(LABELS["sender"], [Optional(), Length(max=255)], widget=TEXT)
    receiver = StringField(LABELS["receiver"], [Optional(), Length(max=255)], widget=TEXT)
    subject = TextAreaField(LABELS["subject"], [InputRequired("กรุณากรอกเรื่อง"), Length(max=2000)],
                            widget=AREA)
    action = StringField(LABELS["action"], [Optional(), Length(max=255)], widget=TEXT)
    remarks = TextAreaField(LABELS["remarks"], [Optional(), Length(max=2000)], widget=AREA)
    speed = SelectField(LABELS["speed"], choices=SPEED_CHOICES, default="normal",
                        widget=PlainSelect())
    secrecy = SelectField(LABELS["secrecy"], choices=SECRECY_CHOICES, default="normal",
                          widget=PlainSelect())
    readers = QuerySelectMultipleField(
        LABELS["readers"], query_func=agency_users, get_pk_func=lambda user: user.id,
        widget=Select2ManyWidget(),
        description=_l("เฉพาะหนังสือลับ: ผู้ที่เปิดอ่านเรื่องและเอกสารแนบได้ นอกจากผู้ลงทะเบียน"))
    files = MultipleFileField(
        LABELS["files"],
        description=_l("PDF รูปภาพ Word หรือ Excel ได้หลายไฟล์"))
    # The province's register: a letter that arrived before it is registered (the central
    # registry's morning post) keeps the time it really arrived.
    received_on = ThaiDateField(_l("วันที่รับจริง (ถ้ารับไว้ก่อนลงทะเบียน)"), [Optional()],
                                description=_l("เว้นว่างไว้ ระบบบันทึกวันเวลาที่ลงทะเบียน"))
    received_time = StringField(_l("เวลาที่รับจริง"), [Optional(), Length(max=16)], widget=TEXT,
                                description=_l("ชช:นน เช่น 08:30"))
