"""Users are suspended, never deleted: no delete on the Users screen or the users API (nothing
to press, no permission to grant, a Thai refusal at the old addresses, nothing changed), and a
suspension ends the user's sessions and tokens at once."""

import pytest
from flask_appbuilder.security.sqla.models import PermissionView

from app.models import AuditLog, EOfficeUser
from app.services.demo import DEMO_PASSWORD
from tests.conftest import login, text_of

REFUSAL = "ระบบไม่ลบบัญชีผู้ใช้งาน"


def token(client, username):
    r = client.post("/api/v1/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db", "refresh": False})
    assert r.status_code == 200, r.get_data(as_text=True)
    return {"Authorization": "Bearer " + r.json["access_token"]}


def users(dbq):
    """Every user as stored, but the administrators' "last seen" (their every request sets it)."""
    return [{k: v for k, v in u.items() if k != "last_seen_at"}
            for u in dbq.snapshot(EOfficeUser)]


def uid(dbq, username):
    return dbq(lambda s: s.query(EOfficeUser).filter_by(username=username).one().id)


@pytest.mark.parametrize("username, victim", [("admin", "officer.cdd"), ("admin", "clerk.dopa"),
                                              ("clerk.dopa", "officer.dopa")])
def test_the_screen_refuses_to_delete_in_thai_and_changes_nothing(login_as, dbq, username,
                                                                   victim):
    c = login_as(username)
    before = users(dbq)
    for method in (c.get, c.post):
        r = method(f"/users/delete/{uid(dbq, victim)}")
        assert r.status_code == 403
        assert REFUSAL in text_of(r) and "สถานะใช้งาน" in text_of(r)
    assert users(dbq) == before
    # The attempt is on the record.
    last = dbq(lambda s: s.query(AuditLog).order_by(AuditLog.seq.desc()).first())
    assert last.action == "access_denied" and "/users/delete/" in last.detail


def test_nothing_offers_a_delete(login_as, dbq):
    for username in ("admin", "clerk.dopa"):
        html = login_as(username).get("/users/list/").get_data(as_text=True)
        assert "/users/delete/" not in html
    assert dbq(lambda s: [pv.id for pv in s.query(PermissionView)
                          if pv.view_menu.name in ("EOfficeUserView", "EOfficeUserApi")
                          and pv.permission.name == "can_delete"]) == []
    roles = text_of(login_as("admin").get("/roles/edit/1"))
    assert "ลบ (หน้าจอผู้ใช้งาน)" not in roles


def test_the_api_refuses_delete_with_the_way_to_suspend(client, dbq):
    tokens = [token(client, username) for username in ("admin", "clerk.dopa")]
    before = users(dbq)
    for headers in tokens:
        r = client.delete(f"/api/v1/users/{uid(dbq, 'officer.dopa')}", headers=headers)
        assert r.status_code == 405
        assert REFUSAL in r.json["message"] and '"active": false' in r.json["message"]
        assert set(r.headers["Allow"].replace(" ", "").split(",")) == {"GET", "PUT"}
    assert users(dbq) == before


def test_the_openapi_document_offers_no_delete_of_users(client):
    r = client.get("/api/v1/_openapi", headers=token(client, "admin"))
    paths = r.json["paths"]
    one = [k for k in paths if k.endswith("/users/{pk}")]
    assert one and "delete" not in paths[one[0]]
    assert {"get", "put"} <= set(paths[one[0]])


def test_suspension_ends_sessions_and_tokens_and_reinstating_does_not_revive_them(
        app, client, login_as, dbq):
    h = token(client, "officer.cdd")
    session = login_as("officer.cdd")
    assert client.get("/api/v1/agencies/", headers=h).status_code == 200
    assert session.get("/users/userinfo/").status_code == 200
    stamp = dbq.user("officer.cdd")["session_stamp"]
    user_id = uid(dbq, "officer.cdd")
    admin = token(client, "admin")
    r = client.put(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert dbq.user("officer.cdd")["session_stamp"] != stamp
    r = client.put(f"/api/v1/users/{user_id}", json={"active": True}, headers=admin)
    assert r.status_code == 200
    assert dbq.user("officer.cdd")["active"] is True
    # Reinstated, but what was open before the suspension stays closed.
    assert session.get("/users/userinfo/").status_code == 302
    assert client.get("/api/v1/agencies/", headers=h).status_code == 401
    r = login(app.test_client(), "officer.cdd")  # a new login is the way back in
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
