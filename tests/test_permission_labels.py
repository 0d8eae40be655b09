"""Every permission and view/menu the roles are built from reads in Thai on the Roles screens.

A subsystem that adds a view, a menu or a permission without a label in app/permission_labels.py
fails here, with the list of what is missing.
"""

import re

from flask_appbuilder.security.sqla.models import Permission, ViewMenu

from app.access import EXTRA_ROLES, LEVELS
from app.permission_labels import PERMISSIONS, VIEWS
from tests.conftest import text_of

THAI = re.compile(r"[\u0e00-\u0e7f]")


def _names(pattern):
    """The names a grant pattern of app/access.py spells out: ``a|b|c`` or ``prefix(a|b|c)``;
    any other pattern (``.*``, the administrator's) names nothing."""
    grouped = re.fullmatch(r"(\w*)\(([\w|]+)\)", pattern)
    if grouped:
        return {grouped[1] + name for name in grouped[2].split("|")}
    if re.fullmatch(r"[\w|]+", pattern):
        return set(pattern.split("|"))
    return set()


def test_every_synced_permission_and_view_has_a_label(app, dbq):
    """What sync_roles wrote (make_app runs it) is what the Roles screens show."""
    permissions = set(dbq(lambda s: [p.name for p in s.query(Permission)]))
    views = set(dbq(lambda s: [v.name for v in s.query(ViewMenu)]))
    assert "can_book" in permissions and "BookingView" in views  # the database is the synced one
    missing_permissions = sorted(permissions - PERMISSIONS.keys())
    missing_views = sorted(views - VIEWS.keys())
    assert not missing_permissions and not missing_views, (
        "add to app/permission_labels.py: "
        f"PERMISSIONS {missing_permissions}, VIEWS {missing_views}")


def test_every_name_the_levels_grant_has_a_label():
    """A grant in app/access.py is labelled even before its view is registered."""
    permissions, views = set(), set()
    for level in LEVELS + EXTRA_ROLES:
        for view_pattern, permission_pattern in level.grants:
            views |= _names(view_pattern)
            permissions |= _names(permission_pattern)
    missing_permissions = sorted(permissions - PERMISSIONS.keys())
    missing_views = sorted(views - VIEWS.keys())
    assert not missing_permissions and not missing_views, (
        "add to app/permission_labels.py: "
        f"PERMISSIONS {missing_permissions}, VIEWS {missing_views}")


def test_labels_are_thai_and_tell_views_apart(app):
    with app.test_request_context():
        permissions = {name: str(label) for name, label in PERMISSIONS.items()}
        views = {name: str(label) for name, label in VIEWS.items()}
    not_thai = sorted(n for n, label in (permissions | views).items() if not THAI.search(label))
    assert not not_thai
    # Two views read alike would make two different grants look the same on the Roles screen.
    seen = {}
    same = [(seen[label], name) for name, label in views.items()
            if seen.setdefault(label, name) != name]
    assert not same
    seen = {}
    same = [(seen[label], name) for name, label in permissions.items()
            if seen.setdefault(label, name) != name]
    assert not same


def test_roles_screen_shows_thai_labels(login_as, dbq):
    from flask_appbuilder.security.sqla.models import Role

    admin = login_as("admin")
    rid = dbq(lambda s: s.query(Role).filter_by(name="สารบรรณกลาง").one().id)
    # A permission of a late subsystem (meeting rooms), under its screen's Thai name.
    for url in (f"/roles/show/{rid}", f"/roles/edit/{rid}"):
        page = text_of(admin.get(url))
        assert "หน้าจอการจองห้องประชุม" in page, url
        assert "จองห้องประชุม" in page and "อนุมัติ/ไม่อนุมัติการจอง" in page, url
        assert "เข้าถึงเมนู: เมนูจองห้องประชุม" in page, url
        for raw in ("can_book", "can_decide", "BookingView", "menu_access", "BookRoom"):
            assert raw not in page, (url, raw)
    page = text_of(admin.get("/roles/list/"))
    assert "สารบรรณกลาง" in page and "can_" not in page
