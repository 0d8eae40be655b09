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
    from app.extensions import db
    from app.services.demo import demo_logins, load_demo, load_demo_contracts, load_demo_letters

    loaded = load_demo(db.session)
    click.echo("loaded the demo province" if loaded else "demo data already present: unchanged")
    if load_demo_letters(db.session):
        click.echo("registered the demo letters")
    if load_demo_contracts(db.session):
        click.echo("registered the demo contracts")
    _print_logins(demo_logins())


@eoffice.command("setup")
@click.option("--demo/--no-demo", "with_demo", default=False, help="also load the demo province")
@with_appcontext
def setup(with_demo):
    """Upgrade the database, sync the roles, and optionally load the demo province."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.services.audit import ensure_head
    from app.services.demo import demo_logins, load_demo, load_demo_contracts, load_demo_letters

    upgrade()
    with db.engine.begin() as conn:
        ensure_head(conn)
    current_app.appbuilder.sm.sync_roles()
    if with_demo:
        if load_demo(db.session):
            click.echo("loaded the demo province (จังหวัดพังงา)")
        if load_demo_letters(db.session):
            click.echo("registered the demo letters")
        if load_demo_contracts(db.session):
            click.echo("registered the demo contracts")
        _print_logins(demo_logins())


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
    from app.access import level_label

    click.echo("")
    click.echo("Demo logins (ผู้ใช้งานทดลอง), one per level:")
    for level, username, password in logins:
        click.echo(f"  {level_label(level):<40} {username:<14} {password}")
    click.echo("")
