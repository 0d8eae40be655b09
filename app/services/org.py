"""Rules for agencies, groups and users: who may change what, and what a valid record is.

Every screen and API calls these before anything is written; a refusal raises PermissionDenied
or ValidationFailed with a Thai message, and the caller rolls back.
"""

import re
from dataclasses import dataclass

from sqlalchemy import inspect

from app.access import LEVEL_BY_NUMBER
from app.levels import ADMIN, AGENCY_CLERK, CENTRAL_CLERK
from app.models.org import AGENCY_KINDS, GROUP_KINDS, PROVINCIAL
from app.services.errors import Faults, PermissionDenied, ValidationFailed

# เลขประจำส่วนราชการ: two Thai letters of the province, the owner's four digits, sub-units.
AGENCY_CODE_RE = re.compile(r"^[ก-ฮ]{2} \d{4}(\.\d{1,3})*$")
DELEGABLE_LEVELS = (4, 5)  # what an agency clerk may give
# Who sets up their own agency (its details, its groups, its level 4-5 users): an agency's
# clerks, and the central registry for the Provincial Office (manual 1).
SETS_UP_OWN_AGENCY = (CENTRAL_CLERK, AGENCY_CLERK)
# Users are suspended, never deleted: their letters, files and the audit log name them.
USERS_ARE_NOT_DELETED = (
    "ระบบไม่ลบบัญชีผู้ใช้งาน เพื่อให้ประวัติการทำงานและบันทึกการตรวจสอบของผู้ใช้งานครบถ้วน "
    "หากต้องการหยุดการใช้งาน ให้แก้ไขผู้ใช้งานแล้วยกเลิกเครื่องหมาย \u201cสถานะใช้งาน\u201d "
    "(ระงับการใช้งาน) ผู้ใช้งานจะออกจากระบบทุกเครื่องทันที")
USERS_ARE_NOT_DELETED_API = (
    "ระบบไม่ลบบัญชีผู้ใช้งาน เพื่อให้ประวัติการทำงานและบันทึกการตรวจสอบของผู้ใช้งานครบถ้วน "
    "หากต้องการหยุดการใช้งาน ให้ระงับการใช้งานแทน: PUT /api/v1/users/{pk} ด้วย "
    "{\"active\": false} ผู้ใช้งานจะออกจากระบบทุกเครื่องทันที")


def committed(obj, attr):
    """The value of ``attr`` as last loaded from the database (before a form changed it)."""
    state = inspect(obj)
    if state.transient or state.pending:
        return None
    hist = state.attrs[attr].load_history()
    if hist.deleted:
        return hist.deleted[0]
    if hist.unchanged:
        return hist.unchanged[0]
    return getattr(obj, attr)


@dataclass(frozen=True)
class Actor:
    id: int
    level: int
    agency_id: int


def as_actor(user):
    """Who acts, as stored: when a user edits their own record, the form has already written
    the new values into the very object that is ``g.user``; rights come from the old ones."""
    if isinstance(user, Actor):
        return user
    if user is None or getattr(user, "id", None) is None:
        return Actor(None, None, None)
    return Actor(user.id, committed(user, "level"), committed(user, "agency_id"))


def _level(actor):
    return actor.level


def may_set_provincial_office(actor):
    """Which agency is the Provincial Office (สำนักงานจังหวัด, the central registry) is the
    administrator's to say."""
    return _level(as_actor(actor)) == ADMIN


def may_grant_extra_roles(actor):
    """A role on top of a level (the executives' secretary) is the administrator's to give."""
    return _level(as_actor(actor)) == ADMIN


# ---- agencies ---------------------------------------------------------------------------------


def provincial_office(session):
    """The Provincial Office (สำนักงานจังหวัด, the central registry's agency), or None where
    the administrator has not said which agency it is."""
    from sqlalchemy import select

    from app.models import Agency

    return session.execute(select(Agency).where(Agency.is_provincial_office.is_(True))
                           .order_by(Agency.id).limit(1)).scalars().first()


PROVINCE_WORD = "จังหวัด"


def province_name(session):
    """The province as its reports name it, ``จังหวัดพังงา``: the Provincial Office's name from
    จังหวัด on (``สำนักงานจังหวัดพังงา``), or '' where no agency is the Provincial Office."""
    office = provincial_office(session)
    name = (office.name or "").strip() if office is not None else ""
    at = name.find(PROVINCE_WORD)
    return name[at:] if at >= 0 and len(name) > at + len(PROVINCE_WORD) else ""


def validate_agency(agency):
    agency.name = (agency.name or "").strip()
    agency.code = re.sub(r"\s+", " ", (agency.code or "").strip())
    faults = Faults()
    if not agency.name:
        faults.add("name", "กรุณากรอกชื่อหน่วยงาน")
    agency.kind = agency.kind or PROVINCIAL
    if agency.kind not in AGENCY_KINDS:
        faults.add("kind", "ประเภทหน่วยงานไม่ถูกต้อง กรุณาเลือกจากรายการ")
    if not AGENCY_CODE_RE.match(agency.code):
        faults.add("code", "เลขประจำส่วนราชการไม่ถูกต้อง ต้องเป็นอักษรย่อจังหวัด 2 ตัว เว้นวรรค "
                           "แล้วตามด้วยเลข 4 หลัก เช่น พง 0017.2")
    faults.check()


def check_agency_change(actor, agency, creating=False, session=None):
    """Administrators manage every agency; an agency clerk edits only their own. The name and
    the code are each one agency's (checked here, so that a duplicate is a message beside its
    field rather than a refusal of the database)."""
    actor = as_actor(actor)
    faults = Faults()  # every fault of the form at once
    faults.gather(validate_agency, agency)
    if session is not None:
        faults.gather(_check_agency_unique, session, agency)
    faults.check()
    if _level(actor) == ADMIN:
        return
    if creating or _level(actor) not in SETS_UP_OWN_AGENCY:
        raise PermissionDenied("ท่านไม่มีสิทธิ์เพิ่มหรือแก้ไขข้อมูลหน่วยงานนี้")
    if agency.id != actor.agency_id:
        raise PermissionDenied("แก้ไขได้เฉพาะข้อมูลหน่วยงานของท่านเท่านั้น")
    if bool(agency.is_provincial_office) != bool(committed(agency, "is_provincial_office")) \
            and not may_set_provincial_office(actor):
        raise PermissionDenied("เฉพาะผู้ดูแลระบบที่กำหนดสำนักงานจังหวัดได้",
                               field="is_provincial_office")
    if agency.kind != (committed(agency, "kind") or PROVINCIAL) \
            and not may_set_provincial_office(actor):
        raise PermissionDenied("เฉพาะผู้ดูแลระบบที่กำหนดประเภทหน่วยงานได้", field="kind")


def check_agency_delete(actor, agency, session=None):
    actor = as_actor(actor)
    if _level(actor) != ADMIN:
        raise PermissionDenied("เฉพาะผู้ดูแลระบบที่ลบหน่วยงานได้")
    if session is not None and agency.id is not None:
        from app.models import EOfficeUser, WorkGroup

        for model, what in ((WorkGroup, "กลุ่มงาน"), (EOfficeUser, "ผู้ใช้งาน")):
            if session.query(model.id).filter(model.agency_id == agency.id).first() is not None:
                raise ValidationFailed(f"ลบหน่วยงานนี้ไม่ได้ เนื่องจากยังมี{what}สังกัดอยู่ "
                                       f"ให้ย้ายหรือลบ{what}ก่อน")


def _check_agency_unique(session, agency):
    from app.models import Agency

    faults = Faults()
    with session.no_autoflush:
        for column, label in (("code", "เลขประจำส่วนราชการ"), ("name", "ชื่อหน่วยงาน")):
            value = getattr(agency, column)
            if not value:
                continue
            other = session.query(Agency.id).filter(getattr(Agency, column) == value)
            if agency.id is not None:
                other = other.filter(Agency.id != agency.id)
            if other.first() is not None:
                faults.add(column, f"{label} \u201c{value}\u201d มีอยู่แล้ว")
    faults.check()


# ---- groups -----------------------------------------------------------------------------------


def validate_group(group):
    group.name = (group.name or "").strip()
    faults = Faults()
    if not group.name:
        faults.add("name", "กรุณากรอกชื่อกลุ่มงาน")
    if group.kind not in GROUP_KINDS:
        faults.add("kind", "ประเภทต้องเป็น กลุ่ม กอง ฝ่าย หรือ สาขา")
    if group.agency_id is None and group.agency is None:
        faults.add("agency", "กรุณาเลือกหน่วยงานของกลุ่มงาน")
    group.code = re.sub(r"\s+", " ", (group.code or "").strip()) or None
    if group.code is not None and not AGENCY_CODE_RE.match(group.code):
        faults.add("code", "เลขที่หนังสือของกลุ่มงานไม่ถูกต้อง ต้องเป็นอักษรย่อจังหวัด 2 ตัว "
                           "เว้นวรรค แล้วตามด้วยเลข 4 หลัก เช่น พง 0017.1")
    group.own_numbers = bool(group.own_numbers)
    if group.own_numbers and group.code is None:
        faults.add("code", "กลุ่มงานที่ออกเลขหนังสือส่งเองต้องมีเลขที่หนังสือของกลุ่มงาน")
    faults.check()


def _group_agency_id(group):
    return group.agency.id if group.agency is not None else group.agency_id


def check_group_change(actor, group, session=None):
    """An agency clerk adds and edits the groups of their own agency only; a group's name is
    one within its agency."""
    actor = as_actor(actor)
    faults = Faults()  # every fault of the form at once
    faults.gather(validate_group, group)
    if session is not None and group.name:
        faults.gather(_check_group_unique, session, group)
    faults.check()
    if _level(actor) == ADMIN:
        return
    if _level(actor) not in SETS_UP_OWN_AGENCY:
        raise PermissionDenied("ท่านไม่มีสิทธิ์จัดการกลุ่มงาน")
    before = committed(group, "agency_id")
    if before is not None and before != actor.agency_id:
        raise PermissionDenied("จัดการได้เฉพาะกลุ่มงานของหน่วยงานของท่านเท่านั้น")
    if _group_agency_id(group) != actor.agency_id:
        raise PermissionDenied("เพิ่มกลุ่มงานได้เฉพาะในหน่วยงานของท่านเท่านั้น")


def _check_group_unique(session, group):
    from app.models import WorkGroup

    agency_id = _group_agency_id(group)
    with session.no_autoflush:
        other = session.query(WorkGroup.id).filter(WorkGroup.agency_id == agency_id,
                                                   WorkGroup.name == group.name)
        if group.id is not None:
            other = other.filter(WorkGroup.id != group.id)
        if other.first() is not None:
            raise ValidationFailed(f"หน่วยงานนี้มีกลุ่มงานชื่อ \u201c{group.name}\u201d อยู่แล้ว",
                                   field="name")


def check_group_delete(actor, group):
    actor = as_actor(actor)
    if _level(actor) == ADMIN:
        pass
    elif _level(actor) not in SETS_UP_OWN_AGENCY or group.agency_id != actor.agency_id:
        raise PermissionDenied("ลบได้เฉพาะกลุ่มงานของหน่วยงานของท่านเท่านั้น")
    if group.id is not None and _group_has_users(group):
        raise ValidationFailed("ลบไม่ได้ เนื่องจากยังมีผู้ใช้งานสังกัดกลุ่มงานนี้ ให้ย้ายผู้ใช้งานก่อน")


def _group_has_users(group):
    from app.models import EOfficeUser

    session = inspect(group).session
    return session.query(EOfficeUser.id).filter(EOfficeUser.work_group_id == group.id).first() is not None


# ---- users ------------------------------------------------------------------------------------


def validate_user(user):
    faults = Faults()
    if user.level not in LEVEL_BY_NUMBER:
        faults.add("level", "กรุณาเลือกระดับสิทธิ์ 1 ถึง 5")
    agency_id = user.agency.id if user.agency is not None else user.agency_id
    if agency_id is None:
        faults.add("agency", "กรุณาเลือกหน่วยงานของผู้ใช้งาน")
    group = user.work_group
    if group is None:
        faults.add("work_group", "กรุณาเลือกกลุ่มงานของผู้ใช้งาน")
    elif agency_id is not None and _group_agency_id(group) != agency_id:
        faults.add("work_group", "กลุ่มงานที่เลือกไม่ได้อยู่ในหน่วยงานที่เลือก")
    faults.check()


def check_user_change(actor, user, creating=False):
    """Who may create or edit ``user`` (already carrying the new values).

    An administrator manages everyone, but may not suspend or demote themselves (there must
    always be someone left to administer). An agency clerk creates, edits and suspends only
    users of their own agency at levels 4 and 5, before and after the change. No one else
    manages users.
    """
    actor = as_actor(actor)
    validate_user(user)
    level = _level(actor)
    if level == ADMIN:
        if not creating and user.id == actor.id and (user.level != ADMIN or not user.active):
            raise PermissionDenied("ผู้ดูแลระบบไม่สามารถลดระดับหรือระงับการใช้งานของตนเองได้",
                                   field="level" if user.level != ADMIN else "active")
        return
    if level not in SETS_UP_OWN_AGENCY:
        raise PermissionDenied("ท่านไม่มีสิทธิ์จัดการผู้ใช้งาน")
    if _extra_roles_changed(user) and not may_grant_extra_roles(actor):
        raise PermissionDenied("เฉพาะผู้ดูแลระบบเท่านั้นที่กำหนดเลขานุการผู้บริหารได้",
                               field="executive_secretary")
    if not creating:
        if committed(user, "agency_id") != actor.agency_id:
            raise PermissionDenied("จัดการได้เฉพาะผู้ใช้งานในหน่วยงานของท่านเท่านั้น")
        if committed(user, "level") not in DELEGABLE_LEVELS:
            raise PermissionDenied(
                "สารบรรณประจำหน่วยงานแก้ไขได้เฉพาะผู้ใช้งานระดับ 4 และ 5 เท่านั้น"
            )
    agency_id = user.agency.id if user.agency is not None else user.agency_id
    if agency_id != actor.agency_id:
        raise PermissionDenied("เพิ่มผู้ใช้งานได้เฉพาะในหน่วยงานของท่านเท่านั้น", field="agency")
    if user.level not in DELEGABLE_LEVELS:
        raise PermissionDenied(
            "สารบรรณประจำหน่วยงานกำหนดระดับสิทธิ์ได้เฉพาะระดับ 4 (สารบรรณประจำกลุ่ม) "
            "และระดับ 5 (ผู้ใช้งานทั่วไป) เท่านั้น", field="level"
        )


def _extra_roles_changed(user):
    """Whether a role given on top of a level (not a level's own role) is being added or taken."""
    from sqlalchemy import inspect

    from app.levels import LEVEL_ROLES

    history = inspect(user).attrs.roles.history
    return any(r.name not in LEVEL_ROLES for r in list(history.added) + list(history.deleted))


def check_user_delete(actor, user):
    """Nobody deletes a user, the administrator included: suspend (``active`` = False)."""
    raise PermissionDenied(USERS_ARE_NOT_DELETED)


def check_password_reset(actor, user):
    """Resetting someone's password is managing them: the same rule as editing."""
    actor = as_actor(actor)
    level = _level(actor)
    if level == ADMIN:
        return
    if (
        level in SETS_UP_OWN_AGENCY
        and user.agency_id == actor.agency_id
        and user.level in DELEGABLE_LEVELS
    ):
        return
    raise PermissionDenied("ท่านไม่มีสิทธิ์ตั้งรหัสผ่านใหม่ให้ผู้ใช้งานรายนี้")


# ---- a user's FAB role follows their level ------------------------------------------------------


def _sync_user_roles(session, flush_context, instances):
    """Before a user is written: the level decides the level role (FAB's create-admin and
    create-user set a role instead, so a missing level is read from the roles)."""
    from flask_appbuilder.security.sqla.models import Role

    from app.levels import LEVEL_ROLES
    from app.levels import level_from_roles
    from app.models import EOfficeUser

    for user in list(session.new) + list(session.dirty):
        if not isinstance(user, EOfficeUser):
            continue
        state = inspect(user)
        with session.no_autoflush:
            if user.level is None:
                user.level = level_from_roles(user.roles)
            elif not (state.pending or state.attrs.level.history.has_changes()
                      or state.attrs.roles.history.has_changes()):
                continue
            wanted_name = LEVEL_BY_NUMBER[user.level].role
            role = session.query(Role).filter(Role.name == wanted_name).one_or_none()
            if role is None:
                continue  # roles not synced yet (`flask eoffice sync-roles`)
            roles = [r for r in user.roles if r.name not in LEVEL_ROLES] + [role]
            if set(roles) != set(user.roles):
                user.roles = roles


def _end_sessions_of_suspended(session, flush_context, instances):
    """Before a user is written: a suspension ends every session and token the user holds (a
    new stamp), so that a user reinstated later does not find an old session alive again."""
    from app.models import EOfficeUser
    from app.models.org import new_session_stamp

    for user in list(session.dirty):
        if not isinstance(user, EOfficeUser):
            continue
        history = inspect(user).attrs.active.history
        if history.deleted and history.deleted[0] and not user.active:
            user.session_stamp = new_session_stamp()


def install_listeners():
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", _sync_user_roles):
        event.listen(Session, "before_flush", _sync_user_roles)
    if not event.contains(Session, "before_flush", _end_sessions_of_suspended):
        event.listen(Session, "before_flush", _end_sessions_of_suspended)
