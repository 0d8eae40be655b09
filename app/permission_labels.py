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
    # Correspondence: the registers, new incoming letters and their API.
    "can_cancel": _l("ยกเลิก"),
    "can_reserve": _l("จองเลข"),
    "can_attach": _l("แนบไฟล์"),
    "can_file": _l("เปิดไฟล์แนบ"),
    "can_report": _l("พิมพ์รายงาน"),
    "can_dispatch": _l("ส่งหนังสือ"),
    "can_open": _l("เปิดอ่านหนังสือ"),
    "can_accept": _l("ลงรับหนังสือ"),
    "can_return": _l("ส่งคืน"),
    "can_received": _l("ดูทะเบียนหนังสือรับทางระบบ"),
    "can_recall": _l("เรียกคืนหนังสือที่ส่ง"),
    "can_load": _l("เพิ่มวันหยุดประจำปี"),
    "can_noted": _l("รับทราบการส่งคืน/รับแฟ้มคืน"),
    # Sending documents (and the help chat's messages).
    "can_send": _l("ส่งเอกสาร/ข้อความ"),
    "can_receive": _l("รับเอกสาร/รับแฟ้ม"),
    # Contracts, files for signature.
    "can_print": _l("พิมพ์"),
    "can_move": _l("ส่งต่อแฟ้ม"),
    "can_cover": _l("พิมพ์ใบปะหน้าแฟ้ม"),
    "can_dashboard": _l("ดูสรุปแฟ้มตามขั้นตอน"),
    "can_queue": _l("ดูแฟ้มรอดำเนินการ"),
    # Meeting rooms.
    "can_book": _l("จองห้องประชุม"),
    "can_decide": _l("อนุมัติ/ไม่อนุมัติการจอง"),
    "can_calendar": _l("ดูตารางการจอง"),
    # The executives' agenda.
    "can_day": _l("ดูวาระงานรายวัน"),
    "can_week": _l("ดูวาระงานรายสัปดาห์"),
    "can_feeds": _l("ดูลิงก์ปฏิทินของผู้บริหาร (.ics)"),
    # Announcements, the help chat, the manual.
    "can_mine": _l("ดูรายการของตนเอง/หน่วยงาน"),
    "can_withdraw": _l("ถอนประกาศ"),
    "can_poll": _l("รับข้อความใหม่อัตโนมัติ"),
    "can_inbox": _l("ดูข้อความถึงผู้ดูแลระบบ"),
    "can_reply": _l("ตอบข้อความ"),
    "can_close": _l("ปิดการสนทนา"),
    "can_read": _l("อ่านคู่มือ"),
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
    # Correspondence (ระบบงานสารบรรณ).
    "ProvinceIncomingView": _l("หน้าจอทะเบียนหนังสือรับถึงจังหวัด"),
    "AgencyIncomingView": _l("หน้าจอทะเบียนหนังสือรับถึงหน่วยงาน"),
    "GroupIncomingView": _l("หน้าจอทะเบียนหนังสือรับถึงกลุ่มงาน"),
    "OutgoingNormalView": _l("หน้าจอทะเบียนหนังสือส่ง (ปกติ)"),
    "OutgoingCircularView": _l("หน้าจอทะเบียนหนังสือส่ง (เวียน)"),
    "OrderView": _l("หน้าจอทะเบียนหนังสือคำสั่ง"),
    "NumberSeriesView": _l("หน้าจอชุดเลขทะเบียน"),
    "InboxView": _l("หน้าจอหนังสือเข้าใหม่"),
    "RegisterApi": _l("API ทะเบียนหนังสือ"),
    "LetterApi": _l("API ส่งและรับหนังสือ"),
    "Correspondence": _l("เมนูระบบงานสารบรรณ"),
    "Inbox": _l("เมนูหนังสือเข้าใหม่"),
    "ReceivedFromProvince": _l("เมนูทะเบียนหนังสือรับทางระบบ"),
    "ProvinceIncoming": _l("เมนูหนังสือรับถึงจังหวัด"),
    "AgencyIncoming": _l("เมนูหนังสือรับถึงหน่วยงาน"),
    "GroupIncoming": _l("เมนูหนังสือรับถึงกลุ่มงาน"),
    "OutgoingNormal": _l("เมนูหนังสือส่ง (ปกติ)"),
    "OutgoingCircular": _l("เมนูหนังสือส่ง (เวียน)"),
    "Orders": _l("เมนูหนังสือคำสั่ง"),
    "NumberSeries": _l("เมนูชุดเลขทะเบียน"),
    "SentView": _l("หน้าจอติดตามหนังสือที่ส่ง"),
    "HolidayView": _l("หน้าจอวันหยุดราชการ"),
    "Holidays": _l("เมนูวันหยุดราชการ"),
    "DirectoryContactView": _l("หน้าจอรายชื่อในสมุดโทรศัพท์"),
    "DirectoryContacts": _l("เมนูรายชื่อในสมุดโทรศัพท์"),
    "SentLetters": _l("เมนูติดตามหนังสือที่ส่ง"),
    "RecipientListView": _l("หน้าจอรายชื่อผู้รับที่บันทึกไว้"),
    "RecipientLists": _l("เมนูรายชื่อผู้รับที่บันทึกไว้"),
    # Sending documents (ระบบส่งเอกสาร).
    "DocumentView": _l("หน้าจอระบบส่งเอกสาร"),
    "DocumentApi": _l("API ส่งเอกสาร"),
    "Documents": _l("เมนูระบบส่งเอกสาร"),
    "NewDocuments": _l("เมนูเอกสารใหม่"),
    "ReceivedDocuments": _l("เมนูเอกสารรับแล้ว"),
    "SentDocuments": _l("เมนูประวัติการส่งเอกสาร"),
    "SendInternal": _l("เมนูส่งเอกสารภายใน"),
    "SendExternal": _l("เมนูส่งเอกสารภายนอก"),
    # Contract registers (ทะเบียนคุมสัญญา).
    "HireContractView": _l("หน้าจอทะเบียนคุมสัญญาจ้าง"),
    "PurchaseContractView": _l("หน้าจอทะเบียนคุมสัญญาซื้อขาย"),
    "BidDocumentView": _l("หน้าจอเลขเอกสารประกวดราคา"),
    "Contracts": _l("เมนูทะเบียนคุมสัญญา"),
    "HireContracts": _l("เมนูทะเบียนคุมสัญญาจ้าง"),
    "PurchaseContracts": _l("เมนูทะเบียนคุมสัญญาซื้อขาย"),
    "BidDocuments": _l("เมนูเลขเอกสารประกวดราคา"),
    # Files for signature (ติดตามแฟ้มเสนอลงนาม).
    "TrackedFileView": _l("หน้าจอติดตามแฟ้มเสนอลงนาม"),
    "ExecutiveView": _l("หน้าจอผู้บริหาร"),
    "FileStageView": _l("หน้าจอขั้นตอนของแฟ้ม"),
    "FileStepView": _l("หน้าจอการส่งต่อที่อนุญาต"),
    "FileTracking": _l("เมนูติดตามแฟ้ม"),
    "MyFiles": _l("เมนูแฟ้มของฉัน"),
    "ProposeFile": _l("เมนูเสนอแฟ้ม"),
    "FileSearch": _l("เมนูค้นหาแฟ้ม"),
    "FileQueue": _l("เมนูแฟ้มรอดำเนินการ"),
    "FileDashboard": _l("เมนูสรุปแฟ้มตามขั้นตอน"),
    "FileStages": _l("เมนูขั้นตอนของแฟ้ม"),
    "FileSteps": _l("เมนูการส่งต่อที่อนุญาต"),
    # The executives' menu of file tracking, now in the agenda's (AgendaExecutives); a database
    # synced before the move still holds it.
    "Executives": _l("เมนูผู้บริหารที่รับแฟ้ม"),
    # Meeting rooms (ระบบจองห้องประชุม).
    "RoomView": _l("หน้าจอห้องประชุม"),
    "BookingView": _l("หน้าจอการจองห้องประชุม"),
    "MeetingRooms": _l("เมนูระบบจองห้องประชุม"),
    "BookRoom": _l("เมนูจองห้องประชุม"),
    "MyBookings": _l("เมนูการจองของฉัน"),
    "RoomWeek": _l("เมนูตารางห้องประชุมรายสัปดาห์"),
    "RoomMonth": _l("เมนูตารางห้องประชุมรายเดือน"),
    "Rooms": _l("เมนูห้องประชุม"),
    # The executives' agenda (วาระงานผู้บริหาร).
    "AgendaView": _l("หน้าจอวาระงานผู้บริหาร"),
    "Agenda": _l("เมนูวาระงานผู้บริหาร"),
    "AgendaToday": _l("เมนูวาระงานรายวัน"),
    "AgendaWeek": _l("เมนูวาระงานรายสัปดาห์"),
    "AgendaNew": _l("เมนูลงนัดหมาย"),
    "AgendaExecutives": _l("เมนูผู้บริหาร"),
    # Services (บริการ): announcements, the phone directory, the help chat, the manual.
    "AnnouncementView": _l("หน้าจอประกาศข่าวสาร"),
    "DirectoryView": _l("หน้าจอสมุดโทรศัพท์"),
    "ChatView": _l("หน้าจอติดต่อเจ้าหน้าที่"),
    "ManualView": _l("หน้าจอคู่มือการใช้งาน"),
    "Services": _l("เมนูบริการ"),
    "Announcements": _l("เมนูประกาศข่าวสาร"),
    "NewAnnouncement": _l("เมนูลงประกาศ"),
    "MyAnnouncements": _l("เมนูประกาศของหน่วยงาน"),
    "PhoneDirectory": _l("เมนูสมุดโทรศัพท์"),
    "HelpChat": _l("เมนูติดต่อเจ้าหน้าที่"),
    "HelpInbox": _l("เมนูข้อความถึงผู้ดูแลระบบ"),
    "Manual": _l("เมนูคู่มือการใช้งาน"),
}


def identifier_label(text):
    """``can_list on AgencyView`` (how the audit log names a permission on a screen) as the
    administrator reads it: ``ดูรายการ: หน้าจอหน่วยงาน``; any other text as it is."""
    text = "" if text is None else text
    permission, on, view = str(text).partition(" on ")
    if not on or permission not in PERMISSIONS:
        return text
    return f"{PERMISSIONS[permission]}: {VIEWS.get(view, view)}"


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
