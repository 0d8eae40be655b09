"""The e-office application factory: the only place that builds an app."""

import logging

from flask import Blueprint, Flask, g, request
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)
# FAB's security API declares filters on relations it cannot filter, and says so at every start.
logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)

CSP = "; ".join([
    "default-src 'self'",
    # FAB's templates carry inline scripts and styles (list actions, datepickers): nonces would
    # mean forking them. Everything else is locked to our own origin.
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def create_app(config=None):
    """Build the app. ``config`` (a dict) overrides the environment-driven defaults."""
    from config import build_config

    from app import i18n, permission_labels, thai
    from app.extensions import csrf, db, migrate

    # Our static files under /eoffice/static: Flask's own /static would overlap FAB's.
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(build_config(config))
    app.json.ensure_ascii = False  # the API's Thai readable as Thai, not \u0e00 escapes
    if app.config.get("TRUSTED_PROXIES"):
        # Behind that many reverse proxies, the client is the address they forward (the login
        # throttle and the audit log count it); never without them (config.TRUSTED_PROXIES).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.register_blueprint(Blueprint("eoffice", __name__, static_folder="static",
                                     static_url_path="/eoffice/static"))

    from app.views import api, inputs

    # Before the views are built: their <int:> routes take the bounded converter, and FAB's
    # API schemas the strict related fields.
    inputs.install(app)
    api.install()
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", _migrations_dir()))
    csrf.init_app(app)
    i18n.install()
    permission_labels.install()
    thai.register_jinja_filters(app)

    from app.services import audit as audit_service
    from app.services import org as org_service

    from app.services import tally

    audit_service.install_listeners()
    org_service.install_listeners()
    tally.install_listeners()

    with app.app_context():
        from app.views.home import HomeView

        appbuilder = AppBuilder(indexview=HomeView, update_perms=False)
        appbuilder.init_app(app, db.session)
        _register_views(appbuilder)
    from app.views.base import close_fab_routes

    close_fab_routes(app)

    from app.views import errors

    errors.install(app)
    _register_hooks(app)
    _register_cli(app)
    from app.views import announcements, chat

    announcements.install(app)
    chat.install(app)
    return app


def _migrations_dir():
    import os

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _register_views(appbuilder):
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
    appbuilder.add_view(
        AuditLogView, "AuditLog", label=_l("บันทึกการตรวจสอบ"), icon="fa-shield",
        category="Security", category_label=_l("Security"),
    )
    appbuilder.add_api(AgencyApi)
    appbuilder.add_api(WorkGroupApi)
    appbuilder.add_api(EOfficeUserApi)

    from app.views.correspondence import REGISTER_VIEWS, NumberSeriesView
    from app.views.correspondence_api import RegisterApi
    from app.views.dispatch import InboxView

    correspondence = dict(category="Correspondence", category_label=_l("ระบบงานสารบรรณ"),
                          category_icon="fa-book")
    appbuilder.add_view(InboxView, "Inbox", label=InboxView.menu_label, icon="fa-inbox",
                        **correspondence)
    appbuilder.add_link("ReceivedFromProvince", href="InboxView.received",
                        label=_l("ทะเบียนหนังสือรับจากจังหวัด"), icon="fa-list-alt",
                        **correspondence)
    for view, name, icon in REGISTER_VIEWS:
        appbuilder.add_view(view, name, label=view.menu_label, icon=icon, **correspondence)
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
    _add_links(appbuilder, files, (
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
    _add_links(appbuilder, rooms, (
        ("BookRoom", "BookingView.new", _l("จองห้องประชุม"), "fa-plus"),
        ("MyBookings", "BookingView.mine", _l("การจองของฉัน"), "fa-list"),
        ("RoomWeek", "BookingView.week", _l("ตารางรายสัปดาห์"), "fa-calendar"),
        ("RoomMonth", "BookingView.month", _l("ตารางรายเดือน"), "fa-calendar-o")))
    appbuilder.add_view(RoomView, "Rooms", label=_l("ห้องประชุม"), icon="fa-building", **rooms)

    from app.views.agenda import AgendaView

    agenda = dict(category="Agenda", category_label=_l("วาระงานผู้บริหาร"),
                  category_icon="fa-calendar-check-o")
    appbuilder.add_view_no_menu(AgendaView)
    _add_links(appbuilder, agenda, (
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
    _add_links(appbuilder, services, (
        ("Announcements", "AnnouncementView.list", _l("ประกาศข่าวสาร"), "fa-bullhorn"),
        ("NewAnnouncement", "AnnouncementView.new", _l("ลงประกาศ"), "fa-plus"),
        ("MyAnnouncements", "AnnouncementView.mine", _l("ประกาศของหน่วยงาน"), "fa-list"),
        ("PhoneDirectory", "DirectoryView.list", _l("สมุดโทรศัพท์"), "fa-phone"),
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
    _add_links(appbuilder, documents, (
        ("ReceivedDocuments", "DocumentView.received", _l("เอกสารรับแล้ว"), "fa-archive"),
        ("SentDocuments", "DocumentView.sent", _l("ประวัติการส่ง"), "fa-history"),
        ("SendInternal", "DocumentView.send_internal", _l("ส่งเอกสารภายใน"), "fa-share"),
        ("SendExternal", "DocumentView.send_external", _l("ส่งเอกสารภายนอก"),
         "fa-share-square-o")))


def _add_links(appbuilder, menu, links):
    """Menu items that open a view's page: (menu name, endpoint, label, icon) each, under
    ``menu`` (category, its label and icon). The menu name is what the levels grant."""
    for name, endpoint, label, icon in links:
        appbuilder.add_link(name, href=endpoint, label=label, icon=icon, **menu)


def _register_hooks(app):
    from app.services import audit as audit_service
    from app.extensions import db

    sm = app.appbuilder.sm

    @app.before_request
    def _enforce_session():
        return sm.enforce_session()

    @app.context_processor
    def _waiting_counts():
        def waiting(count, view):
            """A count of what waits for the logged-in user (``count(session, user)``); 0 for
            anyone without ``view``. Counted once per page, when the navigation bar asks."""
            from flask_login import current_user

            if not getattr(current_user, "is_authenticated", False) \
                    or not sm.has_access("can_list", view):
                return 0
            return count(db.session, current_user._get_current_object())

        from app.services import dispatch, documents, filetracking

        return {
            # Letters waiting for the user's decision (หนังสือเข้าใหม่).
            "inbox_count": lambda: waiting(dispatch.inbox_count, "InboxView"),
            # Documents waiting to be received (เอกสารใหม่).
            "document_count": lambda: waiting(documents.new_count, "DocumentView"),
            # The user's files the executive or the secretaries sent back to them.
            "file_count": lambda: waiting(filetracking.owner_count, "TrackedFileView"),
        }

    @app.after_request
    def _security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.after_request
    def _audit_refusals(response):
        if response.status_code in (403, 404):
            try:
                _record_refusal(app, response.status_code)
            except Exception:  # the audit must never turn a refusal into a server error
                log.exception("could not record a refused access")
                db.session.rollback()
        return response

    def _record_refusal(app, status):
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return
        target = _existing_target(app) if status == 404 else None
        if status == 404 and target is None:
            return  # a 404 on nothing is not a refusal
        db.session.rollback()
        audit_service.record(
            db.session, "access_denied",
            target_type=target[0] if target else None,
            target_id=target[1] if target else None,
            detail={"status": status, "method": request.method, "path": request.path,
                    "endpoint": request.endpoint},
        )
        db.session.commit()


def _existing_target(app):
    """For a 404 answered by a view over a model: the (model, pk) if that row exists."""
    pk = (request.view_args or {}).get("pk")
    if pk is None or request.blueprint is None:
        return None
    for view in app.appbuilder.baseviews:
        if getattr(view, "blueprint", None) is not None and view.blueprint.name == request.blueprint:
            datamodel = getattr(view, "datamodel", None)
            if datamodel is None:
                return None
            try:
                exists = datamodel.session.get(datamodel.obj, int(pk)) is not None
            except (TypeError, ValueError):
                return None
            return (datamodel.obj.__name__, str(pk)) if exists else None
    return None


def _register_cli(app):
    from app.cli import eoffice

    app.cli.add_command(eoffice)
