"""The audit log for the administrator: list, search, export, verify. Nothing edits it."""

from flask import flash, redirect, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext as _l

from app import thai
from app.fields import ThaiDateField
from app.models import AuditLog
from app.services import audit as audit_service
from app.services.exports import xlsx_bytes
from app.permission_labels import identifier_label
from app.views.audit_detail import detail_html, detail_text
from app.views.files import thai_file_name
from app.views.base import EOfficeModelView
from app.views.filters import ThaiSQLAInterface

ACTION_LABELS = {
    "login": "เข้าสู่ระบบ",
    "login_failed": "เข้าสู่ระบบไม่สำเร็จ",
    "login_locked": "พยายามเข้าสู่ระบบขณะถูกล็อก",
    "lockout": "ล็อกบัญชีชั่วคราว",
    "login_throttled": "งดรับการเข้าสู่ระบบชั่วคราว (ผิดพลาดถี่เกินกำหนด)",
    "logout": "ออกจากระบบ",
    "access_denied": "ปฏิเสธการเข้าถึง",
    "create": "เพิ่มข้อมูล",
    "update": "แก้ไขข้อมูล",
    "delete": "ลบข้อมูล",
    "verify": "ตรวจสอบความถูกต้องของบันทึก",
    "export": "ส่งออกข้อมูล",
    "attachment_open": "เปิดดูเอกสารแนบ",
    "attachment_download": "ดาวน์โหลดเอกสารแนบ",
    "reservations_expired": "ยกเลิกเลขที่จองเกินกำหนด",
    "document_send": "ส่งเอกสาร",
    "document_file_open": "เปิดดูไฟล์เอกสารที่ส่ง",
    "document_file_download": "ดาวน์โหลดไฟล์เอกสารที่ส่ง",
    "file_register": "ลงทะเบียนแฟ้มเสนอลงนาม",
    "appointment_double_booked": "บันทึกนัดหมายซ้อนเวลา (ยืนยันแล้ว)",
    "announcement_post": "ลงประกาศ",
    "announcement_edit": "แก้ไขประกาศ",
    "announcement_withdraw": "ถอนประกาศ",
    "chat_close": "ปิดการสนทนากับผู้ใช้งาน",
    "role_restore_default": "คืนค่าเริ่มต้นของระดับให้บทบาท",
}
AUDIT_LABELS = {
    "seq": _l("ลำดับ"),
    "occurred_at": _l("วันเวลา"),
    "actor_name": _l("ผู้กระทำ"),
    "actor_id": _l("รหัสผู้กระทำ"),
    "action": _l("การกระทำ"),
    "target_type": _l("ประเภทข้อมูล"),
    "target_id": _l("รหัสข้อมูล"),
    "target_label": _l("ข้อมูล"),
    "detail": _l("รายละเอียด"),
    "ip": _l("เลขที่อยู่ไอพี"),
    "prev_hash": _l("แฮชก่อนหน้า"),
    "hash": _l("แฮช"),
}
# The export keeps the detail as stored (JSON: what the hash covers, for the auditor's tools)
# beside the same detail as a clerk reads it.
EXPORT_HEADERS = [AUDIT_LABELS[c] for c in ("seq", "occurred_at", "actor_name", "action",
                                            "target_type", "target_id", "target_label", "detail")]
EXPORT_HEADERS += [_l("รายละเอียด (JSON ตามที่บันทึก)"), AUDIT_LABELS["ip"], AUDIT_LABELS["hash"]]


TYPE_LABELS = {
    "Agency": "หน่วยงาน", "WorkGroup": "กลุ่มงาน", "EOfficeUser": "ผู้ใช้งาน", "Role": "บทบาท",
    "Permission": "สิทธิ์พื้นฐาน", "ViewMenu": "หน้าจอ/เมนู", "PermissionView": "สิทธิ์บนหน้าจอ/เมนู",
    "RegisterEntry": "รายการทะเบียนหนังสือ", "Attachment": "เอกสารแนบ", "NumberSeries": "ชุดเลขทะเบียน",
    "Document": "เอกสารที่ส่ง", "DocumentFile": "ไฟล์เอกสารที่ส่ง",
    "Contract": "ทะเบียนคุมสัญญา", "ContractFile": "ไฟล์แนบของสัญญา",
    "Executive": "ผู้บริหาร", "FileStage": "ขั้นตอนของแฟ้ม", "FileStep": "การส่งต่อที่อนุญาต",
    "TrackedFile": "แฟ้มเสนอลงนาม", "FileMove": "การเคลื่อนแฟ้ม",
    "TrackedFileAttachment": "ไฟล์แนบของแฟ้ม", "Room": "ห้องประชุม", "RoomPhoto": "รูปห้องประชุม",
    "Booking": "การจองห้องประชุม", "Appointment": "นัดหมายผู้บริหาร",
    "Announcement": "ประกาศข่าวสาร", "AnnouncementFile": "ไฟล์แนบของประกาศ",
    "Conversation": "การสนทนากับผู้ดูแลระบบ", "ChatMessage": "ข้อความสนทนา",
}


def type_label(value):
    return TYPE_LABELS.get(value, value or "")


def action_label(value):
    return ACTION_LABELS.get(value, value)


class AuditLogView(EOfficeModelView):
    datamodel = ThaiSQLAInterface(AuditLog)
    base_permissions = ["can_list", "can_show", "can_xlsx", "can_verify"]
    list_title = _l("บันทึกการตรวจสอบ (Audit log)")
    show_title = _l("รายละเอียดบันทึกการตรวจสอบ")
    label_columns = AUDIT_LABELS
    list_columns = ["seq", "occurred_at", "actor_name", "action", "target_type", "target_label", "ip"]
    show_columns = ["seq", "occurred_at", "actor_name", "actor_id", "action", "target_type",
                    "target_id", "target_label", "detail", "ip", "prev_hash", "hash"]
    search_columns = ["occurred_at", "actor_name", "action", "target_type", "target_label", "ip",
                      "detail"]
    search_form_extra_fields = {"occurred_at": ThaiDateField(_l("วันที่ (พ.ศ.)"))}
    order_columns = ["seq", "occurred_at"]
    base_order = ("seq", "desc")
    formatters_columns = {"occurred_at": thai.format_datetime, "action": action_label,
                          "target_type": type_label, "target_label": identifier_label,
                          "detail": detail_html}
    list_template = "audit_list.html"

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        """The detail read with its event: a key may mean another thing for another act."""
        widgets = super()._get_show_widget(pk, item, widgets, actions, show_fieldsets)
        shown = widgets["show"].template_args
        shown["formatters_columns"] = {
            **shown["formatters_columns"],
            "detail": lambda raw: detail_html(raw, item.action, item.target_type)}
        return widgets

    def _filtered_query(self):
        get_filter_args(self._filters)
        filters = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.session.query(AuditLog)
        return self.datamodel.apply_all(query, filters, "seq", "asc")

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        """The list as it is filtered, to Excel, streamed row by row from the database."""
        rows = (
            [r.seq, thai.to_bangkok(r.occurred_at), r.actor_name, action_label(r.action),
             type_label(r.target_type), r.target_id, r.target_label,
             detail_text(r.detail, r.action, r.target_type), r.detail, r.ip, r.hash]
            for r in self._filtered_query().yield_per(1000)
        )
        headers = [str(h) for h in EXPORT_HEADERS]
        data = xlsx_bytes("บันทึกการตรวจสอบ", headers, rows)
        audit_service.record(self.datamodel.session, "export", detail={"what": "audit_log"})
        self.datamodel.session.commit()
        return send_file(
            data, as_attachment=True, download_name=thai_file_name("บันทึกการตรวจสอบ", "xlsx"),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    @expose("/verify", methods=["POST"])
    @has_access
    def verify(self):
        report = audit_service.verify_chain(self.datamodel.session)
        audit_service.record(self.datamodel.session, "verify",
                             detail={"ok": report.ok, "checked": report.checked,
                                     "bad_seq": report.bad_seq})
        self.datamodel.session.commit()
        if report.ok:
            flash(f"บันทึกการตรวจสอบถูกต้องครบถ้วน ตรวจแล้ว {report.checked:,} รายการ", "success")
        else:
            flash(f"พบความผิดปกติของบันทึกการตรวจสอบ: {report.reason}", "danger")
        return redirect(url_for("AuditLogView.list"))
