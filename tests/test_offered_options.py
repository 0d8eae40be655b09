"""Options a user may not use are not offered: the Provincial Office mark on an agency clerk's
agency form, the executives' secretary on an agency clerk's user forms, "show on the login
page" on an agency clerk's announcement form. A forged post with the option is still refused by
the service, in Thai, with nothing changed; a refused form keeps what was typed, with the message
beside the field it is about."""

import re

import pytest

from app import thai
from app.models import Agency, EOfficeUser, WorkGroup
from app.models.announcements import Announcement
from tests.conftest import text_of

DOPA, CDD = "พง 0016.1", "พง 0019.1"
SECRETARY_REFUSAL = "เฉพาะผู้ดูแลระบบเท่านั้นที่กำหนดเลขานุการผู้บริหารได้"


@pytest.fixture(scope="module")
def ids(app):
    from app.extensions import db

    with app.app_context():
        s = db.session
        out = {"agency": {a.code: a.id for a in s.query(Agency)},
               "group": {(g.agency.code, g.name): g.id for g in s.query(WorkGroup)},
               "user": {u.username: u.id for u in s.query(EOfficeUser)}}
        db.session.remove()
    return out


def user_form(ids, username, agency=DOPA, group="ฝ่ายความมั่นคง", level=5, **extra):
    return {"first_name": "ทดลอง", "last_name": "พิมพ์ไว้", "username": username,
            "email": f"{username}@example.go.th", "agency": str(ids["agency"][agency]),
            "work_group": str(ids["group"][(agency, group)]), "level": str(level),
            "position": "นักจัดการงานทั่วไป", "office_phone": "076-123456", "mobile_phone": "",
            "active": "y", "password": "Abcdefgh12", "conf_password": "Abcdefgh12", **extra}


def edit_form(dbq, username, **changes):
    u = dbq.user(username)
    form = {"first_name": u["first_name"], "last_name": u["last_name"],
            "username": u["username"], "email": u["email"], "agency": str(u["agency_id"]),
            "work_group": str(u["work_group_id"]), "level": str(u["level"]),
            "position": u["position"] or "", "office_phone": u["office_phone"] or "",
            "mobile_phone": u["mobile_phone"] or "", "active": "y"}
    form.update({k: str(v) for k, v in changes.items()})
    return form


def agency_form(dbq, code, **changes):
    a = dbq(lambda s: s.query(Agency).filter_by(code=code).one())
    form = {"code": a.code, "name": a.name, "phone": a.phone or "", "fax": a.fax or "",
            "address": a.address or ""}
    form.update(changes)
    return form


def users(dbq):
    """Every user as stored, but the administrators' "last seen" (their every request sets it)."""
    return [{k: v for k, v in u.items() if k != "last_seen_at"}
            for u in dbq.snapshot(EOfficeUser)]


def _field_error(html, field, message):
    """Whether ``message`` is shown in the form's row of ``field``, right after the field."""
    row = re.search(rf'<tr>(?:(?!<tr>).)*?id="{field}"(?:(?!<tr>).)*?</tr>', html, re.S)
    return row is not None and message in row.group(0) and "alert-danger" in row.group(0)


# ---- users: the executives' secretary -----------------------------------------------------------


def test_the_clerks_user_forms_do_not_offer_the_secretary_role(login_as, ids):
    clerk = login_as("clerk.dopa")
    for url in ("/users/add", f"/users/edit/{ids['user']['officer.dopa']}"):
        html = clerk.get(url).get_data(as_text=True)
        assert 'name="executive_secretary"' not in html, url
        assert "เลขานุการผู้บริหาร" not in text_of(clerk.get(url)), url
    level = re.search(r'<select[^>]*name="level".*?</select>',
                      clerk.get("/users/add").get_data(as_text=True), re.S).group(0)
    assert sorted(set(re.findall(r'value="(\d)"', level))) == ["4", "5"]  # what a clerk gives
    admin = login_as("admin")
    assert 'name="executive_secretary"' in admin.get("/users/add").get_data(as_text=True)


def test_a_forged_secretary_is_refused_and_what_was_typed_stays(login_as, ids, dbq):
    clerk = login_as("clerk.dopa")
    before = users(dbq)
    r = clerk.post("/users/add", data=user_form(ids, "forged.secretary",
                                                 executive_secretary="y"))
    assert r.status_code == 403
    page, html = text_of(r), r.get_data(as_text=True)
    assert SECRETARY_REFUSAL in page
    for typed in ("ทดลอง", "พิมพ์ไว้", "forged.secretary", "นักจัดการงานทั่วไป", "076-123456"):
        assert f'value="{typed}"' in html, typed
    assert 'name="executive_secretary"' not in html  # still not offered
    assert users(dbq) == before


def test_a_clerks_edit_keeps_a_secretary_a_secretary(login_as, ids, dbq):
    admin, clerk = login_as("admin"), login_as("clerk.dopa")
    uid = ids["user"]["officer.dopa"]
    r = admin.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.dopa",
                                                         executive_secretary="y"))
    assert r.status_code == 302
    assert "เลขานุการผู้บริหาร" in dbq.user("officer.dopa")["roles"]
    try:
        r = clerk.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.dopa",
                                                             position="ปลัดอำเภอ (ทดลอง)"))
        assert r.status_code == 302
        u = dbq.user("officer.dopa")
        assert u["position"] == "ปลัดอำเภอ (ทดลอง)" and "เลขานุการผู้บริหาร" in u["roles"]
    finally:
        admin.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.dopa",
                                                         position="ปลัดอำเภอ"))
    assert dbq.user("officer.dopa")["roles"] == ["ผู้ใช้งานทั่วไป"]


def test_a_refusal_is_shown_beside_its_field(login_as, ids, dbq):
    admin = login_as("admin")
    before = users(dbq)
    form = user_form(ids, "mixed.groups")
    form["work_group"] = str(ids["group"][(CDD, "กลุ่มงานอำนวยการ")])
    r = admin.post("/users/add", data=form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert _field_error(html, "work_group", "กลุ่มงานที่เลือกไม่ได้อยู่ในหน่วยงานที่เลือก")
    assert 'value="mixed.groups"' in html and 'value="นักจัดการงานทั่วไป"' in html
    assert users(dbq) == before
    # The administrator's own suspension, beside the status.
    r = admin.post(f"/users/edit/{ids['user']['admin']}",
                   data={k: v for k, v in edit_form(dbq, "admin").items() if k != "active"})
    assert r.status_code == 403
    assert _field_error(r.get_data(as_text=True), "active", "ผู้ดูแลระบบไม่สามารถลดระดับ")
    assert users(dbq) == before


# ---- agencies: the Provincial Office ------------------------------------------------------------


def test_the_clerks_agency_form_does_not_offer_the_provincial_office(login_as, ids):
    url = f"/agencyview/edit/{ids['agency'][DOPA]}"
    assert 'name="is_provincial_office"' not in login_as("clerk.dopa").get(url).get_data(
        as_text=True)
    assert "สำนักงานจังหวัด (สารบรรณกลาง)" not in text_of(login_as("clerk.dopa").get(url))
    assert 'name="is_provincial_office"' in login_as("admin").get(url).get_data(as_text=True)


def test_a_forged_provincial_office_is_refused_and_the_mark_is_kept_otherwise(login_as, ids,
                                                                             dbq):
    clerk, admin = login_as("clerk.dopa"), login_as("admin")
    aid = ids["agency"][DOPA]
    before = dbq.snapshot(Agency)
    r = clerk.post(f"/agencyview/edit/{aid}",
                   data=agency_form(dbq, DOPA, phone="076-000111", is_provincial_office="y"))
    assert r.status_code == 403
    assert "เฉพาะผู้ดูแลระบบที่กำหนดสำนักงานจังหวัดได้" in text_of(r)
    assert 'value="076-000111"' in r.get_data(as_text=True)
    assert dbq.snapshot(Agency) == before
    # An agency the administrator marked keeps its mark through its clerk's edit, which
    # does not carry the field.
    r = admin.post(f"/agencyview/edit/{aid}",
                   data=agency_form(dbq, DOPA, is_provincial_office="y"))
    assert r.status_code == 302
    try:
        r = clerk.post(f"/agencyview/edit/{aid}", data=agency_form(dbq, DOPA, phone="076-000222"))
        assert r.status_code == 302
        a = dbq(lambda s: s.get(Agency, aid))
        assert a.phone == "076-000222" and a.is_provincial_office is True
        # And the clerk cannot take it away either.
        r = clerk.post(f"/agencyview/edit/{aid}",
                       data=agency_form(dbq, DOPA, is_provincial_office=""))
        assert r.status_code == 403
        assert dbq(lambda s: s.get(Agency, aid).is_provincial_office) is True
    finally:
        admin.post(f"/agencyview/edit/{aid}", data=agency_form(dbq, DOPA, phone=before[
            [a["id"] for a in before].index(aid)]["phone"] or ""))
    assert dbq.snapshot(Agency) == before


# ---- announcements: show on the login page ------------------------------------------------------


def test_the_clerks_announcement_form_does_not_offer_the_login_page(login_as, dbq):
    clerk = login_as("clerk.dopa")
    html = clerk.get("/announcements/new").get_data(as_text=True)
    assert 'name="public"' not in html and "แสดงในหน้าเข้าสู่ระบบ" not in html
    assert 'name="public"' in login_as("central").get("/announcements/new").get_data(
        as_text=True)
    before = dbq.count(Announcement)
    r = clerk.post("/announcements/new", data={
        "title": "ประกาศปลอมขึ้นหน้าแรก", "body": "<p>ทดลอง</p>", "body_format": "html",
        "from_day": thai.format_date_input(thai.today()), "audience": "everyone",
        "public": "y"})
    assert "เฉพาะผู้ดูแลระบบหรือสารบรรณกลาง" in text_of(r)
    assert 'value="ประกาศปลอมขึ้นหน้าแรก"' in r.get_data(as_text=True)
    assert dbq.count(Announcement) == before
