"""Roles that last: what the administrator grants or revokes survives every sync; the levels'
defaults are written once (a new role, a new permission); the Roles screen groups permissions by
menu in Thai, marks what differs from the level's default and restores it, audited; the
administrators' role cannot lock the administrators out.

Each test leaves the roles as the levels declare them (restore_default), for the next one."""

import dataclasses
import json
import re

import pytest
from flask_appbuilder.security.sqla.models import PermissionView, Role

from app.access import LEVEL_BY_NUMBER, LEVELS
from app.levels import OFFICER
from app.models import AuditLog
from app.models.roles import RoleDefault
from app.services import roles as svc
from tests.conftest import text_of

OFFICER_ROLE = LEVEL_BY_NUMBER[OFFICER].role
ADMIN_ROLE = LEVEL_BY_NUMBER[1].role
# Not an officer's by default, and one that is.
EXTRA = ("can_list", "AgencyIncomingView")
DEFAULT = ("can_xlsx", "DirectoryView")


def held(dbq, role_name):
    return dbq(lambda s: {svc.pair(pv) for pv in
                          s.query(Role).filter_by(name=role_name).one().permissions})


def all_roles(dbq):
    return dbq(lambda s: {r.name: sorted(svc.pair(pv) for pv in r.permissions)
                          for r in s.query(Role)})


def role_id(dbq, name):
    return dbq(lambda s: s.query(Role).filter_by(name=name).one().id)


def pv_id(dbq, permission, view):
    return dbq(lambda s: next(pv.id for pv in svc.permission_views(s)
                              if svc.pair(pv) == (permission, view)))


def form_of(dbq, role_name, add=(), remove=()):
    """The edit form of the Roles screen as the browser sends it: the ticked permissions."""
    def ids(s):
        role = s.query(Role).filter_by(name=role_name).one()
        chosen = {pv.id for pv in role.permissions}
        for pv in svc.permission_views(s):
            if svc.pair(pv) in add:
                chosen.add(pv.id)
            if svc.pair(pv) in remove:
                chosen.discard(pv.id)
        return sorted(chosen)

    return {"permissions": [str(i) for i in dbq(ids)]}


def sync(app):
    with app.app_context():
        app.appbuilder.sm.sync_roles()


def restore(app, role_name):
    from app.extensions import db

    with app.app_context():
        role = db.session.query(Role).filter_by(name=role_name).one()
        svc.restore_default(db.session, _Admin(), role)
        db.session.remove()


class _Admin:
    id, level = 1, 1


def audit_rows(dbq, **filters):
    return dbq(lambda s: [(r.id, r.action, r.target_label, json.loads(r.detail or "null"))
                          for r in s.query(AuditLog).filter_by(**filters).order_by(AuditLog.seq)])


# ---- the defaults, once -------------------------------------------------------------------------


def test_a_fresh_install_holds_the_defaults_and_remembers_every_pair(dbq):
    def check(s):
        pvms = svc.permission_views(s)
        for level in LEVELS:
            role = s.query(Role).filter_by(name=level.role).one()
            assert svc.differences(role, pvms) == (set(), set()), level.role
            records = s.query(RoleDefault).filter_by(role_id=role.id).count()
            assert records == len(pvms), level.role
        return True

    assert dbq(check)


def test_sync_twice_keeps_an_administrators_grant_and_revocation(app, login_as, dbq):
    admin = login_as("admin")
    rid = role_id(dbq, OFFICER_ROLE)
    assert EXTRA not in held(dbq, OFFICER_ROLE) and DEFAULT in held(dbq, OFFICER_ROLE)
    r = admin.post(f"/roles/edit/{rid}", data=form_of(dbq, OFFICER_ROLE, add={EXTRA},
                                                      remove={DEFAULT}))
    assert r.status_code == 302, text_of(r)[-500:]
    before = all_roles(dbq)
    assert EXTRA in held(dbq, OFFICER_ROLE) and DEFAULT not in held(dbq, OFFICER_ROLE)
    sync(app)
    sync(app)
    assert all_roles(dbq) == before
    # The officer feels it: the grant opens a screen, the revocation closes the export.
    officer = login_as("officer.dopa")
    assert officer.get("/agencyincomingview/list/").status_code == 200
    assert officer.get("/directory/xlsx").status_code in (302, 403)
    restore(app, OFFICER_ROLE)
    assert officer.get("/agencyincomingview/list/").status_code in (302, 403)


def _drop_permission(app, permission, view):
    """As if the permission never existed (an installation from before the screen had it)."""
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        pv = sm.find_permission_view_menu(permission, view)
        for role in list(pv.role):
            role.permissions.remove(pv)
        db.session.commit()
        sm.del_permission_view_menu(permission, view)
        db.session.remove()


def test_a_new_permission_gets_its_default_once(app, dbq):
    pair = ("can_print", "DirectoryView")  # every level's by default
    _drop_permission(app, *pair)
    assert all(pair not in held(dbq, lv.role) for lv in LEVELS)
    assert dbq(lambda s: s.query(RoleDefault).count()) > 0
    sync(app)  # the upgrade's setup: the screen's permission is new
    assert all(pair in held(dbq, lv.role) for lv in LEVELS)
    # Revoked by the administrator, it stays revoked at every later sync.
    from app.extensions import db

    with app.app_context():
        role = db.session.query(Role).filter_by(name=OFFICER_ROLE).one()
        svc.save(db.session, _Admin(), role, None,
                 [pv for pv in role.permissions if svc.pair(pv) != pair])
        db.session.remove()
    sync(app)
    sync(app)
    assert pair not in held(dbq, OFFICER_ROLE)
    restore(app, OFFICER_ROLE)


def test_a_pair_without_a_record_gets_its_default_once(app, dbq):
    """The memory is what decides: a pair never applied is applied, once."""
    from app.extensions import db

    rid, pid = role_id(dbq, OFFICER_ROLE), pv_id(dbq, *DEFAULT)
    with app.app_context():
        role = db.session.get(Role, rid)
        role.permissions = [pv for pv in role.permissions if pv.id != pid]
        db.session.query(RoleDefault).filter_by(role_id=rid, permission_view_id=pid).delete()
        db.session.commit()
        db.session.remove()
    assert DEFAULT not in held(dbq, OFFICER_ROLE)
    sync(app)
    assert DEFAULT in held(dbq, OFFICER_ROLE)
    assert dbq(lambda s: s.get(RoleDefault, (rid, pid)).granted) is True


def test_a_default_changed_by_an_upgrade_reaches_only_roles_that_kept_the_old_one(app, dbq):
    from app.extensions import db

    officer = LEVEL_BY_NUMBER[OFFICER]
    clerk = LEVEL_BY_NUMBER[4]
    wider = [dataclasses.replace(lv, grants=lv.grants + (("AgencyIncomingView", "can_show"),))
             for lv in (officer, clerk)]
    pair = ("can_show", "AgencyIncomingView")
    # The group clerks' administrator had already decided otherwise: revoked their inbox.
    inbox = ("can_list", "InboxView")
    with app.app_context():
        role = db.session.query(Role).filter_by(name=clerk.role).one()
        svc.save(db.session, _Admin(), role, None,
                 [pv for pv in role.permissions if svc.pair(pv) != inbox])
        changes = svc.apply_defaults(db.session, levels=wider)
        db.session.commit()
        db.session.remove()
    assert changes[officer.role] == ([f"{pair[0]} on {pair[1]}"], [])
    assert pair in held(dbq, officer.role) and pair in held(dbq, clerk.role)
    assert inbox not in held(dbq, clerk.role)  # what the administrator set is untouched
    restore(app, officer.role)
    restore(app, clerk.role)
    assert pair not in held(dbq, officer.role) and inbox in held(dbq, clerk.role)


# ---- the Roles screen ---------------------------------------------------------------------------


def _groups(html):
    """{group label: [entry texts]} of a role's page."""
    found = {}
    for label, body in re.findall(
            r'<div class="role-group"><strong>(.*?)</strong>\s*<ul>(.*?)</ul>', html, re.S):
        found[label] = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
                        for li in re.findall(r"<li[^>]*>(.*?)</li>", body, re.S)]
    return found


def test_the_roles_screen_groups_permissions_by_menu_in_thai(login_as, dbq):
    admin = login_as("admin")
    page = admin.get(f"/roles/show/{role_id(dbq, OFFICER_ROLE)}").get_data(as_text=True)
    groups = _groups(page)
    assert "จองห้องประชุม" in groups["หน้าจอการจองห้องประชุม"]
    assert "เข้าถึงเมนู: เมนูจองห้องประชุม" in groups["หน้าจอการจองห้องประชุม"]
    assert "ลงรับหนังสือ" in groups["หน้าจอหนังสือเข้าใหม่"]
    # Sections are the menus, in the menu's order.
    sections = re.findall(r'<div class="panel-heading"><strong>(.*?)</strong>', page)
    assert sections.index("ระบบงานสารบรรณ") < sections.index("ห้องประชุม")
    text = text_of(admin.get(f"/roles/show/{role_id(dbq, OFFICER_ROLE)}"))
    assert "ตรงกับค่าเริ่มต้นของระดับ" in text
    for raw in ("can_book", "BookingView", "menu_access", "BookRoom", "InboxView"):
        assert raw not in text
    listing = text_of(admin.get("/roles/list/"))
    assert "บทบาทของระดับ 5 - ผู้ใช้งานทั่วไป" in listing and "เลขานุการผู้บริหาร" in listing
    form = admin.get(f"/roles/edit/{role_id(dbq, OFFICER_ROLE)}").get_data(as_text=True)
    assert 'name="permissions"' in form and "can_book" not in text_of(
        admin.get(f"/roles/edit/{role_id(dbq, OFFICER_ROLE)}"))


def test_differences_are_marked_and_the_default_restored_and_audited(app, login_as, dbq):
    admin = login_as("admin")
    rid = role_id(dbq, OFFICER_ROLE)
    admin.post(f"/roles/edit/{rid}", data=form_of(dbq, OFFICER_ROLE, add={EXTRA},
                                                  remove={DEFAULT}))
    page = admin.get(f"/roles/show/{rid}").get_data(as_text=True)
    groups = _groups(page)
    assert "ดูรายการ เพิ่มจากค่าเริ่มต้น" in groups["หน้าจอทะเบียนหนังสือรับถึงหน่วยงาน"]
    assert "ส่งออก Excel ถอนจากค่าเริ่มต้น" in groups["หน้าจอสมุดโทรศัพท์"]
    assert "เพิ่ม 1 รายการ ถอน 1 รายการ" in text_of(admin.get(f"/roles/show/{rid}"))
    listing = text_of(admin.get("/roles/list/"))
    assert "เพิ่ม 1 ถอน 1" in listing

    # The edit is in the audit log, readable in Thai.
    row_id, action, label, detail = audit_rows(dbq, target_type="Role", action="update")[-1]
    assert label == OFFICER_ROLE
    assert "can_list on AgencyIncomingView" in detail["after"]["permissions"]
    shown = text_of(admin.get(f"/auditlogview/show/{row_id}"))
    assert "ให้สิทธิ์ (1 รายการ): • ดูรายการ: หน้าจอทะเบียนหนังสือรับถึงหน่วยงาน" in shown
    assert "ถอนสิทธิ์ (1 รายการ): • ส่งออก Excel: หน้าจอสมุดโทรศัพท์" in shown

    # Asking shows what would change and changes nothing.
    before = all_roles(dbq)
    ask = admin.get(f"/roles/restore/{rid}")
    assert ask.status_code == 200 and "ยืนยันคืนค่าเริ่มต้นของระดับ" in text_of(ask)
    assert 'name="csrf_token"' in ask.get_data(as_text=True)
    assert "ดูรายการ" in text_of(ask) and all_roles(dbq) == before
    r = admin.post(f"/roles/restore/{rid}", follow_redirects=True)
    assert "คืนค่าเริ่มต้นของระดับให้บทบาท ผู้ใช้งานทั่วไป แล้ว" in text_of(r)
    assert EXTRA not in held(dbq, OFFICER_ROLE) and DEFAULT in held(dbq, OFFICER_ROLE)
    assert "ตรงกับค่าเริ่มต้นของระดับ" in text_of(admin.get(f"/roles/show/{rid}"))

    row_id, action, label, detail = audit_rows(dbq, action="role_restore_default")[-1]
    assert label == OFFICER_ROLE
    assert detail == {"granted": ["can_xlsx on DirectoryView"],
                      "revoked": ["can_list on AgencyIncomingView"]}
    shown = text_of(admin.get(f"/auditlogview/show/{row_id}"))
    assert "คืนค่าเริ่มต้นของระดับให้บทบาท" in shown
    assert "ส่งออก Excel: หน้าจอสมุดโทรศัพท์" in shown and "can_xlsx" not in shown
    assert "คืนค่าเริ่มต้นของระดับให้บทบาท" in text_of(admin.get("/auditlogview/list/"))


def test_restore_is_not_a_get_and_not_offered_without_a_level(login_as, dbq, app):
    admin = login_as("admin")
    rid = role_id(dbq, OFFICER_ROLE)
    admin.post(f"/roles/edit/{rid}", data=form_of(dbq, OFFICER_ROLE, add={EXTRA}))
    before = all_roles(dbq)
    assert admin.get(f"/roles/restore/{rid}").status_code == 200
    assert all_roles(dbq) == before
    public = role_id(dbq, app.config["AUTH_ROLE_PUBLIC"])
    assert admin.get(f"/roles/restore/{public}").status_code == 404
    assert admin.post(f"/roles/restore/{public}").status_code == 404
    assert "role-restore" not in admin.get(f"/roles/show/{public}").get_data(as_text=True)
    restore(app, OFFICER_ROLE)


def test_the_administrators_role_cannot_lock_them_out(login_as, dbq):
    admin = login_as("admin")
    rid = role_id(dbq, ADMIN_ROLE)
    form = admin.get(f"/roles/edit/{rid}").get_data(as_text=True)
    essential = pv_id(dbq, "can_edit", "RoleModelView")
    # Shown, not offered: a disabled box and the value carried as it is.
    assert re.search(r'<input type="checkbox" checked disabled><input type="hidden" '
                     rf'name="permissions" value="{essential}">', form)
    assert "จำเป็นต่อการดูแลระบบ" in text_of(admin.get(f"/roles/edit/{rid}"))
    before = all_roles(dbq)
    for pair in sorted(svc.ADMIN_ESSENTIALS):
        r = admin.post(f"/roles/edit/{rid}", data=form_of(dbq, ADMIN_ROLE, remove={pair}))
        assert r.status_code == 403, pair
        assert "ถอนสิทธิ์เข้าหน้าจอบทบาทจากบทบาทผู้ดูแลระบบไม่ได้" in text_of(r)
    assert all_roles(dbq) == before
    assert admin.get("/roles/list/").status_code == 200
    # Anything else of the administrators' role may go, and comes back with the default.
    r = admin.post(f"/roles/edit/{rid}",
                   data=form_of(dbq, ADMIN_ROLE, remove={("can_list", "AuditLogView")}))
    assert r.status_code == 302
    assert admin.get("/auditlogview/list/").status_code == 403
    assert admin.post(f"/roles/restore/{rid}").status_code == 302
    assert admin.get("/auditlogview/list/").status_code == 200


def test_a_refused_form_keeps_what_was_ticked(login_as, dbq):
    admin = login_as("admin")
    rid = role_id(dbq, ADMIN_ROLE)
    data = form_of(dbq, ADMIN_ROLE, remove={("can_edit", "RoleModelView"),
                                            ("can_list", "AuditLogView")})
    r = admin.post(f"/roles/edit/{rid}", data=data)
    assert r.status_code == 403
    html = r.get_data(as_text=True)
    audit_list = pv_id(dbq, "can_list", "AuditLogView")
    assert re.search(rf'name="permissions" value="{audit_list}"\s*>', html)  # still unticked
    assert 'id="role-error"' in html


def test_level_roles_keep_their_name_and_are_not_deleted(login_as, dbq):
    admin = login_as("admin")
    rid = role_id(dbq, OFFICER_ROLE)
    before = all_roles(dbq)
    form = admin.get(f"/roles/edit/{rid}").get_data(as_text=True)
    assert 'name="name"' not in form
    data = form_of(dbq, OFFICER_ROLE) | {"name": "ผู้ใช้ทั่วไป"}
    r = admin.post(f"/roles/edit/{rid}", data=data)
    assert r.status_code == 403 and "เปลี่ยนชื่อบทบาท" in text_of(r)
    r = admin.post(f"/roles/delete/{rid}", follow_redirects=True)
    assert "ลบบทบาท \u201cผู้ใช้งานทั่วไป\u201d ไม่ได้" in text_of(r)
    assert all_roles(dbq) == before
    assert "role-delete" not in admin.get(f"/roles/show/{rid}").get_data(as_text=True)


def test_a_role_of_the_administrators_own_is_made_copied_and_deleted(login_as, dbq):
    admin = login_as("admin")
    source = role_id(dbq, "เลขานุการผู้บริหาร")
    copy = admin.get(f"/roles/add?copy={source}")
    assert copy.status_code == 200 and "คัดลอกจากบทบาท เลขานุการผู้บริหาร" in text_of(copy)
    data = form_of(dbq, "เลขานุการผู้บริหาร") | {"name": "ผู้ช่วยเลขานุการ"}
    r = admin.post("/roles/add", data=data)
    assert r.status_code == 302
    assert held(dbq, "ผู้ช่วยเลขานุการ") == held(dbq, "เลขานุการผู้บริหาร")
    r = admin.post("/roles/add", data=data)  # the same name again
    assert r.status_code == 422 and "มีบทบาทชื่อ" in text_of(r)
    assert 'value="ผู้ช่วยเลขานุการ"' in r.get_data(as_text=True)
    rid = role_id(dbq, "ผู้ช่วยเลขานุการ")
    assert "ไม่มีค่าเริ่มต้น" in text_of(admin.get("/roles/list/"))
    assert "role-delete" in admin.get(f"/roles/show/{rid}").get_data(as_text=True)
    assert admin.post(f"/roles/delete/{rid}").status_code == 302
    assert dbq(lambda s: s.query(Role).filter_by(name="ผู้ช่วยเลขานุการ").count()) == 0
    assert audit_rows(dbq, target_type="Role", action="delete")[-1][2] == "ผู้ช่วยเลขานุการ"


def test_forged_permission_ids_are_refused(login_as, dbq):
    admin = login_as("admin")
    rid = role_id(dbq, OFFICER_ROLE)
    before = all_roles(dbq)
    for bad in ("999999", "abc"):
        data = form_of(dbq, OFFICER_ROLE)
        data["permissions"] = data["permissions"] + [bad]
        r = admin.post(f"/roles/edit/{rid}", data=data)
        assert r.status_code == 422 and "สิทธิ์" in text_of(r)
    assert all_roles(dbq) == before


@pytest.mark.parametrize("username", ["central", "clerk.dopa", "officer.dopa"])
def test_only_the_administrator_reaches_the_roles_screen(login_as, dbq, username):
    c = login_as(username)
    rid = role_id(dbq, OFFICER_ROLE)
    before = all_roles(dbq)
    for url in ("/roles/list/", f"/roles/show/{rid}", f"/roles/edit/{rid}",
                f"/roles/restore/{rid}", "/roles/add"):
        assert c.get(url).status_code == 403, url
    assert c.post(f"/roles/edit/{rid}", data=form_of(dbq, OFFICER_ROLE, add={EXTRA})) \
        .status_code == 403
    assert c.post(f"/roles/restore/{rid}").status_code == 403
    assert all_roles(dbq) == before


def test_fab_copy_action_is_gone(login_as, dbq):
    admin = login_as("admin")
    before = all_roles(dbq)
    rid = role_id(dbq, OFFICER_ROLE)
    assert admin.get(f"/roles/action/copyrole/{rid}").status_code == 404
    assert admin.post("/roles/action_post", data={"action": "copyrole",
                                                  "rowid": [str(rid)]}).status_code == 404
    assert all_roles(dbq) == before
    assert dbq(lambda s: [pv.id for pv in s.query(PermissionView)
                          if svc.pair(pv) == ("copyrole", "RoleModelView")]) == []


def test_restore_needs_the_forms_csrf_token(app, login_as, dbq):
    admin = login_as("admin")
    rid = role_id(dbq, OFFICER_ROLE)
    admin.post(f"/roles/edit/{rid}", data=form_of(dbq, OFFICER_ROLE, add={EXTRA}))
    before = all_roles(dbq)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = admin.post(f"/roles/restore/{rid}")
        assert r.status_code == 400
        assert all_roles(dbq) == before
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    restore(app, OFFICER_ROLE)
    assert EXTRA not in held(dbq, OFFICER_ROLE)
