"""Roles (บทบาท) and their permissions: the levels' defaults written once, the administrator's
changes kept.

The levels (app/access.py LEVELS, and the roles given on top of a level, EXTRA_ROLES) declare
what each level role holds by default. The administrator changes any role on the Roles screen,
and what the administrator sets lasts:

- ``apply_defaults`` (``flask eoffice sync-roles``, at every setup) writes a level's default for
  a (role, permission) pair only where it was never applied: a new role, a new permission (a
  screen an upgrade added). Each pair it applied is remembered (``RoleDefault``) with the
  default it applied, held or not.
- When an upgrade changes the default of a pair already applied, the new default is written only
  where the role still has the old one. Where the administrator had changed the pair, it already
  differs from the old default and stays as the administrator left it: a sync never undoes a
  grant or a revocation of theirs.
- A pair recorded by the upgrade that introduced the memory (migration 0012) has no applied
  default (NULL): the first sync adopts the default of the day and changes nothing.
- ``restore_default`` puts a level role back to its level's default, when the administrator
  asks.
- Every change of a role's permissions is in the audit log (the model listener of
  app/services/audit.py records before and after, whoever makes it); a restore is also recorded
  as what it is (``role_restore_default``).
- The administrators' role keeps what it needs to open the Roles screen and change a role
  (``ADMIN_ESSENTIALS``): a change that would lock the administrators out of it is refused, so
  that every other change can be undone from the screen.

Nothing here commits but the operations asked by a person (``save``, ``restore_default``);
``apply_defaults`` runs inside the caller's transaction.
"""

from flask import current_app
from flask_appbuilder.security.sqla.models import PermissionView, Role
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import selectinload

from app import thai
from app.access import EXTRA_ROLES, LEVEL_BY_NUMBER, LEVELS
from app.levels import ADMIN
from app.models.roles import RoleDefault
from app.services import audit
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.work import unit_of_work

ROLE_NAME_MAX = 64  # ab_role.name
ADMIN_ROLE = LEVEL_BY_NUMBER[ADMIN].role
# What the administrators' role needs to open the Roles screen from the menu and change a role
# back: never taken from it.
ADMIN_ESSENTIALS = frozenset({
    ("can_list", "RoleModelView"),
    ("can_show", "RoleModelView"),
    ("can_edit", "RoleModelView"),
    ("menu_access", "List Roles"),
    ("menu_access", "Security"),
})
_LEVEL_OF_ROLE = {lv.role: lv for lv in LEVELS + EXTRA_ROLES}
_TABLE = RoleDefault.__table__


def level_of(role):
    """The level (or the role on top of a level) whose defaults ``role`` has; None for a role
    the administrator made."""
    return _LEVEL_OF_ROLE.get(role.name) if role is not None else None


def kept_role_names():
    """Roles that are not the administrator's to rename or delete: the levels' (app/access.py
    knows a level by its role's name), the roles on top of a level, FAB's administrators' and
    visitors' roles."""
    config = current_app.config
    return set(_LEVEL_OF_ROLE) | {config["AUTH_ROLE_ADMIN"], config["AUTH_ROLE_PUBLIC"]}


def pair(pv):
    """(permission name, view or menu name) of a permission-view."""
    return pv.permission.name, pv.view_menu.name


def identifier(pv):
    """How the audit log names a permission-view, whatever the language:
    ``can_list on AgencyView``."""
    return f"{pv.permission.name} on {pv.view_menu.name}"


def permission_views(session):
    """Every permission on a screen or menu there is, in a stable order."""
    rows = session.execute(
        select(PermissionView).options(selectinload(PermissionView.view_menu))
        .order_by(PermissionView.id)).scalars().all()
    return [pv for pv in rows if pv.permission is not None and pv.view_menu is not None]


def default_of(level, pv):
    return level.allows(*pair(pv))


def differences(role, pvms):
    """(granted beyond the level's default, revoked from it): two sets of permission-views; two
    empty sets for a role that is not a level's."""
    level = level_of(role)
    if level is None:
        return set(), set()
    held = set(role.permissions)
    default = {pv for pv in pvms if default_of(level, pv)}
    return held - default, default - held


# ---- the defaults, once -------------------------------------------------------------------------


def apply_defaults(session, levels=LEVELS + EXTRA_ROLES, now=None):
    """Write each level's defaults where they were never applied (see the module's docstring).
    The roles must exist. Returns {role name: (granted, revoked)} of what changed (identifiers).
    Does not commit."""
    now = now or thai.utcnow()
    pvms = permission_views(session)
    changes = {}
    for level in levels:
        role = session.execute(select(Role).where(Role.name == level.role)).scalar_one_or_none()
        if role is None:
            continue
        applied = dict(session.execute(
            select(_TABLE.c.permission_view_id, _TABLE.c.granted)
            .where(_TABLE.c.role_id == role.id)).all())
        held = {pv.id for pv in role.permissions}
        grant, revoke, new_rows, updates = [], [], [], []
        for pv in pvms:
            default = default_of(level, pv)
            if pv.id not in applied:
                # Never applied: a new role, or a permission new since the last sync. A grant
                # already there (the administrator's) stays even where the default is "no".
                new_rows.append({"role_id": role.id, "permission_view_id": pv.id,
                                 "granted": default, "applied_at": now})
                if default and pv.id not in held:
                    grant.append(pv)
                continue
            before = applied[pv.id]
            if before is None or before == default:
                if before is None:  # found at the upgrade: adopted as it is
                    updates.append({"r": role.id, "p": pv.id, "g": default, "t": now})
                continue
            # The default itself changed: only a role that still has the old one follows it.
            updates.append({"r": role.id, "p": pv.id, "g": default, "t": now})
            if (pv.id in held) == before:
                (grant if default else revoke).append(pv)
        if grant or revoke:
            gone = {pv.id for pv in revoke}
            role.permissions = [pv for pv in role.permissions if pv.id not in gone] + grant
            changes[role.name] = (sorted(identifier(pv) for pv in grant),
                                  sorted(identifier(pv) for pv in revoke))
        if new_rows:
            session.execute(insert(_TABLE), new_rows)
        if updates:
            session.execute(
                update(_TABLE)
                .where(_TABLE.c.role_id == bindparam("r"),
                       _TABLE.c.permission_view_id == bindparam("p"))
                .values(granted=bindparam("g"), applied_at=bindparam("t")),
                updates)
    session.flush()
    return changes


def _remember_defaults(session, role, level, pvms, now):
    """After a restore: every pair of ``role`` recorded with the level's default of the day."""
    applied = set(session.execute(
        select(_TABLE.c.permission_view_id).where(_TABLE.c.role_id == role.id)).scalars())
    new_rows, updates = [], []
    for pv in pvms:
        default = default_of(level, pv)
        if pv.id in applied:
            updates.append({"r": role.id, "p": pv.id, "g": default, "t": now})
        else:
            new_rows.append({"role_id": role.id, "permission_view_id": pv.id,
                             "granted": default, "applied_at": now})
    if new_rows:
        session.execute(insert(_TABLE), new_rows)
    if updates:
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.role_id == bindparam("r"),
                   _TABLE.c.permission_view_id == bindparam("p"))
            .values(granted=bindparam("g"), applied_at=bindparam("t")),
            updates)


# ---- what the administrator asks ----------------------------------------------------------------


def _signed_in(actor):
    return actor is not None and getattr(actor, "id", None) is not None


def _check_may_change(actor, role):
    if not _signed_in(actor):
        raise PermissionDenied("กรุณาเข้าสู่ระบบก่อนแก้ไขบทบาท")
    if role is not None and role.name == ADMIN_ROLE and getattr(actor, "level", None) != ADMIN:
        raise PermissionDenied("เฉพาะผู้ดูแลระบบ (ระดับ 1) ที่แก้ไขบทบาทผู้ดูแลระบบได้",
                               field="permissions")


def locked_for(role):
    """The permissions ``role`` may not lose, as (permission, view) pairs."""
    return ADMIN_ESSENTIALS if role is not None and role.name == ADMIN_ROLE else frozenset()


def _check_keeps_essentials(role_name, wanted):
    if role_name != ADMIN_ROLE:
        return
    missing = ADMIN_ESSENTIALS - {pair(pv) for pv in wanted}
    if missing:
        raise PermissionDenied(
            "ถอนสิทธิ์เข้าหน้าจอบทบาทจากบทบาทผู้ดูแลระบบไม่ได้ (เมนูดูแลระบบ เมนูบทบาท "
            "ดูรายการ ดูรายละเอียด และแก้ไขบทบาท): ผู้ดูแลระบบต้องเข้าหน้าจอนี้ได้เสมอ "
            "เพื่อแก้ไขสิทธิ์อื่นกลับคืนได้", field="permissions")


def _checked_name(session, name, role=None):
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationFailed("กรุณากรอกชื่อบทบาท", field="name")
    if len(name) > ROLE_NAME_MAX:
        raise ValidationFailed(f"ชื่อบทบาทยาวเกิน {ROLE_NAME_MAX} ตัวอักษร", field="name")
    other = session.execute(select(Role).where(Role.name == name)).scalar_one_or_none()
    if other is not None and other is not role:
        raise ValidationFailed(f"มีบทบาทชื่อ \u201c{name}\u201d อยู่แล้ว กรุณาตั้งชื่ออื่น",
                               field="name")
    return name


def chosen_permissions(session, ids):
    """The permission-views of the ids a form sent; an id that is none of them is a refusal."""
    numbers = set()
    for value in ids or ():
        try:
            numbers.add(int(value))
        except (TypeError, ValueError):
            raise ValidationFailed("รายการสิทธิ์ที่ส่งมาไม่ถูกต้อง กรุณาเลือกใหม่",
                                   field="permissions") from None
    if not numbers:
        return []
    found = session.execute(select(PermissionView).where(
        PermissionView.id.in_(sorted(numbers)))).scalars().all()
    if len(found) != len(numbers):
        raise ValidationFailed("ไม่พบสิทธิ์บางรายการที่เลือก (อาจถูกนำออกจากระบบแล้ว) "
                               "กรุณาโหลดหน้าใหม่แล้วเลือกอีกครั้ง", field="permissions")
    return found


def save(session, actor, role, name, permissions):
    """Create (``role`` None) or change a role: its name and exactly ``permissions``. A role of
    a level keeps its name. Checked before anything is written; commits. Returns the role."""
    _check_may_change(actor, role)
    if role is not None and role.name in kept_role_names():
        if name is not None and " ".join(str(name).split()) != role.name:
            raise PermissionDenied(
                f"เปลี่ยนชื่อบทบาท \u201c{role.name}\u201d ไม่ได้: เป็นบทบาทที่ระบบใช้กำหนดระดับ"
                "ผู้ใช้งาน", field="name")
        new_name = role.name
    else:
        new_name = _checked_name(session, name, role)
    _check_keeps_essentials(new_name, permissions)
    with unit_of_work(session):
        if role is None:
            role = Role(name=new_name)
            session.add(role)
        else:
            role.name = new_name
        chosen = {pv.id for pv in permissions}
        if {pv.id for pv in role.permissions} != chosen:
            role.permissions = list(permissions)
    return role


def restore_default(session, actor, role, now=None):
    """คืนค่าเริ่มต้นของระดับ: ``role`` (a level's) holds exactly its level's default again.
    Returns (granted back, taken away) as identifiers; commits."""
    level = level_of(role)
    if level is None:
        raise ValidationFailed(f"บทบาท \u201c{role.name}\u201d ไม่ใช่บทบาทของระดับผู้ใช้งาน "
                               "จึงไม่มีค่าเริ่มต้นให้คืน")
    _check_may_change(actor, role)
    now = now or thai.utcnow()
    pvms = permission_views(session)
    beyond, revoked = differences(role, pvms)
    wanted = [pv for pv in pvms if default_of(level, pv)]
    _check_keeps_essentials(role.name, wanted)
    granted_back = sorted(identifier(pv) for pv in revoked)
    taken = sorted(identifier(pv) for pv in beyond)
    with unit_of_work(session):
        if beyond or revoked:
            role.permissions = wanted
        _remember_defaults(session, role, level, pvms, now)
        session.flush()
        audit.record(session, "role_restore_default", target=role,
                     detail={"granted": granted_back, "revoked": taken})
    return granted_back, taken


def prepare_delete(actor, role):
    """Before a role is deleted: a role the administrator made, held by no one, may be; the
    levels' never. Its permissions are taken first, so that the grants leave with it (and the
    audit log shows them going) even where the database does not cascade (SQLite)."""
    _check_may_change(actor, role)
    if role.name in kept_role_names():
        raise PermissionDenied(f"ลบบทบาท \u201c{role.name}\u201d ไม่ได้: เป็นบทบาทที่ระบบใช้"
                               "กำหนดระดับผู้ใช้งาน")
    if role.user:
        raise ValidationFailed(f"ลบบทบาท \u201c{role.name}\u201d ไม่ได้: ยังมีผู้ใช้งาน "
                               f"{len(role.user)} คนในบทบาทนี้")
    role.permissions = []
