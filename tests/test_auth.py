"""Logging in and staying safe: lock-out, revocable and expiring sessions, first-login password
change, CSRF, security headers, the secret key."""

import datetime as dt
import re

import pytest

from app.models import AuditLog, EOfficeUser
from app.services.demo import DEMO_PASSWORD
from config import load_secret_key
from tests.conftest import login, text_of


def set_user(app, username, **values):
    from app.extensions import db

    with app.app_context():
        u = db.session.query(EOfficeUser).filter_by(username=username).one()
        for k, v in values.items():
            setattr(u, k, v)
        db.session.commit()
        db.session.remove()


def actions(dbq, username=None):
    def q(s):
        rows = s.query(AuditLog).order_by(AuditLog.seq)
        return [(r.action, r.actor_name) for r in rows
                if username is None or r.actor_name == username or r.target_label == username]
    return dbq(q)


def test_login_and_logout_are_audited(client, dbq):
    r = login(client, "central")
    assert r.status_code == 302 and r.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200
    client.get("/logout/")
    acts = [a for a, who in actions(dbq) if who == "central"]
    assert acts[-2:] == ["login", "logout"]


def test_wrong_password_is_refused_and_audited(client, dbq):
    r = login(client, "central", "WrongPassword1")
    assert "/login" in r.headers["Location"]
    assert client.get("/users/userinfo/").status_code == 302
    assert ("login_failed", "central") in actions(dbq)
    r = login(client, "nobody.here", "WrongPassword1")
    assert ("login_failed", "nobody.here") in actions(dbq)


def test_session_cookie_flags_and_security_headers(client):
    r = login(client, "central")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    r = client.get("/")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP here
    r = client.get("/", base_url="https://localhost")
    assert "max-age=" in r.headers["Strict-Transport-Security"]


def test_repeated_failures_lock_the_account_for_a_growing_time(app, dbq):
    c = app.test_client()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        login(c, "group.dopa", "WrongPassword1")
    u = dbq.user("group.dopa")
    assert u["locked_until"] is not None and u["lockout_count"] == 1
    first = (u["locked_until"] - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).total_seconds()
    assert 0 < first <= app.config["LOCKOUT_BASE_SECONDS"]
    # While locked even the right password is refused, with a Thai explanation.
    r = login(c, "group.dopa", DEMO_PASSWORD)
    assert "/login" in r.headers["Location"]
    page = text_of(c.get(r.headers["Location"]))
    assert "ถูกล็อกชั่วคราว" in page
    assert ("login_locked", "group.dopa") in actions(dbq)
    # The lock expires; five more failures lock it again, twice as long.
    set_user(app, "group.dopa", locked_until=dt.datetime(2000, 1, 1))
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        login(c, "group.dopa", "WrongPassword1")
    u = dbq.user("group.dopa")
    second = (u["locked_until"] - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).total_seconds()
    assert u["lockout_count"] == 2 and second > app.config["LOCKOUT_BASE_SECONDS"]
    # After it expires, the right password works and clears the count.
    set_user(app, "group.dopa", locked_until=dt.datetime(2000, 1, 1))
    r = login(c, "group.dopa", DEMO_PASSWORD)
    assert r.headers["Location"].endswith("/")
    assert dbq.user("group.dopa")["lockout_count"] == 0


def test_first_login_must_change_password(app, dbq):
    set_user(app, "officer.cdd", must_change_password=True)
    c = app.test_client()
    login(c, "officer.cdd")
    for path in ("/", "/agencyview/list/", "/users/userinfo/"):
        r = c.get(path)
        assert r.status_code == 302 and "/resetmypassword/form" in r.headers["Location"]
    form = c.get("/resetmypassword/form")
    assert form.status_code == 200 and "รหัสผ่านปัจจุบัน" in text_of(form)
    # Weak, mismatched, same-as-old and wrong-current are refused with Thai messages.
    r = c.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD,
                                             "password": "short", "conf_password": "short"})
    assert "รหัสผ่านต้อง" in text_of(r)
    r = c.post("/resetmypassword/form", data={"current_password": "Nope12345678",
                                             "password": "Brandnew2568", "conf_password": "Brandnew2568"})
    assert "รหัสผ่านปัจจุบันไม่ถูกต้อง" in text_of(r)
    r = c.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD,
                                             "password": DEMO_PASSWORD, "conf_password": DEMO_PASSWORD})
    assert "ต้องไม่ซ้ำกับรหัสผ่านเดิม" in text_of(r)
    assert dbq.user("officer.cdd")["must_change_password"] is True
    r = c.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD,
                                             "password": "Brandnew2568", "conf_password": "Brandnew2568"})
    assert r.status_code == 302
    assert dbq.user("officer.cdd")["must_change_password"] is False
    assert c.get("/").status_code == 200  # this session goes on


def test_password_change_ends_the_other_sessions(app):
    here, there = app.test_client(), app.test_client()
    login(here, "clerk.cdd")
    login(there, "clerk.cdd")
    assert there.get("/users/userinfo/").status_code == 200
    r = here.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD,
                                                "password": "Another2568x", "conf_password": "Another2568x"})
    assert r.status_code == 302
    assert here.get("/users/userinfo/").status_code == 200
    r = there.get("/users/userinfo/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_idle_session_expires(app):
    c = app.test_client()
    login(c, "central")
    assert c.get("/users/userinfo/").status_code == 200
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    with c.session_transaction() as s:
        s["_seen"] = s["_seen"] - idle - 5
    r = c.get("/users/userinfo/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert "หมดเวลา" in text_of(c.get(r.headers["Location"]))


def test_an_open_chat_page_does_not_keep_an_idle_session_alive(app, login_as):
    """The chat page polls every few seconds by itself; only what the user does counts."""
    c = login_as("secretary")
    c.post("/help/send", data={"body": "ทดสอบ"})
    poll = "/help/poll?conversation=" + re.search(
        r'data-conversation="(\d+)"', c.get("/help/").get_data(as_text=True)).group(1)
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    with c.session_transaction() as s:
        s["_seen"] = s["_seen"] - idle + 30  # 30 seconds left
        seen = s["_seen"]
    assert c.get(poll).status_code == 200
    with c.session_transaction() as s:
        assert s["_seen"] == seen  # the poll did not count
    with c.session_transaction() as s:
        s["_seen"] = s["_seen"] - 60  # and now the 30 seconds are gone
    r = c.get(poll)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    # What the user does counts.
    c = login_as("secretary")
    with c.session_transaction() as s:
        s["_seen"] = s["_seen"] - idle + 30
        seen = s["_seen"]
    assert c.get("/help/").status_code == 200
    with c.session_transaction() as s:
        assert s["_seen"] > seen


def test_refused_access_is_audited(login_as, dbq):
    c = login_as("officer.dopa")
    assert c.get("/roles/list/").status_code == 403
    # A 404 on a row that exists but is out of scope counts; on a row that does not, it doesn't.
    other = dbq(lambda s: s.query(EOfficeUser).filter_by(username="officer.cdd").one().id)
    assert c.get("/agencyview/show/3").status_code == 404
    assert c.get("/agencyview/show/99999").status_code == 404
    rows = dbq(lambda s: [(r.action, r.target_type, r.target_id, r.detail) for r in
                          s.query(AuditLog).filter_by(action="access_denied", actor_name="officer.dopa")])
    assert any('"status": 403' in r[3] and "/roles/list/" in r[3] for r in rows)
    assert ("access_denied", "Agency", "3") in [r[:3] for r in rows]
    assert not any(r[2] == "99999" for r in rows)
    del other


def test_csrf_is_required_on_every_post(app, dbq):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        r = c.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})
        assert r.status_code == 400 and "แบบฟอร์มหมดอายุ" in text_of(r)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_nothing_changes_state_on_get(login_as, dbq):
    c = login_as("admin")
    uid = dbq(lambda s: s.query(EOfficeUser).filter_by(username="officer.cdd").one().id)
    before = dbq.count(EOfficeUser)
    c.get(f"/users/delete/{uid}")
    assert dbq.count(EOfficeUser) == before


def test_secret_key_is_generated_once_and_env_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_secret_key(str(tmp_path))
    assert len(first) > 40 and first == load_secret_key(str(tmp_path))
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert load_secret_key(str(tmp_path)) == "from-env"


@pytest.mark.parametrize("path", ["/users/list/", "/agencyview/list/"])
def test_anonymous_is_sent_to_login(client, path):
    r = client.get(path)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
