"""How FAB's permissions and views read on the Roles and Permissions screens.

FAB shows a permission as ``can list on AgencyView``: English, and identifiers. The administrator
reads ``ดูรายการ: หน้าจอหน่วยงาน`` instead (in English mode, English labels). The identifiers stay
as they are in the database and in the audit log.
"""

from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu
from flask_babel import lazy_gettext as _l

PERMISSIONS = {
    "can_list": _l("ดูรายการ"),
    "can_show": _l("ดูรายละเอียด"),
    "can_add": _l("เพิ่ม"),
    "can_edit": _l("แก้ไข"),
    "can_delete": _l("ลบ"),
    "can_download": _l("ดาวน์โหลดไฟล์"),
    "can_userinfo": _l("ดูข้อมูลส่วนตัว"),
    "userinfoedit": _l("แก้ไขข้อมูลส่วนตัว"),
    "resetmypassword": _l("เปลี่ยนรหัสผ่านของตนเอง"),
    "resetpasswords": _l("ตั้งรหัสผ่านใหม่ให้ผู้อื่น"),
    "can_this_form_get": _l("เปิดแบบฟอร์ม"),
    "can_this_form_post": _l("บันทึกแบบฟอร์ม"),
    "copyrole": _l("คัดลอกบทบาท"),
    "can_chart": _l("ดูแผนภูมิ"),
    "can_get": _l("อ่านผ่าน API"),
    "can_info": _l("ดูคำอธิบาย API"),
    "can_post": _l("เพิ่มผ่าน API"),
    "can_put": _l("แก้ไขผ่าน API"),
    "can_list_role_permissions": _l("ดูสิทธิ์ของบทบาทผ่าน API"),
    "can_add_role_permissions": _l("กำหนดสิทธิ์ของบทบาทผ่าน API"),
    "can_update_role_users": _l("กำหนดผู้ใช้งานของบทบาทผ่าน API"),
    "can_update_role_groups": _l("กำหนดกลุ่มสิทธิ์ของบทบาทผ่าน API"),
    "can_xlsx": _l("ส่งออก Excel"),
    "can_verify": _l("ตรวจสอบความถูกต้อง"),
    "menu_access": _l("เข้าถึงเมนู"),
}

VIEWS = {
    "HomeView": _l("หน้าแรก"),
    "UtilView": _l("เครื่องมือทั่วไป"),
    "LocaleView": _l("เลือกภาษา"),
    "SecurityApi": _l("API เข้าสู่ระบบ"),
    "AuthDBView": _l("หน้าเข้าสู่ระบบ"),
    "EOfficeUserView": _l("หน้าจอผู้ใช้งาน"),
    "EOfficeUserInfoEditView": _l("แก้ไขข้อมูลส่วนตัว"),
    "EOfficeResetPasswordView": _l("ตั้งรหัสผ่านใหม่ให้ผู้ใช้งาน"),
    "EOfficeResetMyPasswordView": _l("เปลี่ยนรหัสผ่านของตนเอง"),
    "RoleModelView": _l("หน้าจอบทบาท"),
    "EOfficeSecurityGroupView": _l("หน้าจอกลุ่มสิทธิ์"),
    "EOfficeUserStatsChartView": _l("สถิติผู้ใช้งาน"),
    "PermissionModelView": _l("หน้าจอสิทธิ์พื้นฐาน"),
    "ViewMenuModelView": _l("หน้าจอรายการหน้าจอ/เมนู"),
    "PermissionViewModelView": _l("หน้าจอสิทธิ์บนหน้าจอ/เมนู"),
    "Permission": _l("API สิทธิ์พื้นฐาน"),
    "Role": _l("API บทบาท"),
    "User": _l("API ผู้ใช้งาน (ผู้ดูแลระบบ)"),
    "ViewMenu": _l("API หน้าจอ/เมนู"),
    "PermissionViewMenu": _l("API สิทธิ์บนหน้าจอ/เมนู"),
    "Group": _l("API กลุ่มสิทธิ์"),
    "OpenApi": _l("เอกสาร OpenAPI"),
    "SwaggerView": _l("หน้าจอ Swagger"),
    "MenuApi": _l("API เมนู"),
    "AgencyView": _l("หน้าจอหน่วยงาน"),
    "WorkGroupView": _l("หน้าจอกลุ่มงาน"),
    "AuditLogView": _l("หน้าจอบันทึกการตรวจสอบ"),
    "AgencyApi": _l("API หน่วยงาน"),
    "WorkGroupApi": _l("API กลุ่มงาน"),
    "EOfficeUserApi": _l("API ผู้ใช้งาน"),
    "Security": _l("เมนูความปลอดภัย"),
    "List Users": _l("เมนูผู้ใช้งาน"),
    "List Roles": _l("เมนูบทบาท"),
    "List Groups": _l("เมนูกลุ่มสิทธิ์"),
    "User's Statistics": _l("เมนูสถิติผู้ใช้งาน"),
    "Base Permissions": _l("เมนูสิทธิ์พื้นฐาน"),
    "Views/Menus": _l("เมนูหน้าจอ/เมนู"),
    "Permission on Views/Menus": _l("เมนูสิทธิ์บนหน้าจอ/เมนู"),
    "AuditLog": _l("เมนูบันทึกการตรวจสอบ"),
    "Setup": _l("เมนูตั้งค่าหน่วยงาน"),
    "Agencies": _l("เมนูข้อมูลหน่วยงาน"),
    "WorkGroups": _l("เมนูกลุ่มงาน"),
    "Users": _l("เมนูผู้ใช้งาน (ตั้งค่าหน่วยงาน)"),
}


def _permission(self):
    return str(PERMISSIONS.get(self.name, self.name))


def _view(self):
    return str(VIEWS.get(self.name, self.name))


def _permission_view(self):
    return f"{self.permission}: {self.view_menu}"


def install():
    Permission.__repr__ = _permission
    ViewMenu.__repr__ = _view
    PermissionView.__repr__ = _permission_view
