"""Refusals and errors reached from a browser: a Thai page inside the app's layout, a way back
and a way home, and nothing written; from the API: JSON with a Thai message.

Every form of the app is posted without its CSRF token (a form left open past its lifetime, or
one posted from elsewhere): each is a 400 in Thai that changes nothing, never a server error.
"""

import re

import pytest
from sqlalchemy import MetaData, func, select

from app.extensions import db
from tests.conftest import make_app, text_of
from app.services.demo import DEMO_PASSWORD

THAI = re.compile("[\u0e00-\u0e7f]")
TYPED = "ข้อความที่เสมียนพิมพ์ไว้ยาว ๆ"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("errors"), WTF_CSRF_ENABLED=True,
                   PROPAGATE_EXCEPTIONS=False, MAX_CONTENT_LENGTH=64 * 1024)

    @app.route("/_test/crash")
    def crash():  # a bug, as a server error reaches the user
        raise RuntimeError("a bug")

    @app.route("/api/v1/_test/crash")
    def api_crash():
        raise RuntimeError("a bug")

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _csrf_token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(app, username="admin"):
    c = app.test_client()
    token = _csrf_token(c.get("/login/").get_data(as_text=True))
    r = c.post("/login/", data={"username": username, "password": DEMO_PASSWORD,
                                "csrf_token": token})
    assert r.status_code == 302 and "/login" not in r.headers["Location"], username
    return c


def _row_counts(app):
    with app.app_context():
        meta = MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for name, table in meta.tables.items() if name != "alembic_version"}


def _in_layout(response):
    """The page is drawn inside the app: its navigation bar and a link home."""
    html = response.get_data(as_text=True)
    return 'class="navbar' in html and 'id="error-home"' in html


def _post_rules(app):
    """Every form the app accepts: its POST routes outside the API, one URL each."""
    samples = {"register": "agency_in", "filename": "x.pdf", "name": "x", "locale": "th",
               "version": "v1", "group_by": "x"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/_test")):
            continue
        values = {arg: samples.get(arg, "1") for arg in rule.arguments}
        urls.append((rule.endpoint, rule.rule, values))
    return sorted(urls)


def test_every_form_posted_without_its_token_is_a_thai_400_that_changes_nothing(app):
    rules = _post_rules(app)
    assert len(rules) > 60, "the forms of the app were not found"
    client = _login(app)
    before = _row_counts(app)
    for endpoint, rule, values in rules:
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **values)
        # The page that held the form (for a form posted to its own address, that address).
        form_page = url if "GET" in app.url_map._rules_by_endpoint[endpoint][0].methods \
            else "/home/page?tab=1"
        r = client.post(url, data={"subject": TYPED, "name": TYPED, "password": "ลับมาก"},
                        headers={"Referer": "http://localhost" + form_page})
        assert r.status_code == 400, (endpoint, r.status_code)
        text = text_of(r)
        assert "แบบฟอร์มหมดอายุ" in text, endpoint
        assert _in_layout(r), endpoint
        assert f'href="{form_page}"' in r.get_data(as_text=True), (endpoint, "no way back")
        assert TYPED in text, (endpoint, "what was typed is lost")
        assert "ลับมาก" not in text, (endpoint, "a password is shown back")
    assert _row_counts(app) == before


def test_an_expired_token_is_refused_the_same_way(app):
    client = _login(app)
    page = client.get("/agencyincomingview/add").get_data(as_text=True)
    token = _csrf_token(page)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    before = _row_counts(app)
    r = client.post("/agencyincomingview/add", data={"subject": TYPED, "csrf_token": forged})
    assert r.status_code == 400 and "แบบฟอร์มหมดอายุ" in text_of(r) and _in_layout(r)
    assert TYPED in text_of(r)
    assert _row_counts(app) == before


def test_the_login_form_without_its_token(app):
    c = app.test_client()
    r = c.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})
    assert r.status_code == 400 and "แบบฟอร์มหมดอายุ" in text_of(r) and _in_layout(r)
    # Nothing typed is shown to someone not logged in (the form may have been posted from
    # another site), and never a password.
    assert DEMO_PASSWORD not in r.get_data(as_text=True)
    # Without a referrer, the way back is the form's own address.
    assert 'href="/login/"' in r.get_data(as_text=True)


def test_no_way_back_to_another_site(app):
    client = _login(app)
    r = client.post("/agencyincomingview/add", data={"subject": TYPED},
                    headers={"Referer": "https://evil.example/phish"})
    assert r.status_code == 400 and "evil.example" not in r.get_data(as_text=True)


@pytest.mark.parametrize("username", ["admin", "officer.dopa", None])
def test_a_missing_page_is_a_thai_404_in_the_layout(app, username):
    c = _login(app, username) if username else app.test_client()
    r = c.get("/no/such/page")
    assert r.status_code == 404 and "ไม่พบ" in text_of(r) and _in_layout(r)
    assert "Not Found" not in r.get_data(as_text=True)


def test_a_refused_screen_is_a_thai_403_in_the_layout(app):
    c = _login(app, "officer.dopa")
    r = c.get("/roles/list/")
    assert r.status_code == 403 and "ไม่มีสิทธิ์" in text_of(r) and _in_layout(r)
    assert "Forbidden" not in r.get_data(as_text=True)


def test_a_wrong_method_is_a_thai_405(app):
    c = _login(app)
    r = c.delete("/agencyincomingview/list/")
    assert r.status_code == 405 and "ไม่รับคำขอแบบ DELETE" in text_of(r) and _in_layout(r)
    assert "GET" in r.headers["Allow"]


def test_a_body_too_large_is_a_thai_413_that_changes_nothing(app):
    c = _login(app)
    page = c.get("/agencyincomingview/add").get_data(as_text=True)
    before = _row_counts(app)
    r = c.post("/agencyincomingview/add", data={
        "csrf_token": _csrf_token(page), "subject": "ใหญ่", "remarks": "ก" * 70_000})
    assert r.status_code == 413 and "ใหญ่เกิน" in text_of(r) and _in_layout(r)
    assert _row_counts(app) == before


def test_a_server_error_is_a_thai_500_in_the_layout(app):
    c = _login(app)
    r = c.get("/_test/crash")
    assert r.status_code == 500 and "ระบบขัดข้อง" in text_of(r) and _in_layout(r)
    assert "Internal Server Error" not in r.get_data(as_text=True)
    assert "a bug" not in r.get_data(as_text=True)  # no internals shown


def test_a_server_error_of_the_api_is_thai_json(app):
    r = app.test_client().get("/api/v1/_test/crash")
    assert r.status_code == 500 and THAI.search(r.json["message"])
    assert "a bug" not in r.get_data(as_text=True)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/v1/no/such/thing", 404),
    ("GET", "/api/v1/agencies/", 401),
    ("DELETE", "/api/v1/security/login", 405),
    ("GET", "/api/v1/registers/agency_in/entries/99999999999999", 404),
])
def test_the_api_answers_refusals_in_thai_json(app, method, path, status):
    r = app.test_client().open(path, method=method)
    assert r.status_code == status
    assert r.headers["Content-Type"].startswith("application/json")
    assert THAI.search(r.json["message"]), r.json


def test_the_api_says_forbidden_in_thai(app):
    c = app.test_client()
    from tests.test_api import token

    r = c.get("/api/v1/security/roles/", headers=token(c, "clerk.dopa"))
    assert r.status_code == 403 and THAI.search(r.json["message"])
    r = c.get("/api/v1/agencies/", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401 and THAI.search(r.json["message"])


def test_too_many_attempts_is_a_thai_429_in_the_layout(tmp_path):
    throttled = make_app(tmp_path, AUTH_RATE_LIMIT="2 per minute")
    try:
        c = throttled.test_client()
        for _ in range(2):
            assert c.post("/login/", data={"username": "admin", "password": "ผิด"}).status_code == 302
        r = c.post("/login/", data={"username": "admin", "password": "ผิด"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert _in_layout(r) and THAI.search(text_of(r)) and "Too Many" not in text_of(r)
        r = c.post("/api/v1/security/login",
                   json={"username": "admin", "password": "ผิด", "provider": "db"})
        assert r.status_code == 429 and THAI.search(r.json["message"])
    finally:
        with throttled.app_context():
            db.session.remove()
            db.engine.dispose()
