"""Fixtures: a real database per test module (SQLite file or PostgreSQL), migrated by Alembic.

EOFFICE_TEST_DATABASE=sqlite (default) or a PostgreSQL URL. Under CI (CI=true) a database that
cannot be reached fails the run; elsewhere it skips, so that a laptop without PostgreSQL can work.
"""

import os
import re

import pytest
from sqlalchemy import create_engine, select, text

from app import create_app
from app.extensions import db
from app.services.demo import DEMO_PASSWORD, load_demo
from config import normalise_database_url

TEST_DATABASE = os.environ.get("EOFFICE_TEST_DATABASE", "sqlite")
TEST_MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmctISE="
IN_CI = os.environ.get("CI", "").lower() == "true"


def is_postgres():
    return TEST_DATABASE.startswith("postgres")


def _unavailable(message):
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _reset_postgres(url):
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    except Exception as e:  # noqa: BLE001 - any failure to reach it is the same answer
        _unavailable(f"PostgreSQL at {url} is not reachable: {e}")


def make_app(tmp_path, **overrides):
    """A migrated app on a fresh database, with roles synced and the demo province loaded."""
    if is_postgres():
        url = normalise_database_url(TEST_DATABASE)
        _reset_postgres(url)
    else:
        url = "sqlite:///" + str(tmp_path / "test.db")
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-for-the-e-office-suite-0123456789",
        "EOFFICE_INSTANCE_DIR": str(tmp_path / "instance"),
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        # A master key for the tests' secret letters (base64 of 32 bytes); never a real one.
        "MASTER_KEY": TEST_MASTER_KEY,
        "WTF_CSRF_ENABLED": False,
        "TEMPLATES_STRICT": True,  # a name a template uses that no view gave is an error
        "AUTH_RATE_LIMIT": "10000 per minute",
        "REDIS_URL": None,  # the throttle counts in the test's own database, whatever the shell has
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        app.appbuilder.sm.sync_roles()
        load_demo(db.session)
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("db"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """A request context whose session is thrown away after the test: for the services."""
    with app.test_request_context():
        yield db.session
        db.session.remove()


def user(session, username):
    """A demo user by username."""
    from app.models import EOfficeUser

    return session.execute(select(EOfficeUser).where(EOfficeUser.username == username)).scalar_one()


def agency(session, code):
    """An agency by its code (พง 0016.1)."""
    from app.models import Agency

    return session.execute(select(Agency).where(Agency.code == code)).scalar_one()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username, password=DEMO_PASSWORD):
    response = client.post("/login/", data={"username": username, "password": password})
    return response


@pytest.fixture
def login_as(app):
    """login_as("clerk.dopa") -> a test client logged in as that demo user."""

    def _login(username, password=DEMO_PASSWORD):
        c = app.test_client()
        r = login(c, username, password)
        assert r.status_code == 302 and "/login" not in r.headers["Location"], (
            f"login as {username} failed")
        return c

    return _login


class DB:
    """Read the database in a fresh app context, so that nothing is served from a cache."""

    def __init__(self, app):
        self.app = app

    def __call__(self, fn):
        with self.app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    def user(self, username):
        from app.models import EOfficeUser

        def get(s):
            u = s.query(EOfficeUser).filter_by(username=username).one_or_none()
            if u is None:
                return None
            return {c.name: getattr(u, c.name) for c in EOfficeUser.__table__.columns} | {
                "roles": sorted(r.name for r in u.roles)}

        return self(get)

    def count(self, model):
        return self(lambda s: s.query(model).count())

    def snapshot(self, model):
        """Every row of ``model`` as a comparable list of dicts."""
        cols = [c.name for c in model.__table__.columns]
        return self(lambda s: [
            {c: getattr(o, c) for c in cols} for o in s.query(model).order_by(model.id)])


@pytest.fixture
def dbq(app):
    return DB(app)


def text_of(response):
    """The visible text of an HTML response, tags stripped, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="session")
def packages(tmp_path_factory):
    """Documents real and hostile (tests/files.py PACKAGES), each built once per run into a
    temporary folder: ``packages["bomb"]`` is a 200 MiB zip bomb of about 200 KB."""
    from tests.files import Packages

    return Packages(tmp_path_factory.mktemp("packages"))


def world(app):
    """Everything a request could have changed: every row of every table, and every file
    under the attachments directory (for "a refused request changes nothing")."""
    from sqlalchemy import MetaData

    with app.app_context():
        meta = MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.connect() as conn:
            rows = {name: sorted(map(repr, conn.execute(select(table))))
                    for name, table in meta.tables.items() if name != "alembic_version"}
        db.session.remove()
    files = []
    for folder, _dirs, names in os.walk(app.config["ATTACHMENTS_DIR"]):
        files += sorted(os.path.join(folder, n) for n in names)
    return rows, sorted(files)
