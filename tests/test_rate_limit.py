"""The login throttle: failed logins through the form and the API alike, per client address and
per account name, counted where every worker and host sees them (the app's database, or Redis);
and the help chat's guest messages on the same counter. Real databases, a real Redis, and real
gunicorn workers for the failure that was measured (12 wrong logins all answered under memory://).
"""

import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from app.models import AuditLog, ThrottleCounter
from app.services import throttle
from app.services.demo import DEMO_PASSWORD, load_demo
from tests.conftest import IN_CI, TEST_MASTER_KEY, make_app, text_of

LIMIT = "4 per minute"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRONG = "Wrong12345678"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("rl"), AUTH_RATE_LIMIT=LIMIT)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def form(client, username, password, address):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def api(client, username, password, address):
    return client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db"},
        environ_base={"REMOTE_ADDR": address})


def failed(response):
    """A wrong password's answer on either door: back to the form, or 401."""
    if response.status_code == 302:
        return "/login" in response.headers["Location"]
    return response.status_code == 401


def logged_in(response):
    if response.status_code == 302:
        return "/login" not in response.headers["Location"]
    return response.status_code == 200 and "access_token" in response.json


def assert_throttled(response, why="จากเครื่องนี้"):
    assert response.status_code == 429, (response.status_code, response.get_data(as_text=True))
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= 61
    if response.is_json:
        message = response.json["message"]
    else:
        message = text_of(response)
        assert 'id="error-home"' in response.get_data(as_text=True)  # the Thai page, in layout
    assert f"{why}ไม่สำเร็จครบ 4 ครั้งต่อนาทีแล้ว" in message, message
    assert "กรุณาลองใหม่หลังเวลา" in message
    return retry


def audit_rows(app, action="login_throttled"):
    with app.app_context():
        rows = db.session.execute(select(AuditLog).where(AuditLog.action == action)
                                  .order_by(AuditLog.seq)).scalars().all()
        out = [{"actor": r.actor_name, "ip": r.ip, "detail": json.loads(r.detail)} for r in rows]
        db.session.remove()
    return out


def user_row(app, username):
    from app.models import EOfficeUser

    with app.app_context():
        u = db.session.execute(select(EOfficeUser).where(EOfficeUser.username == username)) \
            .scalar_one()
        row = {c.name: getattr(u, c.name) for c in EOfficeUser.__table__.columns}
        db.session.remove()
    return row


def counter_of(app):
    with app.app_context():
        return app.appbuilder.sm.attempt_counter


class Clock:
    """A clock a test moves by hand (the counter's ``clock``)."""

    def __init__(self, start=1_800_000_000.0):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def clock(app):
    counter = counter_of(app)
    kept, counter.clock = counter.clock, Clock()
    yield counter.clock
    counter.clock = kept


# ---- the two doors, one count ------------------------------------------------------------------


def test_the_form_and_the_api_share_one_count_per_address(app):
    c, here = app.test_client(), "10.20.0.1"
    # Wrong passwords, alternating doors, each for another name: the address counts them all.
    answers = [form(c, "nobody.a", WRONG, here), api(c, "nobody.b", WRONG, here),
               form(c, "nobody.c", WRONG, here), api(c, "nobody.d", WRONG, here)]
    assert all(failed(r) for r in answers)
    assert_throttled(form(c, "nobody.e", WRONG, here))
    assert_throttled(api(c, "nobody.f", WRONG, here))
    # Other addresses are not affected; the form itself still opens.
    assert failed(form(c, "nobody.g", WRONG, "10.20.0.2"))
    assert logged_in(api(c, "officer.cdd", DEMO_PASSWORD, "10.20.0.3"))
    assert c.get("/login/", environ_base={"REMOTE_ADDR": here}).status_code == 200


def test_an_account_name_is_limited_across_addresses(app):
    c = app.test_client()
    before = user_row(app, "clerk.cdd")
    # Four addresses, one wrong password each: under the per-address limit, at the account's.
    for i, door in enumerate((form, api, form, api)):
        assert failed(door(c, "clerk.cdd", WRONG, f"10.21.0.{i + 1}"))
    assert user_row(app, "clerk.cdd")["fail_login_count"] == (before["fail_login_count"] or 0) + 4
    kept = user_row(app, "clerk.cdd")
    # A fifth address is refused, whatever the name's case, and so is the right password.
    assert_throttled(form(c, "clerk.cdd", WRONG, "10.21.0.5"), why="ด้วยชื่อผู้ใช้นี้")
    assert_throttled(api(c, "CLERK.CDD", DEMO_PASSWORD, "10.21.0.6"), why="ด้วยชื่อผู้ใช้นี้")
    assert user_row(app, "clerk.cdd") == kept  # no failure counted, no login, no lock
    # Another account from the same address goes on.
    assert logged_in(form(app.test_client(), "secretary", DEMO_PASSWORD, "10.21.0.5"))
    rows = [r for r in audit_rows(app) if r["detail"]["username"] in ("clerk.cdd", "CLERK.CDD")]
    assert len(rows) == 1 and rows[0]["detail"]["limited_by"] == ["account"]


def test_while_throttled_no_password_is_tested_and_nothing_changes(app, dbq, monkeypatch):
    import flask_appbuilder.security.manager as fab_manager

    c, here = app.test_client(), "10.22.0.1"
    for name in ("nobody.h", "nobody.i", "nobody.j", "nobody.k"):
        assert failed(form(c, name, WRONG, here))
    tested = []
    plain = fab_manager.check_password_hash
    monkeypatch.setattr(fab_manager, "check_password_hash",
                        lambda *a, **k: tested.append(a) or plain(*a, **k))
    user_before = user_row(app, "central")
    audit_before = dbq.count(AuditLog)
    # The right password of a real account: refused, and never compared.
    assert_throttled(form(c, "central", DEMO_PASSWORD, here))
    assert_throttled(api(c, "central", WRONG, here))
    assert tested == []
    assert user_row(app, "central") == user_before
    actions = dbq(lambda s: s.execute(select(AuditLog.action).where(AuditLog.seq > audit_before))
                  .scalars().all())
    assert actions == ["login_throttled"]  # one row for the window, no login, no failure
    # Elsewhere the same password is tested and works.
    assert logged_in(form(app.test_client(), "central", DEMO_PASSWORD, "10.22.0.2"))
    assert tested


def test_logging_in_right_uses_up_nothing(app):
    """Fifty clerks behind one office NAT at 8:30: successes are not counted, failures are."""
    c, office = app.test_client(), "10.23.0.1"
    for _ in range(3):
        for name in ("clerk.dopa", "officer.dopa", "group.dopa"):
            assert logged_in(api(c, name, DEMO_PASSWORD, office))
    for name in ("nobody.l", "nobody.m", "nobody.n"):
        assert failed(api(c, name, WRONG, office))
    assert logged_in(form(app.test_client(), "clerk.dopa", DEMO_PASSWORD, office))
    assert failed(api(c, "nobody.o", WRONG, office))
    assert_throttled(api(c, "clerk.dopa", DEMO_PASSWORD, office))


def test_refusals_are_audited_once_per_window_and_the_window_passes(app, clock):
    c, here = app.test_client(), "10.24.0.1"
    start = clock.now
    for name in ("nobody.p", "nobody.q", "nobody.r", "nobody.s"):
        assert failed(form(c, name, WRONG, here))
        clock.now += 1
    clock.now = start + 10
    before = len(audit_rows(app))
    # Retry-After: the first failure's slot leaves the minute 61 s after it began.
    assert assert_throttled(form(c, "hammer", WRONG, here)) == 51
    for _ in range(5):  # an attacker hammering: still refused, not one row each
        assert_throttled(api(c, "hammer", WRONG, here))
    rows = audit_rows(app)[before:]
    assert len(rows) == 1
    assert rows[0]["actor"] == "hammer" and rows[0]["ip"] == here
    assert rows[0]["detail"] == {"address": here, "username": "hammer", "limited_by": ["address"],
                                 "limit": "4 per minute", "retry_after": 51}
    # A minute later the oldest failure has left: one more attempt, then refused again.
    clock.now = start + 61
    assert failed(form(c, "nobody.t", WRONG, here))
    assert assert_throttled(form(c, "hammer", WRONG, here)) == 1
    assert len(audit_rows(app)[before:]) == 2  # a new window, a new row
    clock.now = start + 200
    assert logged_in(form(c, "central", DEMO_PASSWORD, here))


def test_the_audit_log_names_the_refusal_in_thai(app, login_as):
    c, here = app.test_client(), "10.24.9.1"
    for name in ("nobody.u1", "nobody.u2", "nobody.u3", "nobody.u4"):
        assert failed(api(c, name, WRONG, here))
    assert_throttled(api(c, "nobody.u5", WRONG, here))
    page = text_of(login_as("admin").get("/auditlogview/list/?_flt_0_action=login_throttled"))
    assert "งดรับการเข้าสู่ระบบชั่วคราว" in page


def test_ipv6_counts_by_its_64(app):
    c = app.test_client()
    for i in range(4):
        assert failed(api(c, f"nobody.v6{i}", WRONG, f"2001:db8:1:2::{i + 1}"))
    assert_throttled(api(c, "nobody.v6x", WRONG, "2001:db8:1:2:ffff::9"))
    assert failed(api(c, "nobody.v6y", WRONG, "2001:db8:1:3::1"))


# ---- client addresses behind a proxy -------------------------------------------------------------


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(app):
    c, proxy = app.test_client(), "10.25.0.1"
    for i in range(4):  # not trusted (the default): the header does not pick the address
        r = c.post("/login/", data={"username": f"nobody.x{i}", "password": WRONG},
                   environ_base={"REMOTE_ADDR": proxy},
                   headers={"X-Forwarded-For": f"203.0.113.{i + 1}"})
        assert failed(r)
    assert_throttled(c.post("/login/", data={"username": "nobody.x9", "password": WRONG},
                            environ_base={"REMOTE_ADDR": proxy},
                            headers={"X-Forwarded-For": "203.0.113.99"}))

    behind = create_app(_same_database(app, TRUSTED_PROXIES=1))
    c = behind.test_client()

    def through_proxy(name, client_address):
        return c.post("/login/", data={"username": name, "password": WRONG},
                      environ_base={"REMOTE_ADDR": "10.25.0.2"},
                      headers={"X-Forwarded-For": client_address})

    # One trusted proxy: each forwarded client counts on its own, the proxy not at all.
    for i in range(4):
        assert failed(through_proxy(f"nobody.y{i}", f"198.51.100.{i + 1}"))
    for i in range(4):
        assert failed(through_proxy(f"nobody.z{i}", "198.51.100.50"))
    assert through_proxy("nobody.z9", "198.51.100.50").status_code == 429
    assert audit_rows(behind)[-1]["ip"] == "198.51.100.50"


# ---- across workers and hosts ------------------------------------------------------------------


def _same_database(app, **overrides):
    config = {k: app.config[k] for k in (
        "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "EOFFICE_INSTANCE_DIR", "INSTANCE_DIR",
        "ATTACHMENTS_DIR", "MASTER_KEY")}
    config.update(TESTING=True, WTF_CSRF_ENABLED=False, AUTH_RATE_LIMIT=LIMIT, REDIS_URL=None)
    config.update(overrides)
    return config


def test_two_workers_share_the_limit_through_the_database(app):
    one, two = create_app(_same_database(app)), create_app(_same_database(app))
    a, b, here = one.test_client(), two.test_client(), "10.26.0.1"
    assert all(failed(r) for r in (
        form(a, "nobody.1", WRONG, here), api(b, "nobody.2", WRONG, here),
        form(b, "nobody.3", WRONG, here), api(a, "nobody.4", WRONG, here)))
    assert_throttled(form(b, "nobody.5", WRONG, here))
    assert_throttled(api(a, "nobody.6", WRONG, here))
    with one.app_context():
        keys = db.session.execute(select(ThrottleCounter.key)).scalars().all()
        db.session.remove()
    assert throttle.LOGIN_ADDRESS + here in keys


def _redis_available():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


def test_two_workers_share_the_limit_through_redis(app):
    if not _redis_available():
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable", pytrace=False)
        pytest.skip("Redis is not reachable")
    prefix = f"eoffice-test-{uuid.uuid4().hex}"
    config = _same_database(app, REDIS_URL=REDIS_URL, THROTTLE_REDIS_PREFIX=prefix)
    one, two = create_app(config), create_app(config)
    a, b, here = one.test_client(), two.test_client(), "10.27.0.1"
    try:
        assert all(failed(r) for r in (
            api(a, "nobody.1", WRONG, here), form(b, "nobody.2", WRONG, here),
            api(b, "nobody.3", WRONG, here), form(a, "nobody.4", WRONG, here)))
        assert_throttled(api(b, "nobody.5", WRONG, here))
        assert_throttled(form(a, "nobody.6", WRONG, here))
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        assert client.exists(f"{prefix}:{throttle.LOGIN_ADDRESS}{here}")
        with one.app_context():  # counted in Redis, not in the database
            assert not db.session.execute(select(ThrottleCounter).where(
                ThrottleCounter.key.like(f"%{here}%"))).first()
            db.session.remove()
    finally:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_without_redis_the_database_counts(app):
    """Redis unreachable: the throttle does not fail open (nor shut): the database counts."""
    lost = create_app(_same_database(app, REDIS_URL="redis://127.0.0.1:9/0"))
    c, here = lost.test_client(), "10.28.0.1"
    for i in range(4):
        assert failed(api(c, f"nobody.r{i}", WRONG, here))
    assert_throttled(api(c, "nobody.r9", WRONG, here))
    assert logged_in(api(c, "central", DEMO_PASSWORD, "10.28.0.2"))


def test_guest_messages_are_counted_across_workers(app):
    config = _same_database(app, HELP_GUEST_RATE_LIMIT="2 per hour")
    one, two = create_app(config), create_app(config)
    message = {"name": "ผู้ทดสอบ", "phone": "0812223333", "body": "ลืมรหัสผ่าน"}
    here = {"REMOTE_ADDR": "10.29.0.1"}
    assert one.test_client().post("/help/guest", data=message, environ_base=here).status_code == 302
    assert two.test_client().post("/help/guest", data=message, environ_base=here).status_code == 302
    r = one.test_client().post("/help/guest", data=message, environ_base=here)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 3000
    assert "ฝากข้อความจากเครื่องนี้ครบ 2 ครั้งต่อชั่วโมงแล้ว" in text_of(r)


# ---- the counter itself, on the test database ----------------------------------------------------


def test_limits_are_read_or_refused():
    assert throttle.parse_rate("10 per minute") == throttle.Rate(10, 1, "minute")
    assert throttle.parse_rate("3/hour") == throttle.Rate(3, 1, "hour")
    assert throttle.parse_rate("5 per 30 seconds").window_ms == 30_000
    assert throttle.parse_rate("2 per 2 hours").thai() == "2 ครั้งใน 2 ชั่วโมง"
    for wrong in ("", "ten per minute", "0 per minute", "10 per fortnight", "10"):
        with pytest.raises(ValueError):
            throttle.parse_rate(wrong)
    with pytest.raises(ValueError):
        create_app({"AUTH_RATE_LIMIT": "lots", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY": "x", "MASTER_KEY": TEST_MASTER_KEY})


def test_a_burst_across_a_minute_boundary_is_not_let_through(app):
    """The weighted two-window estimate lets 4 at 59.9 s and 4 more at 60.1 s through; here the
    last minute always holds at most the limit."""
    with app.app_context():
        counter = throttle.Counter(db.engine, clock=Clock(1_800_000_059.9))
    rate, key = throttle.parse_rate(LIMIT), f"test:burst:{uuid.uuid4().hex}"
    assert [counter.take([key], rate).allowed for _ in range(4)] == [True] * 4
    counter.clock.now = 1_800_000_060.1
    refused = counter.take([key], rate)
    assert not refused.allowed and refused.retry_after == 60  # 59 + 60 + one slot - 60.1, up
    counter.clock.now = 1_800_000_119.9  # 60 s after the burst: still in the window
    assert not counter.take([key], rate).allowed
    counter.clock.now = 1_800_000_120.0  # the slot 59..60 has left it
    assert counter.take([key], rate).allowed


def test_racing_workers_get_no_more_than_the_limit(app):
    """Twelve attempts at once on one key, from threads with their own connections: exactly
    the limit is allowed (the check and the count are one step)."""
    with app.app_context():
        counter = throttle.Counter(db.engine)
    rate, key = throttle.parse_rate(LIMIT), f"test:race:{uuid.uuid4().hex}"
    start, answers = threading.Barrier(12), []

    def attempt():
        start.wait()
        answers.append(counter.take([key], rate).allowed)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [False] * 8 + [True] * 4


def test_a_refusal_and_a_give_back_leave_no_row(app):
    with app.app_context():
        counter = throttle.Counter(db.engine)
        engine = db.engine
    rate, key = throttle.parse_rate("1 per minute"), f"test:trace:{uuid.uuid4().hex}"

    def rows():
        with engine.connect() as c:
            return c.execute(text('SELECT count FROM throttle_counter WHERE "key" = :k'),
                             {"k": key}).scalars().all()

    place = counter.take([key], rate)
    counter.give_back(place)
    assert rows() == []
    assert counter.take([key], rate).allowed and rows() == [1]
    assert not counter.take([key], rate).allowed and rows() == [1]


def test_expired_rows_are_pruned(app):
    with app.app_context():
        counter = throttle.Counter(db.engine, clock=Clock(1_700_000_000.0))
        engine = db.engine
    rate, key = throttle.parse_rate(LIMIT), f"test:prune:{uuid.uuid4().hex}"
    counter.take([key], rate)
    assert counter.database.prune(int((1_700_000_000 + 62) * 1000)) >= 1
    with engine.connect() as c:
        assert c.execute(text('SELECT count(*) FROM throttle_counter WHERE "key" = :k'),
                         {"k": key}).scalar_one() == 0


# ---- the failure that was measured: gunicorn, two workers, no Redis -----------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8")
    finally:
        connection.close()


def _migrated_sqlite(folder):
    """What make_app does, on a SQLite file whatever EOFFICE_TEST_DATABASE says."""
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/eoffice.db", "TESTING": True,
              "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
              "EOFFICE_INSTANCE_DIR": str(folder / "instance"),
              "INSTANCE_DIR": str(folder / "instance"),
              "ATTACHMENTS_DIR": str(folder / "attachments"), "MASTER_KEY": TEST_MASTER_KEY}
    built = create_app(config)
    with built.app_context():
        from flask_migrate import upgrade

        upgrade()
        built.appbuilder.sm.sync_roles()
        load_demo(db.session)
        db.session.remove()
        db.engine.dispose()
    return config


@pytest.fixture
def scratch(tmp_path):
    """A folder in memory when the machine has one (SQLite's commits cost no fsync there)."""
    if not os.path.isdir("/dev/shm"):
        yield tmp_path
        return
    folder = tempfile.mkdtemp(prefix="eoffice-throttle-", dir="/dev/shm")
    try:
        yield pathlib.Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _gunicorn(config, scratch, name):
    """A gunicorn of one worker process on ``config``'s database; (process, port)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "AUTH_RATE_LIMIT", "TRUSTED_PROXIES")}
    env.update(DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
               EOFFICE_INSTANCE_DIR=config["EOFFICE_INSTANCE_DIR"],
               EOFFICE_ATTACHMENTS_DIR=config["ATTACHMENTS_DIR"],
               SECRET_KEY=config["SECRET_KEY"], EOFFICE_MASTER_KEY=TEST_MASTER_KEY)
    errors = open(scratch / f"{name}.err", "wb")
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"),
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    errors.close()
    return server, port


def _stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(15)


def _login_page(server, port, scratch, name):
    deadline = time.monotonic() + 60
    while True:
        try:
            status, headers, page = _request(port, "GET", "/login/")
            if status == 200:
                return headers, page
        except OSError:
            pass
        assert server.poll() is None, (scratch / f"{name}.err").read_text()[-3000:]
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)


def test_two_gunicorn_processes_without_redis_refuse_the_eleventh(scratch):
    """What `make run` measured (two workers, no REDIS_URL: each counted in its own memory, and
    12 wrong attempts in a minute all passed), made deterministic: two gunicorn processes on one
    database, the attempts alternating between them and between the two doors. Each process
    alone sees 6 attempts; only a count they share refuses the 11th and the 12th."""
    config = _migrated_sqlite(scratch)
    servers = [_gunicorn(config, scratch, f"worker{i}") for i in range(2)]
    try:
        forms = []
        for i, (server, port) in enumerate(servers):
            headers, page = _login_page(server, port, scratch, f"worker{i}")
            cookie = next(v for k, v in headers if k.lower() == "set-cookie").split(";")[0]
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            forms.append((cookie, token))
        answers = []
        for i in range(12):  # worker 0, 1, 0, 1...; the form twice, the API twice...
            (_server, port), (cookie, token) = servers[i % 2], forms[i % 2]
            if (i // 2) % 2 == 0:
                body = urlencode({"csrf_token": token, "username": "admin", "password": WRONG})
                answers.append(_request(port, "POST", "/login/", body, {
                    "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}))
            else:
                answers.append(_request(port, "POST", "/api/v1/security/login", json.dumps(
                    {"username": "admin", "password": WRONG, "provider": "db"}),
                    {"Content-Type": "application/json"}))
        assert [a[0] for a in answers] == [302, 302, 401, 401] * 2 + [302, 302, 429, 429], \
            [a[0] for a in answers]
        for _status, headers, body in answers[10:]:
            assert 1 <= int(dict(headers)["Retry-After"]) <= 61
            message = json.loads(body)["message"] if body.startswith("{") else body
            assert "ไม่สำเร็จครบ 10 ครั้งต่อนาทีแล้ว" in message
    finally:
        for server, _port in servers:
            _stop(server)
