"""The REST API: JWT login, OpenAPI, and exactly the scope and delegation of the screens."""

import pytest

from app.models import Agency, EOfficeUser
from app.services.demo import DEMO_PASSWORD


def token(client, username, password=DEMO_PASSWORD):
    r = client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": False})
    assert r.status_code == 200, r.get_data(as_text=True)
    return {"Authorization": "Bearer " + r.json["access_token"]}


def uid(dbq, username):
    return dbq(lambda s: s.query(EOfficeUser).filter_by(username=username).one().id)


def aid(dbq, code):
    return dbq(lambda s: s.query(Agency).filter_by(code=code).one().id)


def test_openapi_document_lists_our_apis(client):
    assert client.get("/api/v1/_openapi").status_code == 401
    r = client.get("/api/v1/_openapi", headers=token(client, "admin"))
    assert r.status_code == 200
    paths = r.json["paths"]
    for p in ("/agencies/", "/work_groups/", "/users/", "/security/login"):
        assert any(k.endswith(p) for k in paths), p


def test_swagger_ui_for_the_administrator_only(client, login_as):
    assert login_as("admin").get("/swagger/v1").status_code == 200
    assert login_as("clerk.dopa").get("/swagger/v1").status_code == 403


def test_bad_credentials_get_401(client):
    r = client.post("/api/v1/security/login", json={
        "username": "admin", "password": "Wrong1234567", "provider": "db"})
    assert r.status_code == 401


def test_clerk_lists_only_own_agency_users(client, dbq):
    h = token(client, "clerk.dopa")
    r = client.get("/api/v1/users/?q=(page_size:100)", headers=h)
    assert r.status_code == 200
    names = {u["username"] for u in r.json["result"]}
    assert {"clerk.dopa", "group.dopa", "officer.dopa"} <= names
    assert not names & {"admin", "central", "clerk.cdd", "officer.cdd"}
    assert client.get(f"/api/v1/users/{uid(dbq, 'officer.cdd')}", headers=h).status_code == 404
    assert client.get(f"/api/v1/users/{uid(dbq, 'admin')}", headers=h).status_code == 404


def new_user(dbq, username, level=5, code="พง 0016.1"):
    from app.models import WorkGroup

    group = dbq(lambda s: s.query(WorkGroup).join(Agency).filter(Agency.code == code).first().id)
    return {"username": username, "first_name": "เอพีไอ", "last_name": "ทดสอบ",
            "email": f"{username}@example.go.th", "agency": aid(dbq, code), "work_group": group,
            "level": level, "active": True, "password": "Apipassword1"}


@pytest.mark.parametrize("level", [1, 2, 3])
def test_clerk_cannot_create_above_level4_by_api(client, dbq, level):
    h = token(client, "clerk.dopa")
    before = dbq.snapshot(EOfficeUser)
    r = client.post("/api/v1/users/", json=new_user(dbq, f"api.high{level}", level), headers=h)
    assert r.status_code == 403 and "ระดับ" in r.json["message"]
    assert dbq.snapshot(EOfficeUser) == before


def test_clerk_cannot_create_in_another_agency_by_api(client, dbq):
    h = token(client, "clerk.dopa")
    before = dbq.snapshot(EOfficeUser)
    r = client.post("/api/v1/users/", json=new_user(dbq, "api.other", 5, "พง 0019.1"), headers=h)
    assert r.status_code in (403, 422)
    assert dbq.snapshot(EOfficeUser) == before


def test_weak_password_by_api_is_refused_in_thai(client, dbq):
    h = token(client, "clerk.dopa")
    before = dbq.snapshot(EOfficeUser)
    body = new_user(dbq, "api.weak") | {"password": "weak"}
    r = client.post("/api/v1/users/", json=body, headers=h)
    assert r.status_code == 422 and "รหัสผ่านต้อง" in r.json["message"]
    assert dbq.snapshot(EOfficeUser) == before


def test_clerk_creates_level5_by_api(client, dbq):
    h = token(client, "clerk.dopa")
    r = client.post("/api/v1/users/", json=new_user(dbq, "api.officer"), headers=h)
    assert r.status_code == 201, r.json
    u = dbq.user("api.officer")
    assert u["roles"] == ["ผู้ใช้งานทั่วไป"] and u["must_change_password"] is True
    assert u["password"].startswith("scrypt:")


def test_clerk_cannot_raise_or_reach_others_by_api(client, dbq):
    h = token(client, "clerk.dopa")
    before = dbq.snapshot(EOfficeUser)
    r = client.put(f"/api/v1/users/{uid(dbq, 'officer.dopa')}", json={"level": 3}, headers=h)
    assert r.status_code == 403
    r = client.put(f"/api/v1/users/{uid(dbq, 'officer.cdd')}", json={"position": "x"}, headers=h)
    assert r.status_code == 404
    r = client.delete(f"/api/v1/users/{uid(dbq, 'officer.dopa')}", headers=h)
    assert r.status_code == 405  # nobody deletes a user: suspended instead
    assert dbq.snapshot(EOfficeUser) == before


def test_agencies_api_scope(client, dbq):
    h = token(client, "clerk.dopa")
    r = client.get("/api/v1/agencies/", headers=h)
    assert [a["code"] for a in r.json["result"]] == ["พง 0016.1"]
    before = dbq.snapshot(Agency)
    r = client.put(f"/api/v1/agencies/{aid(dbq, 'พง 0019.1')}", json={"phone": "0"}, headers=h)
    assert r.status_code == 404
    r = client.put(f"/api/v1/agencies/{aid(dbq, 'พง 0016.1')}", json={"code": "bad"}, headers=h)
    assert r.status_code == 422 and "เลขประจำส่วนราชการ" in r.json["message"]
    assert dbq.snapshot(Agency) == before
    r = client.put(f"/api/v1/agencies/{aid(dbq, 'พง 0016.1')}", json={"phone": "076-111111"}, headers=h)
    assert r.status_code == 200
    central = token(client, "central")
    assert len(client.get("/api/v1/agencies/?q=(page_size:100)", headers=central).json["result"]) >= 7


@pytest.mark.parametrize("username", ["group.dopa", "officer.dopa"])
def test_lower_levels_cannot_manage_users_by_api(client, dbq, username):
    h = token(client, username)
    before = dbq.snapshot(EOfficeUser)
    assert client.get("/api/v1/users/", headers=h).status_code == 403
    assert client.post("/api/v1/users/", json=new_user(dbq, "api.nope"), headers=h).status_code == 403
    assert dbq.snapshot(EOfficeUser) == before


def test_the_central_registry_manages_the_provincial_offices_users_by_api(client, dbq):
    """As an agency's clerk does theirs (manual 1): the Provincial Office's, at levels 4-5."""
    h = token(client, "central")
    listed = {u["username"] for u in client.get("/api/v1/users/?q=(page_size:100)",
                                                 headers=h).json["result"]}
    assert {"central", "secretary"} <= listed and not listed & {"admin", "clerk.dopa"}
    before = dbq.snapshot(EOfficeUser)
    for data in (new_user(dbq, "api.dopa.sneak"),
                 new_user(dbq, "api.po.clerk", level=3, code="พง 0017.2")):
        r = client.post("/api/v1/users/", json=data, headers=h)
        assert r.status_code in (403, 422) and r.json["message"], data["username"]
        assert dbq.snapshot(EOfficeUser) == before
    r = client.post("/api/v1/users/", json=new_user(dbq, "api.po.officer", code="พง 0017.2"),
                    headers=h)
    assert r.status_code == 201, r.json


def test_security_api_is_for_the_administrator(client):
    assert client.get("/api/v1/security/roles/", headers=token(client, "clerk.dopa")).status_code == 403
    assert client.get("/api/v1/security/roles/", headers=token(client, "admin")).status_code == 200


def test_password_change_revokes_tokens(app, client, dbq):
    h = token(client, "officer.cdd")
    assert client.get("/api/v1/agencies/", headers=h).status_code == 200
    with app.test_request_context():
        from flask import g

        g.user = None
        app.appbuilder.sm.reset_password(uid(dbq, "officer.cdd"), "Changed2568xx")
    assert client.get("/api/v1/agencies/", headers=h).status_code == 401


def test_readers_that_are_not_ids_are_refused_in_thai(client, dbq):
    from app.models import RegisterEntry

    before = dbq.count(RegisterEntry)
    r = client.post("/api/v1/registers/agency_in/entries", headers=token(client, "clerk.dopa"),
                    json={"sender": "กองทัพภาคที่ 4", "subject": "ลับ: แผนรักษาความปลอดภัย",
                          "secrecy": "secret", "readers": ["ทุกคน"]})
    # A text where an id is expected is a malformed request (400), named by its field.
    assert r.status_code == 400 and "ผู้มีสิทธิ์อ่าน" in r.json["message"]
    assert r.json["field"] == "readers"
    assert dbq.count(RegisterEntry) == before


def test_the_monthly_tallies_match_the_entries_this_module_wrote(app):
    """Whatever this module registered, filled, accepted or cancelled, through whichever route,
    the letters tallied per month (the home page's chart) equal the entries counted afresh."""
    from app.extensions import db
    from tests.test_tally import assert_consistent

    with app.app_context():
        assert_consistent(db.session)
        db.session.remove()
