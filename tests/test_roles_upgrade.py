"""An installation from before roles remembered their defaults (revision 0011), whose
administrator changed roles, upgrades to 0012 and syncs: nothing the administrator set changes;
a permission added after the upgrade still gets its default, once.

A database of its own (not the module-wide ``app`` of the other tests), migrated step by step."""

import pytest
from flask_appbuilder.security.sqla.models import PermissionView, Role

from app import create_app
from app.access import EXTRA_ROLES, LEVELS
from app.extensions import db
from app.models.roles import RoleDefault
from app.services import roles as svc
from config import normalise_database_url
from tests.conftest import TEST_DATABASE, TEST_MASTER_KEY, _reset_postgres, is_postgres

OFFICER, CLERK, ADMIN = "ผู้ใช้งานทั่วไป", "สารบรรณประจำหน่วยงาน", "ผู้ดูแลระบบ"


@pytest.fixture
def old_app(tmp_path):
    if is_postgres():
        url = normalise_database_url(TEST_DATABASE)
        _reset_postgres(url)
    else:
        url = "sqlite:///" + str(tmp_path / "upgrade.db")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
        "SECRET_KEY": "test-secret-key-for-the-e-office-suite-0123456789",
        "EOFFICE_INSTANCE_DIR": str(tmp_path / "instance"),
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "ATTACHMENTS_DIR": str(tmp_path / "attachments"), "MASTER_KEY": TEST_MASTER_KEY,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _old_sync(app):
    """sync_roles as it was before 0012: every level role rewritten to exactly its default."""
    sm = app.appbuilder.sm
    for name in [lv.role for lv in LEVELS + EXTRA_ROLES] + [sm.auth_role_public]:
        if not sm.find_role(name):
            sm.add_role(name)
    app.appbuilder.add_permissions(update_perms=True)
    pvms = svc.permission_views(db.session)
    for level in LEVELS + EXTRA_ROLES:
        sm.find_role(level.role).permissions = [pv for pv in pvms if svc.default_of(level, pv)]
    db.session.commit()


def _change(role_name, add=(), remove=()):
    role = db.session.query(Role).filter_by(name=role_name).one()
    pvms = svc.permission_views(db.session)
    role.permissions = [pv for pv in role.permissions if svc.pair(pv) not in remove] + [
        pv for pv in pvms if svc.pair(pv) in add]
    db.session.commit()


def _roles():
    return {r.name: sorted(svc.pair(pv) for pv in r.permissions)
            for r in db.session.query(Role)}


def test_the_upgrade_keeps_what_the_administrator_set(old_app):
    from flask_migrate import upgrade

    with old_app.app_context():
        upgrade(revision="0011")
        _old_sync(old_app)
        # The administrator's changes, made on the Roles screen before the upgrade.
        _change(OFFICER, add={("can_list", "AgencyIncomingView")})
        _change(CLERK, remove={("can_xlsx", "DirectoryView"), ("menu_access", "Rooms")})
        _change(ADMIN, remove={("can_list", "AuditLogView")})
        db.session.add(Role(name="ผู้ตรวจสอบภายใน", permissions=[
            pv for pv in svc.permission_views(db.session)
            if svc.pair(pv) == ("can_list", "AuditLogView")]))
        db.session.commit()
        before = _roles()

        upgrade()  # to 0012: every pair recorded as found
        recorded = db.session.query(RoleDefault).count()
        assert recorded == db.session.query(Role).count() * len(svc.permission_views(db.session))
        assert db.session.query(RoleDefault).filter(RoleDefault.granted.isnot(None)).count() == 0

        old_app.appbuilder.sm.sync_roles()
        assert _roles() == before
        old_app.appbuilder.sm.sync_roles()
        assert _roles() == before
        # Adopted: the level's default of the day is what the record holds now.
        assert db.session.query(RoleDefault).join(Role).filter(
            Role.name == OFFICER, RoleDefault.granted.is_(None)).count() == 0

        # A screen's permission new after the upgrade: its default, once, everywhere.
        pair = ("can_print", "DirectoryView")
        sm = old_app.appbuilder.sm
        pv = sm.find_permission_view_menu(*pair)
        for role in list(pv.role):
            role.permissions.remove(pv)
        db.session.commit()
        sm.del_permission_view_menu(*pair)
        assert db.session.query(PermissionView).count() == len(svc.permission_views(db.session))
        sm.sync_roles()
        after = _roles()
        for level in LEVELS:
            assert pair in after[level.role], level.role
        assert pair not in after["ผู้ตรวจสอบภายใน"]
        def without(roles):
            return {k: [p for p in v if p != pair] for k, v in roles.items()}

        assert without(after) == without(before)
        db.session.remove()
