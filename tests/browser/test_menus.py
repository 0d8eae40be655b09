"""What each of the five levels sees in the top menu, logged in through the real form.

One demo user per level; each leaves a screenshot in docs/screenshots/ for the README.
"""

import re

import pytest

from app.services.demo import demo_logins
from tests.browser.helpers import (
    DEMO_USERS,
    SCREENSHOTS,
    all_hrefs,
    catalogue_note,
    describe,
    login,
    read_menus,
    thai_translation,
)

AGENCIES = "/agencyview/list/"
GROUPS = "/workgroupview/list/"
USERS = "/users/list/"
ROLES = "/roles/list/"
AUDIT = "/auditlogview/list/"
# FAB's security screens: the administrator's only.
SECURITY_ONLY = [ROLES, AUDIT, "/permissions/list/", "/viewmenus/list/", "/permissionviews/list/",
                 "/groups/list/", "/userstatschartview/chart/"]
SETUP_LABEL = "ตั้งค่าหน่วยงาน"

# (level, username): one demo user per level, as `flask eoffice demo` prints them.
LOGINS = [(level, username) for level, username, _password in demo_logins()]


def _screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.mark.parametrize("level,username", LOGINS, ids=[u for _l, u in LOGINS])
def test_menu_of_each_level(page, level, username):
    full_name, demo_level = DEMO_USERS[username]
    assert demo_level == level
    login(page, username)

    body = page.inner_text("body")
    assert full_name in body, f"{username}: the landing page does not show {full_name!r}"
    assert full_name in page.inner_text("div.navbar .navbar-right"), (
        f"{username}: the user menu does not show {full_name!r}")

    menus = read_menus(page)
    hrefs = set(all_hrefs(menus))
    labels = [m.label for m in menus]
    seen = f"\n{username} (level {level}) sees:\n{describe(menus)}"
    _screenshot(page, f"level-{level}-{username}.png")

    assert SETUP_LABEL in labels, f"no {SETUP_LABEL!r} menu{seen}"
    setup = next(m for m in menus if m.label == SETUP_LABEL)
    assert {AGENCIES, GROUPS} <= set(setup.hrefs()), f"agencies and groups not under Setup{seen}"

    if level == 1:
        assert {USERS, ROLES, AUDIT} <= hrefs, seen
        security = [m for m in menus if ROLES in m.hrefs()]
        assert len(security) == 1, f"no single menu holds the roles screen{seen}"
        expected = thai_translation("Security")
        assert security[0].label == expected, (
            f"the Security menu reads {security[0].label!r}, expected {expected!r}"
            f"{seen}{catalogue_note()}")
        assert {USERS, AUDIT} <= set(security[0].hrefs()), seen
        assert USERS in setup.hrefs(), f"the administrator lacks Users under Setup{seen}"
    elif level in (2, 3):  # an agency's clerk, and the central registry for the Provincial Office
        assert {AGENCIES, GROUPS, USERS} <= hrefs, seen
        assert USERS in setup.hrefs(), seen
        leaked = sorted(hrefs & set(SECURITY_ONLY))
        assert not leaked, f"level {level} sees {leaked}{seen}"
    else:
        assert {AGENCIES, GROUPS} <= hrefs, seen
        leaked = sorted(hrefs & set(SECURITY_ONLY + [USERS]))
        assert not leaked, f"level {level} sees {leaked}{seen}"


def _open_users_list_from_menu(page):
    """Reach the users list the way a user does: Setup menu, then Users."""
    setup = page.locator("div.navbar li.dropdown", has_text=SETUP_LABEL)
    setup.locator("> a.dropdown-toggle").click()
    with page.expect_navigation():
        setup.locator(f"a[href='{USERS}']").click()
    assert page.url.endswith(USERS), page.url


def _rows(page):
    """The text of each data row of the list table."""
    rows = page.locator("table.table tbody tr")
    return [re.sub(r"\s+", " ", rows.nth(i).inner_text()).strip() for i in range(rows.count())]


def test_admin_users_list(page):
    login(page, "admin")
    _open_users_list_from_menu(page)
    _screenshot(page, "admin-users.png")
    text = page.inner_text("body")
    for username in DEMO_USERS:  # the administrator sees every user of every agency
        assert re.search(rf"(?<![\w.]){re.escape(username)}(?![\w.])", text), (
            f"{username} missing from the administrator's users list")


def test_agency_clerk_users_list_is_scoped(page):
    agency = "ที่ทำการปกครองจังหวัดพังงา"
    login(page, "clerk.dopa")
    _open_users_list_from_menu(page)
    _screenshot(page, "clerk-users.png")
    text = page.inner_text("body")

    for username in ("clerk.dopa", "group.dopa", "officer.dopa"):
        assert username in text, f"{username} (same agency) missing from clerk.dopa's list"
    for foreign in ("มาลี", "clerk.cdd", "officer.cdd", "สำนักงานพัฒนาชุมชนจังหวัดพังงา"):
        assert foreign not in text, f"clerk.dopa's users list shows {foreign!r}"
    assert not re.search(r"(?<![\w.])admin(?![\w.])", text), (
        "clerk.dopa's users list shows the administrator")

    rows = [r for r in _rows(page) if r]
    assert len(rows) == 3, f"expected the 3 users of {agency}, got:\n" + "\n".join(rows)
    for row in rows:
        assert agency in row, f"a row of another agency: {row}"
