"""Who may do what: the five levels as data, and the agency scope of every query.

The table ``LEVELS`` is the one declaration of what each level (ระดับสิทธิ์) may do. ``flask eoffice
sync-roles`` writes it into FAB's roles and permissions; the Roles screen shows the result. Rows
are scoped by ``scope_query``, used by every screen and API through ``AgencyScopeFilter``.
"""

import re
from dataclasses import dataclass, field

from flask import g
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select, true

from app.models import Agency, EOfficeUser, RegisterEntry, WorkGroup
from app.models.correspondence import entry_reader

ADMIN, CENTRAL_CLERK, AGENCY_CLERK, GROUP_CLERK, OFFICER = 1, 2, 3, 4, 5

# What every level may do for itself: see and edit its profile, change its password.
SELF_SERVICE = (
    ("EOfficeUserView", "can_userinfo|resetmypassword|userinfoedit"),
    ("EOfficeResetMyPasswordView", "can_this_form_get|can_this_form_post"),
    ("EOfficeUserInfoEditView", "can_this_form_get|can_this_form_post"),
)
READ = "can_list|can_show"
READ_API = "can_get|can_info"
SETUP_MENU = "menu_access"
MENU = "menu_access"
# A register's screen: everything but delete (an entry is cancelled, never deleted).
REGISTER_PERMS = "can_(list|show|add|edit|cancel|reserve|attach|file|xlsx|report|dispatch)"
# New incoming (หนังสือเข้าใหม่): every level that can be sent a letter.
INBOX = ("InboxView", "can_(list|open|accept|return|file)")
# The register of letters received from the province (ทะเบียนหนังสือรับจากจังหวัด): the clerks
# whose agency or group accepts letters into a register.
RECEIVED = ("InboxView", "can_received")
REGISTER_API_PERMS = "can_(get|info|post|cancel)"
# Sending documents (ระบบส่งเอกสาร): every level sends and receives documents.
DOCUMENTS = ("DocumentView", "can_(list|send|show|receive|file)")
# The contract registers (ทะเบียนคุมสัญญา): the clerks of an agency keep their agency's.
CONTRACTS = ("HireContractView|PurchaseContractView|BidDocumentView",
             "can_(list|show|add|edit|cancel|attach|file|xlsx|print)")
CONTRACT_MENUS = ("Contracts|HireContracts|PurchaseContracts|BidDocuments", MENU)
# File-for-signature tracking (ติดตามแฟ้มเสนอลงนาม): every level proposes files and follows
# them; moving a file is the secretaries' (SECRETARY below), or its owner's to withdraw it.
FILES = ("TrackedFileView", "can_(list|show|add|move|file|cover|xlsx|dashboard)")
FILE_MENUS = ("FileTracking|MyFiles|ProposeFile|FileSearch|FileDashboard", MENU)
# Meeting rooms (ระบบจองห้องประชุม): everyone sees the rooms and books them; an agency's clerks
# keep its rooms and approve their bookings.
ROOMS = (("RoomView", READ), ("BookingView", "can_(list|book|cancel|calendar)"),
         ("MeetingRooms|MyBookings|BookRoom|RoomWeek|RoomMonth|Rooms", MENU))
ROOM_KEEPING = (("RoomView", "can_add|can_edit"), ("BookingView", "can_decide"))
# The executives' agenda (วาระงานผู้บริหาร): everyone reads the public appointments by day and
# week; the executives' secretaries (SECRETARY below) enter them and see the others.
AGENDA = (("AgendaView", "can_(day|week|print)"), ("Agenda|AgendaToday|AgendaWeek", MENU))
# Announcements (ประกาศข่าวสาร): everyone reads those for them; the central and agency clerks
# post their agency's.
ANNOUNCEMENTS = (("AnnouncementView", "can_(list|show|file)"), ("Services|Announcements", MENU))
ANNOUNCING = (("AnnouncementView", "can_(add|edit|withdraw|mine)"),
              ("NewAnnouncement|MyAnnouncements", MENU))
# The phone directory, the help chat with the administrators, the manual: everyone.
SERVICES = (("DirectoryView", "can_(list|xlsx|print)"), ("ChatView", "can_(mine|send|poll)"),
            ("ManualView", "can_read"), ("PhoneDirectory|HelpChat|Manual", MENU))
# Their API: every level reads, accepts and returns what is for it and sends documents; the
# clerks, who keep registers, dispatch letters.
LETTER_API = ("LetterApi", "can_(get|accept|return)")
LETTER_API_DISPATCH = ("LetterApi", "can_dispatch")
DOCUMENT_API = ("DocumentApi", "can_(get|send|receive)")
DOCUMENT_MENUS = ("Documents|NewDocuments|ReceivedDocuments|SentDocuments|SendInternal"
                  "|SendExternal", MENU)


@dataclass(frozen=True)
class Level:
    number: int
    role: str  # the FAB role name
    label: str  # as users read it
    # (view-name pattern, permission pattern) pairs, matched whole, as FAB_ROLES does.
    grants: tuple = field(default=())

    def allows(self, permission, view):
        return any(
            re.fullmatch(v, view) and re.fullmatch(p, permission) for v, p in self.grants
        )


LEVELS = (
    Level(ADMIN, "ผู้ดูแลระบบ", _l("ผู้ดูแลระบบ"), grants=((".*", ".*"),)),
    Level(
        CENTRAL_CLERK,
        "สารบรรณกลาง",
        _l("สารบรรณกลาง"),
        grants=SELF_SERVICE
        + (
            ("AgencyView|WorkGroupView", READ),
            ("AgencyApi|WorkGroupApi", READ_API),
            ("Setup|Agencies|WorkGroups", SETUP_MENU),
            ("ProvinceIncomingView|AgencyIncomingView|GroupIncomingView|OutgoingNormalView"
             "|OutgoingCircularView|OrderView", REGISTER_PERMS),
            ("RegisterApi", REGISTER_API_PERMS),
            ("Correspondence|ProvinceIncoming|AgencyIncoming|GroupIncoming|OutgoingNormal"
             "|OutgoingCircular|Orders|Inbox|ReceivedFromProvince", MENU),
            INBOX,
            RECEIVED,
            LETTER_API_DISPATCH,
            CONTRACTS,
            CONTRACT_MENUS,
            *ROOM_KEEPING,
            *ANNOUNCING,
            DOCUMENTS,
            DOCUMENT_MENUS,
            LETTER_API,
            DOCUMENT_API,
            FILES,
            FILE_MENUS,
            *ROOMS,
            *AGENDA,
            *ANNOUNCEMENTS,
            *SERVICES,
        ),
    ),
    Level(
        AGENCY_CLERK,
        "สารบรรณประจำหน่วยงาน",
        _l("สารบรรณประจำหน่วยงาน"),
        grants=SELF_SERVICE
        + (
            ("AgencyView", READ + "|can_edit"),
            ("WorkGroupView", READ + "|can_add|can_edit|can_delete"),
            ("EOfficeUserView", READ + "|can_add|can_edit|resetpasswords"),
            ("EOfficeResetPasswordView", "can_this_form_get|can_this_form_post"),
            ("AgencyApi", READ_API + "|can_put"),
            ("WorkGroupApi|EOfficeUserApi", READ_API + "|can_post|can_put"),
            ("Setup|Agencies|WorkGroups|Users", SETUP_MENU),
            ("AgencyIncomingView|GroupIncomingView|OutgoingNormalView|OutgoingCircularView"
             "|OrderView", REGISTER_PERMS),
            ("RegisterApi", REGISTER_API_PERMS),
            ("Correspondence|AgencyIncoming|GroupIncoming|OutgoingNormal|OutgoingCircular"
             "|Orders|Inbox|ReceivedFromProvince", MENU),
            INBOX,
            RECEIVED,
            LETTER_API_DISPATCH,
            CONTRACTS,
            CONTRACT_MENUS,
            *ROOM_KEEPING,
            *ANNOUNCING,
            DOCUMENTS,
            DOCUMENT_MENUS,
            LETTER_API,
            DOCUMENT_API,
            FILES,
            FILE_MENUS,
            *ROOMS,
            *AGENDA,
            *ANNOUNCEMENTS,
            *SERVICES,
        ),
    ),
    Level(
        GROUP_CLERK,
        "สารบรรณประจำกลุ่ม",
        _l("สารบรรณประจำกลุ่ม/กอง/สาขา"),
        grants=SELF_SERVICE
        + (
            ("AgencyView|WorkGroupView", READ),
            ("AgencyApi|WorkGroupApi", READ_API),
            ("Setup|Agencies|WorkGroups", SETUP_MENU),
            ("GroupIncomingView", REGISTER_PERMS),
            ("RegisterApi", REGISTER_API_PERMS),
            ("Correspondence|GroupIncoming|Inbox|ReceivedFromProvince", MENU),
            INBOX,
            RECEIVED,
            LETTER_API_DISPATCH,
            DOCUMENTS,
            DOCUMENT_MENUS,
            LETTER_API,
            DOCUMENT_API,
            FILES,
            FILE_MENUS,
            *ROOMS,
            *AGENDA,
            *ANNOUNCEMENTS,
            *SERVICES,
        ),
    ),
    Level(
        OFFICER,
        "ผู้ใช้งานทั่วไป",
        _l("ผู้ใช้งานทั่วไป"),
        grants=SELF_SERVICE
        + (
            ("AgencyView|WorkGroupView", READ),
            ("AgencyApi|WorkGroupApi", READ_API),
            ("Setup|Agencies|WorkGroups", SETUP_MENU),
            ("Correspondence|Inbox", MENU),
            INBOX,
            DOCUMENTS,
            DOCUMENT_MENUS,
            LETTER_API,
            DOCUMENT_API,
            FILES,
            FILE_MENUS,
            *ROOMS,
            *AGENDA,
            *ANNOUNCEMENTS,
            *SERVICES,
        ),
    ),
)
# Roles given on top of a level (FAB roles that are not levels): they add what they grant.
SECRETARY = Level(0, "เลขานุการผู้บริหาร", _l("เลขานุการผู้บริหาร"), grants=(
    ("TrackedFileView", "can_(list|show|move|file|cover|xlsx|dashboard|queue)"),
    ("FileTracking|MyFiles|FileSearch|FileQueue|FileDashboard", MENU),
    ("AgendaView", "can_(day|week|print|add|edit|cancel|feeds)"),
    ("Agenda|AgendaToday|AgendaWeek|AgendaNew", MENU),
))
EXTRA_ROLES = (SECRETARY,)
LEVEL_BY_NUMBER = {lv.number: lv for lv in LEVELS}
LEVEL_BY_ROLE = {lv.role: lv for lv in LEVELS}
LEVEL_CHOICES = [(lv.number, f"{lv.number} - {lv.label}") for lv in LEVELS]


def level_label(number):
    lv = LEVEL_BY_NUMBER.get(number)
    return f"{lv.number} - {lv.label}" if lv else ""


def level_from_roles(roles):
    """The highest level whose role the user holds; 5 when none (an unknown role grants nothing)."""
    numbers = [LEVEL_BY_ROLE[r.name].number for r in roles if r.name in LEVEL_BY_ROLE]
    return min(numbers) if numbers else OFFICER


# Which registers (app/services/correspondence.py REGISTERS) each level keeps. The central
# registry keeps the province's incoming register; every clerk registers in their own agency's or
# group's series. Officers (level 5) keep no register.
REGISTER_ACCESS = {
    ADMIN: ("province_in", "agency_in", "group_in", "out_normal", "out_circular", "order"),
    CENTRAL_CLERK: ("province_in", "agency_in", "group_in", "out_normal", "out_circular", "order"),
    AGENCY_CLERK: ("agency_in", "group_in", "out_normal", "out_circular", "order"),
    GROUP_CLERK: ("group_in",),
    OFFICER: (),
}


def registers_of(actor):
    return REGISTER_ACCESS.get(getattr(actor, "level", None), ())


def entry_scope(actor, register=None, model=RegisterEntry):
    """The SQL condition on RegisterEntry rows ``actor`` may see at all (number, date, class).

    Given ``register``, the condition is that register's alone, in a form that the index on
    (register, agency_id, id) answers directly. ``model`` is another table with the same
    register, agency_id and work_group_id columns (the letters tallied per month)."""
    level = getattr(actor, "level", None)
    if level is None or not getattr(actor, "is_authenticated", False):
        return false()
    if level == ADMIN:
        return true() if register is None else model.register == register
    registers = registers_of(actor)
    if register is not None:
        registers = [r for r in registers if r == register]
    if not registers:
        return false()
    own_agency = model.agency_id == actor.agency_id
    conditions = []
    for register in registers:
        if register == "province_in":
            where = true()  # the province's own register, kept by the central registry
        elif register == "group_in" and level == GROUP_CLERK:
            where = model.work_group_id == actor.work_group_id
        else:
            where = own_agency
        conditions.append(and_(model.register == register, where))
    return or_(*conditions)


def party_condition(actor):
    """The SQL condition on RegisterEntry rows whose content ``actor`` may read: every letter that
    is not secret, and secret ones only for the clerk who registered them and the named readers."""
    user_id = getattr(actor, "id", None)
    return or_(
        RegisterEntry.secrecy == "normal",
        RegisterEntry.registered_by_id == user_id,
        RegisterEntry.id.in_(
            entry_reader.select().with_only_columns(entry_reader.c.entry_id)
            .where(entry_reader.c.user_id == user_id)
        ),
    )


def is_party(entry, actor):
    """Whether ``actor`` may read the content and files of ``entry`` (see party_condition)."""
    if entry.secrecy == "normal":
        return True
    if actor is None or getattr(actor, "id", None) is None:
        return False
    return entry.registered_by_id == actor.id or any(u.id == actor.id for u in entry.readers)


def party_test(session, actor):
    """A predicate over many entries (or rows with the same columns) answering is_party for
    ``actor``, with the letters ``actor`` is a named reader of read once, not once per entry."""
    user_id = getattr(actor, "id", None)
    reads = set(session.scalars(
        select(entry_reader.c.entry_id).where(entry_reader.c.user_id == user_id))) \
        if user_id is not None else set()
    return lambda entry: (entry.secrecy == "normal" or (
        user_id is not None and (entry.registered_by_id == user_id or entry.id in reads)))


def scope_query(model, query, actor):
    """Restrict ``query`` over ``model`` to the rows ``actor`` may see at all."""
    level = getattr(actor, "level", None)
    if level is None or not getattr(actor, "is_authenticated", False):
        return query.filter(false())
    if model is RegisterEntry:
        return query.filter(entry_scope(actor))
    if level == ADMIN:
        return query
    if model is Agency:
        if level == CENTRAL_CLERK:
            return query
        return query.filter(Agency.id == actor.agency_id)
    if model is WorkGroup:
        if level == CENTRAL_CLERK:
            return query
        return query.filter(WorkGroup.agency_id == actor.agency_id)
    if model is EOfficeUser:
        if level == AGENCY_CLERK:
            # Own agency only, and never an administrator.
            return query.filter(
                EOfficeUser.agency_id == actor.agency_id, EOfficeUser.level != ADMIN
            )
        # Other levels see only themselves (their profile).
        return query.filter(EOfficeUser.id == actor.id)
    return query.filter(false())


class AgencyScopeFilter(BaseFilter):
    """A base filter that applies ``scope_query`` for the current user; its value is unused."""

    name = "agency scope"
    arg_name = "agency_scope"

    def apply(self, query, value):
        return scope_query(self.model, query, g.user)


def scoped(column="id"):
    """``base_filters`` for a view or API over a scoped model."""
    return [[column, AgencyScopeFilter, None]]
