"""The menu: every screen and API of the e-office registered with FAB, grouped as the manual
groups them (ตั้งค่าหน่วยงาน, ระบบงานสารบรรณ, ทะเบียนคุมสัญญา, ติดตามแฟ้ม, ห้องประชุม, วาระงานผู้บริหาร,
บริการ, ระบบส่งเอกสาร).

A menu item's name (``Agencies``, ``ProvinceIncoming``...) is what app/access.py grants the levels;
a register's screen and menu item are named by its description in app/registers.py.
"""

from flask_babel import lazy_gettext as _l


def install(appbuilder):
    """Every screen and API, and the menu that reaches them, in the manual's order."""
    from app.views.audit import AuditLogView
    from app.views.org import AgencyApi, AgencyView, WorkGroupApi, WorkGroupView
    from app.views.people import EOfficeUserApi

    setup = dict(category="Setup", category_label=_l("ตั้งค่าหน่วยงาน"), category_icon="fa-sitemap")
    appbuilder.add_view(AgencyView, "Agencies", label=_l("ข้อมูลหน่วยงาน"), icon="fa-building", **setup)
    appbuilder.add_view(WorkGroupView, "WorkGroups", label=_l("กลุ่มงาน"), icon="fa-users", **setup)
    # The users screen is FAB's (registered by the security manager under "Security"); the
    # agency clerk reaches it from the Setup menu too.
    appbuilder.add_link(
        "Users", href="EOfficeUserView.list", label=_l("ผู้ใช้งาน"), icon="fa-user", **setup
    )
    from app.views.holidays import HolidayView

    appbuilder.add_view(HolidayView, "Holidays", label=_l("วันหยุดราชการ"),
                        icon="fa-calendar-times-o", **setup)
    appbuilder.add_view(
        AuditLogView, "AuditLog", label=_l("บันทึกการตรวจสอบ"), icon="fa-shield",
        category="Security", category_label=_l("Security"),
    )
    appbuilder.add_api(AgencyApi)
    appbuilder.add_api(WorkGroupApi)
    appbuilder.add_api(EOfficeUserApi)

    from app.registers import REGISTERS
    from app.views.correspondence import REGISTER_VIEWS
    from app.views.correspondence_api import RegisterApi
    from app.views.dispatch import InboxView
    from app.views.numberseries import NumberSeriesView

    correspondence = dict(category="Correspondence", category_label=_l("ระบบงานสารบรรณ"),
                          category_icon="fa-book")
    appbuilder.add_view(InboxView, "Inbox", label=InboxView.menu_label, icon="fa-inbox",
                        **correspondence)
    appbuilder.add_link("ReceivedFromProvince", href="InboxView.received",
                        label=_l("ทะเบียนหนังสือรับทางระบบ"), icon="fa-list-alt",
                        **correspondence)
    from app.views.sending import RecipientListView, SentView

    appbuilder.add_view(SentView, "SentLetters", label=SentView.menu_label, icon="fa-share",
                        **correspondence)
    for view, register in zip(REGISTER_VIEWS, REGISTERS.values()):
        appbuilder.add_view(view, register.menu, label=register.menu_label, icon=register.icon,
                            **correspondence)
    appbuilder.add_view(RecipientListView, "RecipientLists", label=RecipientListView.menu_label,
                        icon="fa-address-book", **correspondence)
    appbuilder.add_view(NumberSeriesView, "NumberSeries", label=_l("ชุดเลขทะเบียน"),
                        icon="fa-sort-numeric-asc", **correspondence)
    appbuilder.add_api(RegisterApi)

    from app.views.contracts import CONTRACT_VIEWS

    contract_menu = dict(category="Contracts", category_label=_l("ทะเบียนคุมสัญญา"),
                         category_icon="fa-file-text")
    for view, name, icon in CONTRACT_VIEWS:
        appbuilder.add_view(view, name, label=view.menu_label, icon=icon, **contract_menu)

    from app.views.filetracking import (
        ExecutiveView,
        FileStageView,
        FileStepView,
        TrackedFileView,
    )

    files = dict(category="FileTracking", category_label=_l("ติดตามแฟ้ม"),
                 category_icon="fa-folder-open")
    appbuilder.add_view_no_menu(TrackedFileView)
    add_links(appbuilder, files, (
        ("MyFiles", "TrackedFileView.mine", _l("แฟ้มของฉัน"), "fa-folder"),
        ("ProposeFile", "TrackedFileView.add", _l("เสนอแฟ้ม"), "fa-plus"),
        ("FileSearch", "TrackedFileView.list", _l("ค้นหาแฟ้ม"), "fa-search"),
        ("FileQueue", "TrackedFileView.queue", _l("แฟ้มรอดำเนินการ"), "fa-inbox"),
        ("FileDashboard", "TrackedFileView.dashboard", _l("สรุปแฟ้มตามขั้นตอน"), "fa-bar-chart")))
    appbuilder.add_view_no_menu(ExecutiveView)  # in the agenda's menu: every executive has one
    appbuilder.add_view(FileStageView, "FileStages", label=_l("ขั้นตอนของแฟ้ม"),
                        icon="fa-list-ol", **files)
    appbuilder.add_view(FileStepView, "FileSteps", label=_l("การส่งต่อที่อนุญาต"),
                        icon="fa-random", **files)

    from app.views.rooms import BookingView, RoomView

    rooms = dict(category="MeetingRooms", category_label=_l("ห้องประชุม"),
                 category_icon="fa-calendar")
    appbuilder.add_view_no_menu(BookingView)
    add_links(appbuilder, rooms, (
        ("BookRoom", "BookingView.new", _l("จองห้องประชุม"), "fa-plus"),
        ("MyBookings", "BookingView.mine", _l("การจองของฉัน"), "fa-list"),
        ("RoomWeek", "BookingView.week", _l("ตารางรายสัปดาห์"), "fa-calendar"),
        ("RoomMonth", "BookingView.month", _l("ตารางรายเดือน"), "fa-calendar-o")))
    appbuilder.add_view(RoomView, "Rooms", label=_l("ห้องประชุม"), icon="fa-building", **rooms)

    from app.views.agenda import AgendaView

    agenda = dict(category="Agenda", category_label=_l("วาระงานผู้บริหาร"),
                  category_icon="fa-calendar-check-o")
    appbuilder.add_view_no_menu(AgendaView)
    add_links(appbuilder, agenda, (
        ("AgendaToday", "AgendaView.day", _l("วาระงานรายวัน"), "fa-calendar-o"),
        ("AgendaWeek", "AgendaView.week", _l("วาระงานรายสัปดาห์"), "fa-calendar"),
        ("AgendaNew", "AgendaView.new", _l("ลงนัดหมาย"), "fa-plus"),
        ("AgendaExecutives", "ExecutiveView.list", _l("ผู้บริหาร"), "fa-user-circle")))

    from app.views.announcements import AnnouncementView
    from app.views.chat import ChatView
    from app.views.directory import DirectoryView
    from app.views.manual import ManualView

    services = dict(category="Services", category_label=_l("บริการ"), category_icon="fa-life-ring")
    for view in (AnnouncementView, DirectoryView, ChatView, ManualView):
        appbuilder.add_view_no_menu(view)
    from app.views.directory import DirectoryContactView

    appbuilder.add_view_no_menu(DirectoryContactView)
    add_links(appbuilder, services, (
        ("Announcements", "AnnouncementView.list", _l("ประกาศข่าวสาร"), "fa-bullhorn"),
        ("NewAnnouncement", "AnnouncementView.new", _l("ลงประกาศ"), "fa-plus"),
        ("MyAnnouncements", "AnnouncementView.mine", _l("ประกาศของหน่วยงาน"), "fa-list"),
        ("PhoneDirectory", "DirectoryView.list", _l("สมุดโทรศัพท์"), "fa-phone"),
        ("DirectoryContacts", "DirectoryContactView.list", _l("รายชื่อในสมุดโทรศัพท์"),
         "fa-address-card"),
        ("HelpChat", "ChatView.mine", _l("ติดต่อเจ้าหน้าที่"), "fa-comments"),
        ("HelpInbox", "ChatView.inbox", _l("ข้อความถึงผู้ดูแลระบบ"), "fa-inbox"),
        ("Manual", "ManualView.read", _l("คู่มือการใช้งาน"), "fa-question-circle")))

    from app.views.dispatch_api import DocumentApi, LetterApi
    from app.views.documents import DocumentView

    appbuilder.add_api(LetterApi)
    appbuilder.add_api(DocumentApi)

    documents = dict(category="Documents", category_label=_l("ระบบส่งเอกสาร"),
                     category_icon="fa-paper-plane")
    appbuilder.add_view(DocumentView, "NewDocuments", label=_l("เอกสารใหม่"),
                        icon="fa-envelope", **documents)
    add_links(appbuilder, documents, (
        ("ReceivedDocuments", "DocumentView.received", _l("เอกสารรับแล้ว"), "fa-archive"),
        ("SentDocuments", "DocumentView.sent", _l("ประวัติการส่ง"), "fa-history"),
        ("SendInternal", "DocumentView.send_internal", _l("ส่งเอกสารภายใน"), "fa-share"),
        ("SendExternal", "DocumentView.send_external", _l("ส่งเอกสารภายนอก"),
         "fa-share-square-o")))


def add_links(appbuilder, menu, links):
    """Menu items that open a view's page: (menu name, endpoint, label, icon) each, under
    ``menu`` (category, its label and icon). The menu name is what the levels grant."""
    for name, endpoint, label, icon in links:
        appbuilder.add_link(name, href=endpoint, label=label, icon=icon, **menu)
