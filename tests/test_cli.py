"""Commands: FAB's own create-admin still works; ours are grouped under `eoffice`."""

import os
import subprocess
import sys

from app.models import Agency
from app.services.demo import load_demo


def flask_cli(app, *args):
    """`flask --app app ...` as an administrator types it, on the test database."""
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SECRET_KEY=app.config["SECRET_KEY"],
               EOFFICE_INSTANCE_DIR=app.config["EOFFICE_INSTANCE_DIR"])
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run([flask, "--app", "app", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_fab_create_admin_makes_a_level1_user(app, dbq):
    result = flask_cli(app, "fab", "create-admin", "--username", "root2", "--firstname", "ผู้ดูแล",
                       "--lastname", "สำรอง", "--email", "root2@example.go.th",
                       "--password", "Rootpass2568")
    assert result.returncode == 0, result.stdout + result.stderr
    u = dbq.user("root2")
    assert u["level"] == 1 and u["roles"] == ["ผู้ดูแลระบบ"]


def test_fab_create_user_with_a_level_role(app, dbq):
    result = flask_cli(app, "fab", "create-user", "--role", "สารบรรณกลาง", "--username", "clerk2",
                       "--firstname", "ก", "--lastname", "ข", "--email", "clerk2@example.go.th",
                       "--password", "Clerkpass2568")
    assert result.returncode == 0, result.stdout + result.stderr
    assert dbq.user("clerk2")["level"] == 2


def test_our_commands_are_one_group(app):
    top = flask_cli(app, "--help").stdout
    assert "eoffice" in top and "fab" in top
    result = flask_cli(app, "eoffice", "--help")
    assert result.returncode == 0
    for command in ("setup", "demo", "sync-roles", "verify-audit", "rebuild-tallies"):
        assert command in result.stdout


def test_demo_loads_once(app, dbq):
    before = dbq.snapshot(Agency)
    assert dbq(load_demo) is False
    assert dbq.snapshot(Agency) == before
    assert len(before) >= 7 and sum(a["is_provincial_office"] for a in before) == 1
    result = app.test_cli_runner().invoke(args=["eoffice", "demo"])
    assert "already present" in result.output and "Phangnga2568" in result.output


def test_rebuild_tallies_counts_the_letters_afresh(app):
    """After entries imported around the app, the monthly tallies are counted from the registers."""
    from app.extensions import db
    from app.models import LetterTally
    from app.services import tally

    with app.app_context():
        db.session.execute(LetterTally.__table__.delete())
        db.session.commit()
        expected = sum(tally.recount(db.session.connection()).values())
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["eoffice", "rebuild-tallies"])
    assert result.exit_code == 0 and f"counted {expected} letters" in result.output
    with app.app_context():
        from tests.test_tally import assert_consistent

        assert_consistent(db.session)
        db.session.remove()
