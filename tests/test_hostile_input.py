"""Hostile input over HTTP, class by class: a 4xx with a Thai message naming the field, and
nothing changed (every row of every table, the number counters, the attachments directory).

The classes an attacker's fuzzing found as server errors: a NUL byte in any text or search
parameter, integers beyond the columns' range in ids and number searches, a list or an object
where a text is expected, a body that is not JSON (or not declared as JSON), and FAB's own
security API given empty or odd bodies. Run on SQLite and PostgreSQL (NUL bytes and integer
ranges differ between them).
"""

import re

import pytest

from tests.conftest import text_of, world
from tests.test_api import token

THAI = re.compile("[\u0e00-\u0e7f]")
HUGE = 2**70
BIG = 2**40


@pytest.fixture(scope="module")
def tokens(app):
    c = app.test_client()
    return {name: token(c, name) for name in ("admin", "clerk.dopa", "central")}


@pytest.fixture(scope="module")
def entry(app, tokens):
    """A letter of the clerk's register, for the requests about one."""
    r = app.test_client().post("/api/v1/registers/agency_in/entries", headers=tokens["clerk.dopa"],
                               json={"subject": "หนังสือทดสอบ", "sender": "จังหวัดพังงา"})
    assert r.status_code == 201, r.json
    return r.json["id"]


def _refused(app, response, status, field=None):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:400])
    if response.is_json:
        body = response.json
        assert THAI.search(body["message"]), body
        if field is not None:
            assert body.get("field") == field or field in body["message"], body
    else:
        assert THAI.search(text_of(response))
        if field is not None:
            assert field in text_of(response)


# ---- the API ------------------------------------------------------------------------------

REGISTER = "/api/v1/registers/agency_in/entries"
CASES = [
    # A NUL byte in a text field, a search parameter, a query of FAB's API, a path.
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject": "เรื่อง\x00ลับ"}}, 400, "subject"),
    ("clerk.dopa", "POST", REGISTER, {"data": {"subject": "เรื่อง\x00"}}, 400, "subject"),
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject\x00": "x"}}, 400, None),
    ("clerk.dopa", "GET", REGISTER + "?subject=%00", {}, 400, "subject"),
    ("clerk.dopa", "GET", REGISTER + "?sender=a%00b", {}, 400, "sender"),
    ("admin", "GET", "/api/v1/agencies/?q=(filters:!((col:name,opr:ct,value:'a%00')))", {}, 400,
     None),
    ("admin", "PUT", "/api/v1/agencies/{agency}", {"json": {"phone": "076\x00"}}, 400, "phone"),
    ("admin", "GET", "/api/v1/security/roles/?q=(filters:!((col:name,opr:ct,value:'%00')))",
     {}, 400, None),
    ("clerk.dopa", "GET", "/api/v1/registers/agency\x00_in/entries", {}, 400, None),
    # Integers beyond the columns: ids in the path, number searches, ids in bodies.
    ("clerk.dopa", "GET", REGISTER + f"/{HUGE}", {}, 404, None),
    ("clerk.dopa", "GET", REGISTER + f"/{BIG}", {}, 404, None),
    ("clerk.dopa", "POST", REGISTER + f"/{HUGE}/cancel", {"json": {"reason": "x"}}, 404, None),
    ("clerk.dopa", "GET", f"/api/v1/letters/{HUGE}/timeline", {}, 404, None),
    ("clerk.dopa", "GET", f"/api/v1/documents/{BIG}", {}, 404, None),
    ("clerk.dopa", "POST", f"/api/v1/letters/deliveries/{2**62}/accept", {}, 404, None),
    ("admin", "GET", f"/api/v1/agencies/{HUGE}", {}, 404, None),
    ("admin", "PUT", f"/api/v1/agencies/{BIG}", {"json": {"phone": "1"}}, 404, None),
    ("admin", "DELETE", f"/api/v1/work_groups/{HUGE}", {}, 404, None),
    ("admin", "GET", "/api/v1/agencies/-1", {}, 405, None),  # no such route for GET
    ("clerk.dopa", "GET", REGISTER + f"?number={HUGE}", {}, 422, "number"),
    ("clerk.dopa", "GET", REGISTER + "?number=12a", {}, 400, "number"),
    ("clerk.dopa", "GET", REGISTER + f"?page={HUGE}", {}, 422, "page"),
    ("clerk.dopa", "GET", REGISTER + "?page_size=-1", {}, 422, "page_size"),
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject": "x", "readers": [HUGE]}}, 400, None),
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject": "x", "readers": [BIG]}}, 400, None),
    ("admin", "POST", "/api/v1/users/", {"json": {"username": "x", "agency": BIG}}, 400, None),
    ("admin", "GET", f"/api/v1/agencies/?q=(page:{HUGE})", {}, 400, None),
    ("admin", "GET", "/api/v1/agencies/?q=(page:-3)", {}, 422, "q.page"),
    ("admin", "GET", "/api/v1/agencies/?q=(page_size:-7)", {}, 400, "q.page_size"),
    ("admin", "GET", f"/api/v1/agencies/?q=(filters:!((col:id,opr:eq,value:{HUGE})))", {}, 400,
     None),
    # A list or an object where a text is expected.
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject": "x", "secrecy": ["x"]}}, 400, "secrecy"),
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject": {"a": 1}}}, 400, "subject"),
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject": "x", "speed": 3}}, 400, "speed"),
    ("clerk.dopa", "POST", REGISTER, {"json": {"subject": "x", "readers": "ทุกคน"}}, 400,
     "readers"),
    ("admin", "POST", "/api/v1/users/", {"json": {"username": "hostile", "agency": {"k": 1}}},
     422, "agency"),
    ("admin", "POST", "/api/v1/users/", {"json": {"username": ["x"], "agency": 1}}, 422,
     "username"),
    ("admin", "POST", "/api/v1/work_groups/", {"json": {"name": "x", "agency": [1]}}, 422,
     "agency"),
    ("admin", "PUT", "/api/v1/agencies/{agency}", {"json": {"name": {"th": "x"}}}, 422, "name"),
    ("admin", "GET", "/api/v1/agencies/?q=[1,2]", {}, 400, "q"),
    ("admin", "GET", "/api/v1/agencies/_info?q=-6.8e16", {}, 400, "q"),
    ("admin", "GET", "/api/v1/agencies/?q=(order_direction:up)", {}, 400, "q.order_direction"),
    ("clerk.dopa", "POST", "/api/v1/letters/entries/{entry}/dispatch",
     {"json": {"recipients": [[{"": {}}]]}}, 400, "recipients"),
    # Duplicates and deletions the database would refuse: a Thai message beside the field.
    ("admin", "POST", "/api/v1/agencies/", {"json": {"code": "พง 0016.1", "name": "ใหม่"}}, 422,
     "code"),
    ("admin", "PUT", "/api/v1/agencies/{agency}", {"json": {"name": "สำนักงานจังหวัดพังงา"}}, 422,
     "name"),
    ("admin", "DELETE", "/api/v1/agencies/{agency}", {}, 422, None),
    ("admin", "POST", "/api/v1/work_groups/", {"json": {"agency": "{agency}", "kind": "ฝ่าย",
                                                        "name": "ฝ่ายความมั่นคง"}}, 422, "name"),
    ("admin", "POST", "/api/v1/users/", {"json": {
        "username": "clerk.dopa", "first_name": "ก", "last_name": "ข", "email": "x@example.go.th",
        "agency": "{agency}", "level": 5, "active": True, "password": "Apipassword1"}}, 422, None),
    # A body that is not JSON, or not declared as JSON.
    ("clerk.dopa", "POST", REGISTER, {"data": "{not json", "content_type": "application/json"},
     400, None),
    ("clerk.dopa", "POST", REGISTER, {"data": "[1, 2", "content_type": "application/json"}, 400,
     None),
    ("clerk.dopa", "POST", REGISTER, {"data": '{"subject": NaN}',
                                      "content_type": "application/json"}, 400, None),
    ("clerk.dopa", "POST", REGISTER, {"json": ["not", "an", "object"]}, 400, None),
    ("admin", "POST", "/api/v1/agencies/", {"data": "name=x", "content_type": "text/plain"}, 400,
     None),
    ("admin", "PUT", "/api/v1/agencies/{agency}", {"data": "x", "content_type": "text/plain"},
     400, None),
    ("clerk.dopa", "POST", REGISTER + "/{entry}/cancel",
     {"data": "{", "content_type": "application/json"}, 400, None),
    # FAB's own security API given empty or odd bodies: read-only, a write is a 405.
    ("admin", "GET", "/api/v1/security/roles/?q=(page:-1)", {}, 422, "q.page"),
    ("admin", "GET", "/api/v1/security/roles/{role}/permissions/?q=x", {}, 400, "q"),
    ("admin", "GET", f"/api/v1/security/permissions/{HUGE}", {}, 404, None),
    ("admin", "GET", "/api/v1/security/groups/_info?q=(keys:!(x),add_columns:5)", {}, 400,
     "q.add_columns"),
]


@pytest.mark.parametrize("who, method, path, kwargs, status, field", CASES,
                         ids=[f"{c[1]} {c[2][:60]} {str(c[3])[:40]}" for c in CASES])
def test_hostile_api_request_is_refused_in_thai_and_changes_nothing(
        app, tokens, entry, who, method, path, kwargs, status, field):
    from app.extensions import db
    from app.models import Agency
    from flask_appbuilder.security.sqla.models import Role

    with app.app_context():
        agency = db.session.query(Agency).filter_by(code="พง 0016.1").one().id
        role = db.session.query(Role).filter_by(name="สารบรรณกลาง").one().id
        db.session.remove()
    path = path.format(agency=agency, role=role, entry=entry)
    if isinstance(kwargs.get("json"), dict):  # ids inside a body, as in the path
        kwargs = {**kwargs, "json": {k: agency if v == "{agency}" else v
                                     for k, v in kwargs["json"].items()}}
    client = app.test_client()
    before = world(app)
    response = client.open(path, method=method, headers=tokens[who], **kwargs)
    _refused(app, response, status, field)
    assert world(app) == before


WRITES = [
    ("POST", "/api/v1/security/roles/", {}),
    ("POST", "/api/v1/security/roles/", {"name": "ใหม่"}),
    ("PUT", "/api/v1/security/roles/{role}", {"name": "เปลี่ยนชื่อ"}),
    ("DELETE", "/api/v1/security/roles/{role}", None),
    ("POST", "/api/v1/security/roles/{role}/permissions", {"permission_view_menu_ids": []}),
    ("PUT", "/api/v1/security/roles/{role}/users", {"user_ids": [1]}),
    ("PUT", "/api/v1/security/roles/{role}/groups", {"group_ids": []}),
    ("POST", "/api/v1/security/groups/", {"name": "x"}),
    ("PUT", "/api/v1/security/groups/1", {"name": "x"}),
    ("DELETE", "/api/v1/security/groups/1", None),
    ("POST", "/api/v1/security/resources/", {"name": "0" * 300}),
    ("DELETE", "/api/v1/security/permissions-resources/1", None),
    ("POST", "/api/v1/security/users/", {}),
    ("DELETE", "/api/v1/security/users/1", None),
]


@pytest.mark.parametrize("method, path, body", WRITES, ids=[f"{m} {p}" for m, p, _b in WRITES])
def test_the_security_api_writes_nothing(app, tokens, method, path, body):
    """Roles change on the Roles screen, with its rules; users through /api/v1/users/."""
    from app.extensions import db
    from flask_appbuilder.security.sqla.models import Role

    with app.app_context():
        role = db.session.query(Role).filter_by(name="สารบรรณกลาง").one().id
        db.session.remove()
    before = world(app)
    r = app.test_client().open(path.format(role=role), method=method, json=body,
                               headers=tokens["admin"])
    assert r.status_code in (404, 405), r.status_code
    assert THAI.search(r.json["message"])
    assert world(app) == before


def test_the_security_api_still_reads(app, tokens):
    c = app.test_client()
    r = c.get("/api/v1/security/roles/?q=(page_size:100)", headers=tokens["admin"])
    assert r.status_code == 200 and "สารบรรณกลาง" in [x["name"] for x in r.json["result"]]
    assert c.get("/api/v1/security/roles/", headers=tokens["clerk.dopa"]).status_code == 403


# ---- the screens ---------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, data, status", [
    ("POST", "/agencyincomingview/add", {"subject": "เรื่อง\x00", "sender": "ก"}, 400),
    ("POST", "/agencyincomingview/add", {"subject\x00": "x"}, 400),
    ("GET", "/agencyincomingview/list/?_flt_0_subject=%00", None, 400),
    ("GET", "/agencyincomingview/list/?page_AgencyIncomingView=-5", None, 422),
    ("GET", f"/agencyincomingview/list/?page_AgencyIncomingView={HUGE}", None, 422),
    ("GET", "/agencyincomingview/list/?page_AgencyIncomingView=abc", None, 400),
    ("GET", "/agencyincomingview/list/?psize_AgencyIncomingView=-5", None, 422),
    ("GET", f"/agencyincomingview/list/?psize_AgencyIncomingView={HUGE}", None, 422),
    ("GET", f"/agencyincomingview/list/?_flt_0_number={HUGE}", None, 422),
    ("GET", "/agencyincomingview/list/?_flt_0_number=12", None, 200),
    ("GET", f"/agencyincomingview/show/{HUGE}", None, 404),
    ("GET", f"/agencyincomingview/show/{BIG}", None, 404),
    ("GET", "/agencyincomingview/show/abc", None, 404),
    ("GET", f"/agencyincomingview/file/1/{HUGE}", None, 404),
    ("POST", f"/agencyincomingview/cancel/{BIG}", {"reason": "x"}, 404),
    ("GET", f"/users/show/{HUGE}", None, 404),
    # FAB's routes the e-office does not offer: a download of UPLOAD_FOLDER, an undeclared action.
    ("GET", "/agencyview/download/x.pdf", None, 404),
    ("GET", "/users/download/..%2Fconfig.py", None, 404),
    ("GET", "/groups/download/x.pdf", None, 404),
    ("GET", "/users/action/nope/999999", None, 404),
    ("GET", "/contracts/hire/list/?number=99999999999999999999", None, 200),  # none found
    ("GET", "/contracts/hire/list/?number=12/99999999999", None, 200),
    ("POST", "/users/action_post", {"action": "muldelete", "rowid": "1"}, 404),
    ("POST", "/permissions/action_post", {"action": "muldelete", "rowid": "1"}, 404),
    # FAB's list arguments of the screens and charts, each against the view that answers.
    ("GET", "/agencyview/list/?_oc_AgencyView=nope&_od_AgencyView=up", None, 400),
    ("GET", "/agencyincomingview/list/?_oc_AgencyIncomingView=nonexistent"
            "&_od_AgencyIncomingView=asc", None, 400),
    ("GET", "/agencyincomingview/list/?_oc_AgencyIncomingView=registered_at"
            "&_od_AgencyIncomingView=asc", None, 200),
    ("GET", "/users/list/?_oc_EOfficeUserView=password&_od_EOfficeUserView=asc", None, 400),
    ("GET", "/agencyincomingview/list/?page_AgencyIncomingView=", None, 400),
    ("GET", "/agencyincomingview/list/?psize_AgencyIncomingView=", None, 400),
    ("GET", "/agencyincomingview/list/?_flt_5_speed=normal", None, 400),  # speed has 2
    ("GET", "/agencyincomingview/list/?_flt_0_subject=x", None, 200),
    ("GET", "/users/list/?_flt_0_active=n", None, 400),
    ("GET", "/users/list/?_flt_0_active=y", None, 200),
    ("GET", "/workgroupview/list/?_flt_0_agency=abc", None, 400),
    ("GET", f"/workgroupview/list/?_flt_0_agency={HUGE}", None, 422),
    ("GET", "/workgroupview/list/?_flt_0_agency=", None, 400),
])
def test_hostile_screen_request_is_refused_in_thai_and_changes_nothing(
        app, login_as, method, path, data, status):
    client = login_as("clerk.dopa")
    before = world(app)
    response = client.open(path, method=method, data=data)
    assert response.status_code == status, (response.status_code, text_of(response)[-300:])
    assert THAI.search(text_of(response))
    if status >= 400:
        assert 'id="error-home"' in response.get_data(as_text=True)  # the Thai error page
    assert world(app) == before


# ---- forms of FAB's model screens: what the columns cannot hold ----------------------------


@pytest.mark.parametrize("user, path, data, field, message", [
    ("central", "/roomview/add", {"name": "ห้องทดลอง", "agency": "1", "building": "",
                                  "capacity": str(HUGE), "equipment": "", "active": "y"},
     "capacity", "ตัวเลขเกินช่วงที่รับได้"),
    ("admin", "/executiveview/add", {"name": "ทดลอง ผู้บริหาร", "title": "ผู้ทดลอง",
                                     "kind": "governor", "sort_order": "2147483648",
                                     "active": "y"},
     "sort_order", "ตัวเลขเกินช่วงที่รับได้"),
    ("admin", "/filestepview/add", {"from_stage": "ไม่มีขั้นนี้", "to_stage": "secretary",
                                    "route": "any", "by": "secretary"},
     "from_stage", "ไม่มีขั้นตอนรหัส"),
])
def test_a_form_value_the_columns_cannot_hold_is_refused_beside_its_field(
        app, login_as, user, path, data, field, message):
    """A number beyond the integer column, a stage code that is no stage: refused in Thai next
    to the field, with what was typed, and nothing written (FAB showed the database's English,
    SQL included)."""
    client = login_as(user)
    assert client.get(path).status_code == 200  # the form, as a clerk opens it first
    before = world(app)
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, text_of(response)[-300:])
    assert message in text_of(response)
    assert "SQL" not in page and "psycopg" not in page and "Integrity" not in page
    assert re.search(rf'name="{field}"', page)  # the form again, with the field
    assert world(app) == before


def test_the_users_list_sorts_by_level(app, login_as):
    """The level column's own sort link (it sorted by a method, a 500 for whoever clicked)."""
    r = login_as("admin").get("/users/list/?_oc_EOfficeUserView=level&_od_EOfficeUserView=asc")
    assert r.status_code == 200 and "1 - ผู้ดูแลระบบ" in text_of(r)
    assert "_oc_EOfficeUserView=level" in r.get_data(as_text=True)


def test_a_profile_name_longer_than_its_column_is_refused_not_lost(app, login_as, dbq):
    """The profile form said it saved a first name of 65 letters that the database refused."""
    from app.models import EOfficeUser

    client = login_as("officer.dopa")
    before = world(app)
    r = client.post("/eofficeuserinfoeditview/form", data={
        "first_name": "ก" * 65, "last_name": "ทดสอบ", "position": "", "office_phone": "",
        "extension": "", "mobile_phone": ""})
    assert r.status_code == 200 and "บันทึกข้อมูลส่วนตัวแล้ว" not in text_of(r)
    assert "64" in text_of(r)
    assert world(app) == before
    assert dbq(lambda s: s.query(EOfficeUser).filter_by(username="officer.dopa").one()
               .first_name) != "ก" * 65
