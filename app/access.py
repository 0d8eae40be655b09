"""Who may do what: the five levels as data, and the agency scope of every query.

The table ``LEVELS`` is the one declaration of what each level (ระดับสิทธิ์, app/levels.py) may
do, each built on the one below it. ``flask eoffice sync-roles`` writes it into FAB's roles and
permissions; the Roles screen shows the result. Rows are scoped by ``scope_query``, used by every
screen and API through ``AgencyScopeFilter``.
"""

import re
from dataclasses import dataclass, field

from flask import g
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import and_, false, or_, select, true

from app.levels import (
    ADMIN,
    AGENCY_CLERK,
    CENTRAL_CLERK,
    GROUP_CLERK,
    LABELS,
    OFFICER,
    ROLES,
    SECRETARY_LABEL,
    SECRETARY_ROLE,
)
from app.models import Agency, EOfficeUser, RegisterEntry, WorkGroup
from app.models.correspondence import SECRET_CONTENT, entry_reader
from app.registers import REGISTERS, kept_by

# What every level may do for itself: see and edit its profile, change its password.
SELF_SERVICE = (
    ("EOfficeUserView", "can_userinfo|resetmypassword|userinfoedit"),
    ("EOfficeResetMyPasswordView", "can_this_form_get|can_this_form_post"),
    ("EOfficeUserInfoEditView", "can_this_form_get|can_this_form_post"),
)
READ = "can_list|can_show"
READ_API = "can_get|can_info"
MENU = "menu_access"
# A register's screen: everything but delete (an entry is cancelled, never deleted).
REGISTER_PERMS = "can_(list|show|add|edit|cancel|reserve|attach|file|xlsx|report|dispatch)"
REGISTER_API_PERMS = "can_(get|info|post|cancel)"


def _registers_of_level(level):
    """The screens and menu items of the registers ``level`` keeps (app/registers.py)."""
    kept = [REGISTERS[code] for code in kept_by(level)]
    if not kept:
        return ()
    return (
        ("|".join(r.view for r in kept), REGISTER_PERMS),
        ("|".join(r.menu for r in kept), MENU),
        ("RegisterApi", REGISTER_API_PERMS),
        # The register of letters received from the province (ทะเบียนหนังสือรับทางระบบ),
        # and sending letters on from their registers.
        ("LetterApi", "can_dispatch"),
        # Following what was sent on (recall, the returns), and the recipient lists.
        ("SentView", "can_(list|xlsx|recall|noted)"),
        ("RecipientListView", "can_(list|add|edit|delete)"),
        ("SentLetters|RecipientLists", MENU),
    )


# Every level, officers (5) upward: the agencies and groups to read, new incoming letters
# (หนังสือเข้าใหม่) and their API, sending documents (ระบบส่งเอกสาร), files for signature
# (ติดตามแฟ้มเสนอลงนาม: proposed and followed by everyone, moved by the secretaries below),
# meeting rooms to book, the public agenda, the announcements for them, the phone directory, the
# help chat and the manual.
EVERYONE = SELF_SERVICE + (
    ("AgencyView|WorkGroupView", READ),
    ("AgencyApi|WorkGroupApi", READ_API),
    ("Setup|Agencies|WorkGroups", MENU),
    ("Correspondence|Inbox", MENU),
    # The letters received through the system: a register's clerks' accepted, an officer's
    # acknowledged (รับทราบ).
    ("InboxView", "can_(list|open|accept|return|file|received)"),
    ("ReceivedFromProvince", MENU),
    ("LetterApi", "can_(get|accept|return)"),
    ("DocumentView", "can_(list|send|show|receive|file)"),
    ("DocumentApi", "can_(get|send|receive)"),
    ("Documents|NewDocuments|ReceivedDocuments|SentDocuments|SendInternal|SendExternal", MENU),
    ("TrackedFileView", "can_(list|show|add|move|file|cover|xlsx|dashboard|noted)"),
    ("FileTracking|MyFiles|ProposeFile|FileSearch|FileDashboard", MENU),
    ("RoomView", READ),
    ("BookingView", "can_(list|book|cancel|calendar)"),
    ("MeetingRooms|MyBookings|BookRoom|RoomWeek|RoomMonth|Rooms", MENU),
    ("AgendaView", "can_(day|week|print)"),
    ("Agenda|AgendaToday|AgendaWeek", MENU),
    ("AnnouncementView", "can_(list|show|file)"),
    ("Services|Announcements", MENU),
    ("DirectoryView", "can_(list|xlsx|print)"),
    ("ChatView", "can_(mine|send|poll)"),
    ("ManualView", "can_read"),
    ("PhoneDirectory|HelpChat|Manual", MENU),
)
# What an agency's keepers (the central registry, an agency's clerks) do besides: its contract
# registers (ทะเบียนคุมสัญญา), its meeting rooms and their bookings, its announcements.
AGENCY_KEEPING = (
    ("HireContractView|PurchaseContractView|BidDocumentView",
     "can_(list|show|add|edit|cancel|reserve|attach|file|xlsx|print)"),
    ("Contracts|HireContracts|PurchaseContracts|BidDocuments", MENU),
    ("RoomView", "can_add|can_edit"),
    ("BookingView", "can_decide"),
    ("AnnouncementView", "can_(add|edit|withdraw|mine)"),
    ("NewAnnouncement|MyAnnouncements", MENU),
    # The lines of the phone directory that are not users (executives, an office's line).
    ("DirectoryContactView", "can_(list|show|add|edit|delete)"),
    ("DirectoryContacts", MENU),
)
# An agency's clerks keep its own setup: the agency, its groups and its users.
AGENCY_SETUP = (
    ("AgencyView", "can_edit"),
    ("WorkGroupView", "can_add|can_edit|can_delete"),
    ("EOfficeUserView", READ + "|can_add|can_edit|resetpasswords"),
    ("EOfficeResetPasswordView", "can_this_form_get|can_this_form_post"),
    ("AgencyApi", "can_put"),
    ("WorkGroupApi|EOfficeUserApi", READ_API + "|can_post|can_put"),
    ("Users", MENU),
)


@dataclass(frozen=True)
class Level:
    number: int
    role: str  # the FAB role name
    label: object  # as users read it
    # (view-name pattern, permission pattern) pairs, matched whole, as FAB_ROLES does.
    grants: tuple = field(default=())

    def allows(self, permission, view):
        return any(
            re.fullmatch(v, view) and re.fullmatch(p, permission) for v, p in self.grants
        )


def _level(number, grants):
    return Level(number, ROLES[number], LABELS[number], grants=grants)


# Each level is the one below it and what it adds; the registers each keeps come from
# app/registers.py. The central registry keeps the province's registers and every agency's
# keeping, and the Provincial Office's own setup as an agency's clerks keep theirs (manual 1).
_OFFICER = EVERYONE
_GROUP_CLERK = _OFFICER + _registers_of_level(GROUP_CLERK)
_AGENCY_CLERK = _OFFICER + _registers_of_level(AGENCY_CLERK) + AGENCY_KEEPING + AGENCY_SETUP
_CENTRAL_CLERK = (_OFFICER + _registers_of_level(CENTRAL_CLERK) + AGENCY_KEEPING
                  + AGENCY_SETUP)
LEVELS = (
    _level(ADMIN, ((".*", ".*"),)),
    _level(CENTRAL_CLERK, _CENTRAL_CLERK),
    _level(AGENCY_CLERK, _AGENCY_CLERK),
    _level(GROUP_CLERK, _GROUP_CLERK),
    _level(OFFICER, _OFFICER),
)
# Roles given on top of a level (FAB roles that are not levels): they add what they grant.
SECRETARY = Level(0, SECRETARY_ROLE, SECRETARY_LABEL, grants=(
    ("TrackedFileView", "can_(list|show|move|file|cover|xlsx|dashboard|queue|receive)"),
    ("FileTracking|MyFiles|FileSearch|FileQueue|FileDashboard", MENU),
    ("AgendaView", "can_(day|week|print|add|edit|cancel|feeds)"),
    ("Agenda|AgendaToday|AgendaWeek|AgendaNew", MENU),
))
EXTRA_ROLES = (SECRETARY,)
LEVEL_BY_NUMBER = {lv.number: lv for lv in LEVELS}


def registers_of(actor):
    """The codes of the registers ``actor`` keeps (app/registers.py)."""
    return kept_by(getattr(actor, "level", None))


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
    for code in registers:
        owner = REGISTERS[code].owner
        if owner == "province":
            where = true()  # the province's own register, kept by the central registry
        elif owner == "group" and level == GROUP_CLERK:
            where = model.work_group_id == actor.work_group_id  # a group's clerk: the group's
        else:
            where = own_agency
        conditions.append(and_(model.register == code, where))
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
        if level in (CENTRAL_CLERK, AGENCY_CLERK):
            # Own agency only (the central registry's: the Provincial Office), and never an
            # administrator.
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


def setup_query(model, query, actor):
    """Restrict ``query`` over Agency or a model with an ``agency_id`` (WorkGroup, a directory
    contact) to what ``actor`` sets up: the administrator every agency's; an agency's clerks (and
    the central registry for the Provincial Office) their own agency's."""
    if getattr(actor, "level", None) == ADMIN and getattr(actor, "is_authenticated", False):
        return query
    column = Agency.id if model is Agency else model.agency_id
    return query.filter(column == getattr(actor, "agency_id", None))


class SetupScopeFilter(AgencyScopeFilter):
    name = "setup scope"
    arg_name = "setup_scope"

    def apply(self, query, value):
        return setup_query(self.model, query, g.user)


def set_up(column="id"):
    """The choices of an agency or a group on a setup form (a user's, a group's):
    ``setup_query``'s."""
    return [[column, SetupScopeFilter, None]]


# ---- what of a secret letter someone not party to it sees --------------------------------------

SECRET_MASK = "(หนังสือลับ)"


def masked(entry, actor, name):
    """The value of field ``name`` of ``entry`` as ``actor`` may see it."""
    return masked_for(entry, name, is_party(entry, actor))


def masked_for(entry, name, party):
    """The value of field ``name`` of ``entry`` for a reader who is (or is not) ``party`` to it."""
    value = getattr(entry, name)
    if name in SECRET_CONTENT and value and not party:
        if name == "doc_number" and not REGISTERS[entry.register].incoming:
            return value  # an outgoing letter's number is its register number: it exists
        return SECRET_MASK
    return value
