"""The five levels are data (app/access.py LEVELS); the roles in the database and the menus
each user sees follow that table."""

import re

import pytest
from flask_appbuilder.security.sqla.models import PermissionView, Role

from app.access import LEVELS


def test_each_level_role_holds_exactly_what_the_table_grants(dbq):
    def check(s):
        pvms = [(p.permission.name, p.view_menu.name) for p in s.query(PermissionView)]
        for level in LEVELS:
            role = s.query(Role).filter_by(name=level.role).one()
            held = {(p.permission.name, p.view_menu.name) for p in role.permissions}
            assert held == {pv for pv in pvms if level.allows(*pv)}, level.role
        return True

    assert dbq(check)


def test_sync_is_idempotent(app, dbq):
    before = dbq(lambda s: {r.name: sorted(str(p) for p in r.permissions) for r in s.query(Role)})
    with app.app_context():
        app.appbuilder.sm.sync_roles()
    after = dbq(lambda s: {r.name: sorted(str(p) for p in r.permissions) for r in s.query(Role)})
    assert before == after


def menu_links(client):
    html = client.get("/").get_data(as_text=True)
    return {h for h in re.findall(r'href="(/[^"#]*)"', html) if not h.startswith("/static/")}


ADMIN_ONLY = {"/roles/list/", "/auditlogview/list/", "/permissions/list/", "/viewmenus/list/"}
SETUP = {"/agencyview/list/", "/workgroupview/list/"}


@pytest.mark.parametrize("username, sees, hidden", [
    ("admin", SETUP | ADMIN_ONLY | {"/users/list/"}, set()),
    ("central", SETUP | {"/users/list/"}, ADMIN_ONLY),  # the Provincial Office's users
    ("clerk.dopa", SETUP | {"/users/list/"}, ADMIN_ONLY),
    ("group.dopa", SETUP, ADMIN_ONLY | {"/users/list/"}),
    ("officer.dopa", SETUP, ADMIN_ONLY | {"/users/list/"}),
])
def test_menu_shows_what_the_level_permits(login_as, username, sees, hidden):
    links = menu_links(login_as(username))
    assert sees <= links, sees - links
    assert not (hidden & links), hidden & links


def test_every_menu_link_of_every_level_answers(login_as):
    for username in ("admin", "central", "clerk.dopa", "group.dopa", "officer.dopa"):
        c = login_as(username)
        for href in menu_links(c):
            if href.startswith(("/logout", "/lang")):
                continue
            assert c.get(href).status_code == 200, (username, href)


def test_a_permission_taken_from_a_role_counts_from_the_next_request(app, login_as, dbq):
    """Permissions are read once per request, never kept by the worker between requests."""
    from app.models import EOfficeUser

    clerk = login_as("clerk.dopa")
    assert clerk.get("/agencyincomingview/list/").status_code == 200
    assert "/agencyincomingview/list/" in menu_links(clerk)

    def revoke(s):
        role = s.query(EOfficeUser).filter_by(username="clerk.dopa").one().roles[0]
        role.permissions = [p for p in role.permissions
                            if p.view_menu.name not in ("AgencyIncomingView", "AgencyIncoming")]
        s.commit()

    dbq(revoke)
    try:
        assert clerk.get("/agencyincomingview/list/").status_code in (302, 403)
        assert "/agencyincomingview/list/" not in menu_links(clerk)
    finally:
        # A sync keeps the administrator's revocation; restoring the level's default undoes it.
        from app.extensions import db
        from app.services import roles

        with app.app_context():
            role = db.session.query(EOfficeUser).filter_by(username="clerk.dopa").one().roles[0]
            roles.restore_default(db.session, type("Admin", (), {"id": 1, "level": 1})(), role)
            db.session.remove()
    assert clerk.get("/agencyincomingview/list/").status_code == 200
