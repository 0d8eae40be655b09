"""Delegation: an agency clerk manages their own agency, its groups and its level 4-5 users only.

Every refusal is checked twice: the HTTP answer, and that nothing changed in the database.
"""

import pytest

from app.models import Agency, EOfficeUser, WorkGroup
from tests.conftest import login, text_of


@pytest.fixture(scope="module")
def ids(app):
    with app.app_context():
        from app.extensions import db

        s = db.session
        agencies = {a.code: a.id for a in s.query(Agency)}
        groups = {(g.agency.code, g.name): g.id for g in s.query(WorkGroup)}
        users = {u.username: u.id for u in s.query(EOfficeUser)}
        db.session.remove()
    return {"agency": agencies, "group": groups, "user": users}


DOPA, CDD = "พง 0016.1", "พง 0019.1"


def user_form(ids, username, agency=DOPA, group="ฝ่ายความมั่นคง", level=5, active=True, **extra):
    form = {
        "first_name": "ทดสอบ", "last_name": "ระบบ", "username": username,
        "email": f"{username}@example.go.th",
        "agency": str(ids["agency"][agency]),
        "work_group": str(ids["group"][(agency, group)]),
        "level": str(level), "position": "เจ้าหน้าที่", "office_phone": "076-000000",
        "mobile_phone": "", "password": "Abcdefgh12", "conf_password": "Abcdefgh12",
    }
    if active:
        form["active"] = "y"
    form.update(extra)
    return form


def edit_form(dbq, username, **changes):
    """The edit form as the screen would post it, from the current row, with ``changes``."""
    u = dbq.user(username)
    form = {
        "first_name": u["first_name"], "last_name": u["last_name"], "username": u["username"],
        "email": u["email"], "agency": str(u["agency_id"]), "work_group": str(u["work_group_id"]),
        "level": str(u["level"]), "position": u["position"] or "", "office_phone": u["office_phone"] or "",
        "mobile_phone": u["mobile_phone"] or "",
    }
    if u["active"]:
        form["active"] = "y"
    for k, v in changes.items():
        if v is None:
            form.pop(k, None)
        else:
            form[k] = str(v)
    return form


# ---- users ----------------------------------------------------------------------------------


def test_clerk_creates_level5_user_in_own_agency(login_as, ids, dbq):
    c = login_as("clerk.dopa")
    r = c.post("/users/add", data=user_form(ids, "new.officer"))
    assert r.status_code == 302, text_of(r)
    u = dbq.user("new.officer")
    assert u["agency_id"] == ids["agency"][DOPA]
    assert u["level"] == 5 and u["roles"] == ["ผู้ใช้งานทั่วไป"]
    assert u["must_change_password"] is True  # a password given by someone else is temporary


def test_clerk_creates_level4_user(login_as, ids, dbq):
    c = login_as("clerk.dopa")
    r = c.post("/users/add", data=user_form(ids, "new.groupclerk", level=4))
    assert r.status_code == 302
    assert dbq.user("new.groupclerk")["roles"] == ["สารบรรณประจำกลุ่ม"]


@pytest.mark.parametrize("level", [1, 2, 3])
def test_clerk_cannot_create_above_level4(login_as, ids, dbq, level):
    c = login_as("clerk.dopa")
    before = dbq.count(EOfficeUser)
    r = c.post("/users/add", data=user_form(ids, f"too.high{level}", level=level))
    assert r.status_code == 200  # the form again, with the message
    assert "ไม่ใช่ตัวเลือกที่ถูกต้อง" in text_of(r) or "ระดับ" in text_of(r)
    assert dbq.user(f"too.high{level}") is None
    assert dbq.count(EOfficeUser) == before


def test_clerk_cannot_create_user_in_another_agency(login_as, ids, dbq):
    c = login_as("clerk.dopa")
    before = dbq.snapshot(EOfficeUser)
    r = c.post("/users/add", data=user_form(ids, "intruder", agency=CDD, group="กลุ่มงานอำนวยการ"))
    assert r.status_code == 200
    assert dbq.snapshot(EOfficeUser) == before


def test_clerk_cannot_put_user_in_group_of_another_agency(login_as, ids, dbq):
    c = login_as("clerk.dopa")
    form = user_form(ids, "mixed")
    form["work_group"] = str(ids["group"][(CDD, "กลุ่มงานอำนวยการ")])
    before = dbq.snapshot(EOfficeUser)
    r = c.post("/users/add", data=form)
    assert r.status_code == 200
    assert dbq.snapshot(EOfficeUser) == before


def test_clerk_edits_own_officer(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    uid = ids["user"]["officer.dopa"]
    r = c.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.dopa", position="ปลัดอำเภอชำนาญการ"))
    assert r.status_code == 302
    assert dbq.user("officer.dopa")["position"] == "ปลัดอำเภอชำนาญการ"


@pytest.mark.parametrize("level", [1, 2, 3])
def test_clerk_cannot_raise_officer_above_level4(login_as, dbq, ids, level):
    c = login_as("clerk.dopa")
    uid = ids["user"]["officer.dopa"]
    before = dbq.user("officer.dopa")
    r = c.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.dopa", level=level))
    assert r.status_code in (200, 302)
    assert dbq.user("officer.dopa") == before


def test_clerk_cannot_edit_themselves_through_users_screen(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    uid = ids["user"]["clerk.dopa"]
    before = dbq.user("clerk.dopa")
    r = c.post(f"/users/edit/{uid}", data=edit_form(dbq, "clerk.dopa", level=1), follow_redirects=True)
    assert "สารบรรณประจำหน่วยงานแก้ไขได้เฉพาะผู้ใช้งานระดับ 4 และ 5" in text_of(r) or r.status_code == 200
    assert dbq.user("clerk.dopa") == before


@pytest.mark.parametrize("target", ["officer.cdd", "clerk.cdd", "admin"])
def test_clerk_cannot_see_or_edit_users_outside_scope(login_as, dbq, ids, target):
    c = login_as("clerk.dopa")
    uid = ids["user"][target]
    before = dbq.user(target)
    assert c.get(f"/users/show/{uid}").status_code == 404
    assert c.get(f"/users/edit/{uid}").status_code == 404
    r = c.post(f"/users/edit/{uid}", data=edit_form(dbq, target, level=5, position="x"))
    assert r.status_code == 404
    assert dbq.user(target) == before


def test_clerk_list_shows_own_agency_only(login_as):
    c = login_as("clerk.dopa")
    page = text_of(c.get("/users/list/?psize_EOfficeUserView=100"))
    assert "officer.dopa" in page and "group.dopa" in page
    for other in ("officer.cdd", "clerk.cdd", "admin", "central"):
        assert other not in page


def test_clerk_cannot_delete_users(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    before = dbq.count(EOfficeUser)
    r = c.post(f"/users/delete/{ids['user']['group.dopa']}")
    assert r.status_code == 403
    assert dbq.count(EOfficeUser) == before


def test_clerk_suspends_officer_and_their_session_ends(app, login_as, dbq, ids):
    officer = login_as("officer.dopa")
    assert officer.get("/users/userinfo/").status_code == 200
    c = login_as("clerk.dopa")
    uid = ids["user"]["officer.dopa"]
    r = c.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.dopa", active=None))
    assert r.status_code == 302
    assert dbq.user("officer.dopa")["active"] is False
    # The session the officer held is over, and a new login is refused.
    r = officer.get("/users/userinfo/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = login(app.test_client(), "officer.dopa")
    assert "/login" in r.headers["Location"]
    # Reinstate for the tests that follow.
    r = c.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.dopa", active="y"))
    assert dbq.user("officer.dopa")["active"] is True


def test_clerk_resets_password_only_within_scope(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    data = {"password": "Newpassword99", "conf_password": "Newpassword99"}
    before_cdd = dbq.user("officer.cdd")
    r = c.post(f"/resetpassword/form?pk={ids['user']['officer.cdd']}", data=data)
    assert r.status_code in (403, 404)
    assert dbq.user("officer.cdd") == before_cdd
    before_admin = dbq.user("admin")
    r = c.post(f"/resetpassword/form?pk={ids['user']['admin']}", data=data)
    assert r.status_code in (403, 404)
    assert dbq.user("admin") == before_admin
    r = c.post(f"/resetpassword/form?pk={ids['user']['group.dopa']}", data=data)
    assert r.status_code == 302
    u = dbq.user("group.dopa")
    assert u["password"] != before_admin["password"] and u["must_change_password"] is True


@pytest.mark.parametrize("username", ["group.dopa", "officer.cdd"])
def test_group_clerk_and_officer_manage_no_one(app, ids, dbq, username):
    c = app.test_client()
    # group.dopa's password may have been reset above: set it back through the database.
    _set_password(app, username)
    login(c, username)
    before = dbq.snapshot(EOfficeUser)
    assert c.get("/users/list/").status_code == 403
    assert c.get("/users/add").status_code == 403
    assert c.post("/users/add", data=user_form(ids, "sneaky")).status_code == 403
    assert c.post(f"/users/edit/{ids['user']['officer.dopa']}", data={"level": "1"}).status_code == 403
    data = {"password": "Newpassword99", "conf_password": "Newpassword99"}
    assert c.post(f"/resetpassword/form?pk={ids['user']['officer.dopa']}", data=data).status_code == 403
    assert dbq.snapshot(EOfficeUser) == before


def _set_password(app, username):
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.services.demo import DEMO_PASSWORD

    with app.app_context():
        u = db.session.query(EOfficeUser).filter_by(username=username).one()
        u.password = generate_password_hash(DEMO_PASSWORD)
        u.must_change_password = False
        db.session.commit()
        db.session.remove()


# ---- agencies and groups ------------------------------------------------------------------------


def agency_form(dbq, agency_code, **changes):
    a = dbq(lambda s: s.query(Agency).filter_by(code=agency_code).one())
    form = {"code": a.code, "name": a.name, "phone": a.phone or "", "fax": a.fax or "",
            "address": a.address or ""}
    if a.is_provincial_office:
        form["is_provincial_office"] = "y"
    form.update(changes)
    return form


def test_clerk_edits_own_agency(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    r = c.post(f"/agencyview/edit/{ids['agency'][DOPA]}", data=agency_form(dbq, DOPA, phone="076-999999"))
    assert r.status_code == 302
    assert dbq(lambda s: s.get(Agency, ids["agency"][DOPA]).phone) == "076-999999"


def test_clerk_cannot_edit_another_agency(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    before = dbq.snapshot(Agency)
    aid = ids["agency"][CDD]
    assert c.get(f"/agencyview/edit/{aid}").status_code == 404
    r = c.post(f"/agencyview/edit/{aid}", data=agency_form(dbq, CDD, phone="000"))
    assert r.status_code == 404
    assert dbq.snapshot(Agency) == before


def test_clerk_cannot_make_own_agency_the_provincial_office(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    before = dbq.snapshot(Agency)
    r = c.post(f"/agencyview/edit/{ids['agency'][DOPA]}",
               data=agency_form(dbq, DOPA, is_provincial_office="y"), follow_redirects=True)
    assert "เฉพาะผู้ดูแลระบบ" in text_of(r)
    assert dbq.snapshot(Agency) == before


def test_clerk_cannot_add_or_delete_agencies(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    before = dbq.snapshot(Agency)
    assert c.post("/agencyview/add", data={"code": "พง 9999", "name": "ใหม่"}).status_code == 403
    assert c.post(f"/agencyview/delete/{ids['agency'][DOPA]}").status_code == 403
    assert dbq.snapshot(Agency) == before


def test_bad_agency_code_gets_thai_message_and_saves_nothing(login_as, dbq, ids):
    c = login_as("admin")
    before = dbq.snapshot(Agency)
    r = c.post(f"/agencyview/edit/{ids['agency'][DOPA]}",
               data=agency_form(dbq, DOPA, code="PG-17"), follow_redirects=True)
    assert "เลขประจำส่วนราชการไม่ถูกต้อง" in text_of(r)
    assert dbq.snapshot(Agency) == before


def test_clerk_adds_and_edits_groups_of_own_agency_only(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    r = c.post("/workgroupview/add", data={"agency": str(ids["agency"][DOPA]), "kind": "ฝ่าย",
                                           "name": "ฝ่ายทดสอบ", "code": "", "phone": ""})
    assert r.status_code == 302
    assert dbq(lambda s: s.query(WorkGroup).filter_by(name="ฝ่ายทดสอบ").one().agency_id) == ids["agency"][DOPA]

    before = dbq.snapshot(WorkGroup)
    r = c.post("/workgroupview/add", data={"agency": str(ids["agency"][CDD]), "kind": "ฝ่าย",
                                           "name": "ฝ่ายแอบเพิ่ม", "code": "", "phone": ""})
    assert r.status_code == 200
    assert dbq.snapshot(WorkGroup) == before
    other = ids["group"][(CDD, "กลุ่มงานอำนวยการ")]
    assert c.get(f"/workgroupview/edit/{other}").status_code == 404
    r = c.post(f"/workgroupview/edit/{other}", data={"agency": str(ids["agency"][CDD]), "kind": "กลุ่ม",
                                                     "name": "เปลี่ยนชื่อ"})
    assert r.status_code == 404
    # Moving an own group to another agency is refused as well.
    own = ids["group"][(DOPA, "กลุ่มงานการเจ้าหน้าที่")]
    r = c.post(f"/workgroupview/edit/{own}", data={"agency": str(ids["agency"][CDD]), "kind": "กลุ่ม",
                                                   "name": "กลุ่มงานการเจ้าหน้าที่"})
    assert r.status_code == 200
    assert dbq.snapshot(WorkGroup) == before


def test_group_with_users_cannot_be_deleted(login_as, dbq, ids):
    c = login_as("clerk.dopa")
    before = dbq.snapshot(WorkGroup)
    r = c.post(f"/workgroupview/delete/{ids['group'][(DOPA, 'ฝ่ายความมั่นคง')]}", follow_redirects=True)
    assert "ยังมีผู้ใช้งานสังกัดกลุ่มงานนี้" in text_of(r)
    assert dbq.snapshot(WorkGroup) == before


@pytest.mark.parametrize("username", ["group.dopa", "officer.dopa"])
def test_lower_levels_see_own_agency_read_only(app, ids, dbq, username):
    _set_password(app, username)
    c = app.test_client()
    login(c, username)
    assert c.get("/agencyview/list/").status_code == 200
    assert c.get(f"/agencyview/show/{ids['agency'][CDD]}").status_code == 404
    before = dbq.snapshot(Agency)
    r = c.post(f"/agencyview/edit/{ids['agency'][DOPA]}", data=agency_form(dbq, DOPA, phone="1"))
    assert r.status_code == 403
    assert dbq.snapshot(Agency) == before


def test_admin_cannot_suspend_or_demote_themselves(login_as, dbq, ids):
    c = login_as("admin")
    before = dbq.user("admin")
    r = c.post(f"/users/edit/{ids['user']['admin']}", data=edit_form(dbq, "admin", level=3),
               follow_redirects=True)
    assert "ผู้ดูแลระบบไม่สามารถลดระดับ" in text_of(r)
    assert dbq.user("admin") == before


# ---- the central registry sets up the Provincial Office (manual 1) ------------------------------

PO = "พง 0017.2"


def test_central_registry_sets_up_the_provincial_office_only(app, login_as, dbq, ids):
    _set_password(app, "central")
    c = login_as("central")
    # Its details, as an agency's clerk edits theirs; not the flag, not another agency.
    r = c.post(f"/agencyview/edit/{ids['agency'][PO]}", data=agency_form(dbq, PO, fax="076-481499"))
    assert r.status_code == 302
    assert dbq(lambda s: s.get(Agency, ids["agency"][PO]).fax) == "076-481499"
    before = dbq.snapshot(Agency)
    for code, changes in ((DOPA, {"phone": "000"}), (PO, {"is_provincial_office": ""}),
                          (PO, {"kind": "district"})):
        form = agency_form(dbq, code, **changes)
        form = {k: v for k, v in form.items() if v != "" or k not in ("is_provincial_office",)}
        r = c.post(f"/agencyview/edit/{ids['agency'][code]}", data=form, follow_redirects=True)
        assert r.status_code in (200, 403, 404), (code, changes)  # a Thai refusal
        assert dbq.snapshot(Agency) == before, (code, changes)
    assert c.post("/agencyview/add", data={"code": "พง 9998", "name": "ใหม่"}).status_code == 403

    # Its groups: add and edit; another agency's refused.
    r = c.post("/workgroupview/add", data={"agency": str(ids["agency"][PO]), "kind": "กลุ่ม",
                                           "name": "กลุ่มงานทดสอบของจังหวัด", "code": "พง 0017.9",
                                           "phone": ""})
    assert r.status_code == 302
    group_id = dbq(lambda s: s.query(WorkGroup).filter_by(name="กลุ่มงานทดสอบของจังหวัด").one().id)
    before = dbq.snapshot(WorkGroup)
    r = c.post("/workgroupview/add", data={"agency": str(ids["agency"][DOPA]), "kind": "ฝ่าย",
                                           "name": "ฝ่ายแอบเพิ่มโดยจังหวัด", "code": "", "phone": ""})
    assert r.status_code == 200 and dbq.snapshot(WorkGroup) == before
    add_form = c.get("/workgroupview/add").get_data(as_text=True)
    assert f'value="{ids["agency"][PO]}"' in add_form
    assert f'value="{ids["agency"][DOPA]}"' not in add_form  # only what it sets up is offered

    # Its level 4-5 users; not level 3, not another agency's, never above.
    r = c.post("/users/add", data=user_form(ids, "po.officer", agency=PO, group="กลุ่มงานอำนวยการ"))
    assert r.status_code == 302, text_of(r)[-300:]
    assert dbq.user("po.officer")["agency_id"] == ids["agency"][PO]
    r = c.post("/users/add", data=user_form(ids, "po.group", agency=PO,
                                            group="กลุ่มงานอำนวยการ", level=4))
    assert r.status_code == 302
    before = dbq.snapshot(EOfficeUser)
    for bad in (user_form(ids, "po.clerk", agency=PO, group="กลุ่มงานอำนวยการ", level=3),
                user_form(ids, "po.central", agency=PO, group="กลุ่มงานอำนวยการ", level=2),
                user_form(ids, "dopa.sneak")):
        r = c.post("/users/add", data=bad)
        assert r.status_code == 200, bad["username"]
        assert dbq.snapshot(EOfficeUser) == before, bad["username"]
    users = text_of(c.get("/users/list/"))
    assert "po.officer" in users and "officer.dopa" not in users and "admin" not in users
    assert c.get(f"/users/edit/{ids['user']['officer.dopa']}").status_code == 404
    assert c.get(f"/users/edit/{ids['user']['secretary']}").status_code == 200
