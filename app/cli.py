"""`flask --app app eoffice ...`: the project's own commands, in one group."""

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("eoffice", help="คำสั่งของระบบสำนักงานอัตโนมัติ (e-office commands)")
def eoffice():
    pass


@eoffice.command("sync-roles")
@with_appcontext
def sync_roles():
    """Write the five levels (app/access.py LEVELS) into FAB's roles and permissions."""
    current_app.appbuilder.sm.sync_roles()
    click.echo("synced roles of the five levels")


@eoffice.command("demo")
@with_appcontext
def demo():
    """Load the demo province (Phang Nga) once, and print the demo logins."""
    if not _load_demo():
        click.echo("demo data already present: unchanged")


def _load_demo():
    """Load what of the demo province is missing, say what was loaded and print the demo
    logins; False if the province was there already."""
    from app.extensions import db
    from app.services import demo

    loaded = False
    for load, said in ((demo.load_demo, "loaded the demo province (จังหวัดพังงา)"),
                       (demo.load_demo_letters, "registered the demo letters"),
                       (demo.load_demo_contracts, "registered the demo contracts"),
                       (demo.load_demo_day, "entered the demo day: appointments, announcements, a letter "
                        "and a booking waiting")):
        if load(db.session):
            click.echo(said)
            loaded = loaded or load is demo.load_demo
    _print_logins(demo.demo_logins())
    return loaded


@eoffice.command("setup")
@click.option("--demo/--no-demo", "with_demo", default=False, help="also load the demo province")
@with_appcontext
def setup(with_demo):
    """Upgrade the database, sync the roles, and optionally load the demo province."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.services.audit import ensure_head

    upgrade()
    with db.engine.begin() as conn:
        ensure_head(conn)
    current_app.appbuilder.sm.sync_roles()
    from app import thai
    from app.services import holidays

    this_year = thai.today().year + 543
    for year in (this_year, this_year + 1):  # the fixed-date holidays, where not there yet
        holidays.load_fixed(db.session, None, year)
    if with_demo:
        _load_demo()
    _print_master_key()


def _print_master_key():
    """Where the master key of secret letters' files lives and that it must be backed up; never
    the key itself."""
    import os

    path = current_app.config.get("MASTER_KEY_FILE")
    if path:
        click.echo(f"master key (กุญแจหลัก): {path}")
        click.echo("  back it up now, kept apart from the database and the attachments: without it "
                   "no secret letter's file can be opened again. In production, set "
                   "EOFFICE_MASTER_KEY instead.")
        click.echo("  (สำรองไฟล์นี้ไว้ทันที แยกจากฐานข้อมูลและไฟล์แนบ หากไฟล์นี้หาย "
                   "ไฟล์ของหนังสือลับทั้งหมดจะเปิดไม่ได้อีก)")
        if os.stat(path).st_mode & 0o077:
            click.echo(f"  warning: others can read it: chmod 600 {path}", err=True)
    elif os.environ.get("EOFFICE_MASTER_KEY", "").strip():
        click.echo("master key (กุญแจหลัก): from EOFFICE_MASTER_KEY")


@eoffice.command("rebuild-tallies")
@with_appcontext
def rebuild_tallies():
    """Count the letters per month (the clerks' home-page chart) afresh from the registers:
    after entries were imported around the app (SQL, a migration of old data)."""
    from app.extensions import db
    from app.services import tally

    total = tally.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"counted {total} letters into the monthly tallies")


@eoffice.command("expire-reservations")
@with_appcontext
def expire_reservations():
    """Cancel reserved numbers not filled in within RESERVATION_DAYS (run daily from cron)."""
    from app.extensions import db
    from app.services.correspondence import expire_reservations as expire

    click.echo(f"cancelled {expire(db.session)} expired reservations")


@eoffice.command("verify-audit")
@with_appcontext
def verify_audit():
    """Check the audit log's hash chain; exit 1 if it was tampered with."""
    from app.extensions import db
    from app.services.audit import verify_chain

    report = verify_chain(db.session)
    if report.ok:
        click.echo(f"audit log intact: {report.checked} entries")
    else:
        click.echo(f"audit log broken at seq {report.bad_seq}: {report.reason}", err=True)
        raise SystemExit(1)


def _print_logins(logins):
    from app.levels import level_label

    click.echo("")
    click.echo("Demo logins (ผู้ใช้งานทดลอง), one per level:")
    for level, username, password in logins:
        click.echo(f"  {level_label(level):<40} {username:<14} {password}")
    click.echo("")
