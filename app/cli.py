"""`flask --app app eoffice ...`: the project's own commands, in one group.

`serve` is `make run`: it says which database and instance folder it uses, refuses a busy port
in one Thai line before anything starts, sets up as `setup` does, serves with gunicorn and prints
the demo logins once the server answers HTTP."""

import errno
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url


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


def _load_demo(print_logins=True):
    """Load what of the demo province is missing, say what was loaded and print the demo
    logins (unless told not to: `serve` prints them once the server answers); False if the
    province was there already."""
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
    if print_logins:
        _print_logins(demo.console_logins())
    return loaded


@eoffice.command("setup")
@click.option("--demo/--no-demo", "with_demo", default=False, help="also load the demo province")
@with_appcontext
def setup(with_demo):
    """Upgrade the database, sync the roles, and optionally load the demo province."""
    _setup(with_demo)


def _setup(with_demo, print_logins=True):
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
        _load_demo(print_logins)
    _print_master_key()


@eoffice.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, envvar="PORT", default=8080, show_default=True)
@click.option("--workers", type=int, envvar="WORKERS", default=2, show_default=True)
@click.option("--demo/--no-demo", "with_demo", default=False, help="also load the demo province")
@with_appcontext
def serve(host, port, workers, with_demo):
    """`make run`: say which database and instance folder, refuse a busy port in one line,
    set up (as `setup`), serve with gunicorn, and print the demo logins once it answers."""
    config = current_app.config
    for line in describe(config):
        click.echo(line)
    _refuse_a_busy_port(host, port)
    _setup(with_demo, print_logins=False)
    from app.extensions import db

    db.session.remove()
    db.engine.dispose()  # the workers open their own connections
    _refuse_a_busy_port(host, port)  # taken while the database was being set up?
    code = run_gunicorn(host, port, workers, on_ready=lambda url: _ready(url, with_demo),
                        echo=click.echo)
    raise click.exceptions.Exit(code)


def _refuse_a_busy_port(host, port):
    """One Thai line and exit status 1, rather than gunicorn's tracebacks."""
    busy = port_busy(host, port)
    if busy:
        click.echo(busy, err=True)
        raise click.exceptions.Exit(1)


def _ready(url, with_demo):
    from app.services import demo

    click.echo(f"Serving on {url} (ระบบพร้อมใช้งานที่ {url})")
    if with_demo:
        _print_logins(demo.console_logins())


def _print_master_key():
    """Where the master key of secret letters' files lives and that it must be backed up; never
    the key itself."""
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
    click.echo("")
    click.echo("Demo logins (ผู้ใช้งานทดลอง), one per level and the executives' secretary:")
    width = max(_width(label) for label, _u, _p in logins) + 2
    for label, username, password in logins:
        click.echo(f"  {label}{' ' * (width - _width(label))}{username:<14} {password}")
    click.echo("")


def _width(text):
    """Columns ``text`` takes on a terminal: Thai vowels and tone marks above and below a
    consonant take none."""
    return sum(unicodedata.category(ch) not in ("Mn", "Me", "Cf") for ch in str(text))


# ---- serving (`serve`, which `make run` calls) -------------------------------------------------
# Gunicorn runs as a child process: its workers build their own apps, and the server is ready
# only once one of them answers a request, not when the command that started it returns.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READY_PATH = "/login/"
POLL_SECONDS = 0.25
SLOW_SECONDS = 60  # then say that it is still starting
_SECRET_QUERY = re.compile(r"pass|secret|token|key", re.I)


def describe_database(url):
    """The database as the console names it: a SQLite file by its full path, any other by its
    URL without a password (nor a query argument that could carry one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return "SQLite ในหน่วยความจำ (in memory)"
        return f"SQLite ไฟล์ {os.path.abspath(parsed.database)}"
    shown = URL.create(parsed.drivername, username=parsed.username, host=parsed.host,
                       port=parsed.port, database=parsed.database,
                       query={k: v for k, v in parsed.query.items()
                              if not _SECRET_QUERY.search(k)})
    return shown.render_as_string(hide_password=False)


def describe(config):
    """The lines `serve` starts with: the database, the instance folder, the attachments."""
    return [
        f"ฐานข้อมูล (database): {describe_database(config['SQLALCHEMY_DATABASE_URI'])}",
        f"ข้อมูลของระบบ (instance): {os.path.abspath(config['INSTANCE_DIR'])}",
        f"  ไฟล์แนบ (attachments): {os.path.abspath(config['ATTACHMENTS_DIR'])}",
    ]


def port_busy(host, port):
    """None if ``host:port`` can be listened on (as gunicorn will: SO_REUSEADDR, so that a
    closed server's lingering connections do not count); else one Thai line saying why and
    what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OverflowError:
            return f"พอร์ต {port} ไม่ถูกต้อง (ต้องอยู่ระหว่าง 1 ถึง 65535): เช่น PORT=8080 make run"
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (f"พอร์ต {port} ถูกใช้งานอยู่แล้ว (อาจเป็น make run อีกชุดหรือโปรแกรมอื่น): "
                        f"ปิดโปรแกรมนั้นก่อน หรือใช้พอร์ตอื่น เช่น PORT={_other(port)} make run")
            if e.errno == errno.EACCES:
                return (f"ไม่มีสิทธิ์เปิดพอร์ต {port} (พอร์ตต่ำกว่า 1024 ต้องใช้สิทธิ์ root): "
                        "ใช้พอร์ตอื่น เช่น PORT=8080 make run")
            return (f"เปิดพอร์ต {port} ที่ {host} ไม่ได้ ({e.strerror}): "
                    f"ตรวจสอบชื่อเครื่อง หรือใช้พอร์ตอื่น เช่น PORT={_other(port)} make run")
    return None


def _other(port):
    return port + 1 if 0 < port < 65535 else 8081


def gunicorn_command(host, port, workers):
    return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--access-logfile", "-", "--chdir", ROOT,
            "app:create_app()"]


def answers(url, timeout=2.0):
    """Whether a server answers HTTP at ``url`` (any status: an answer is an answer)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"),
                                    timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def wait_until_answers(url, process, echo, clock=time.monotonic):
    """Poll ``url`` until it answers (True) or ``process`` ends first (False)."""
    started, warned = clock(), False
    while process.poll() is None:
        if answers(url):
            return True
        if not warned and clock() - started > SLOW_SECONDS:
            echo(f"เซิร์ฟเวอร์ยังไม่ตอบที่ {url} หลังผ่านไป {SLOW_SECONDS} วินาที: ยังรออยู่ "
                 "(ดูข้อความของ gunicorn ด้านบน)")
            warned = True
        time.sleep(POLL_SECONDS)
    return False


def run_gunicorn(host, port, workers, on_ready, echo):
    """Serve with gunicorn until it stops; ``on_ready(url)`` once it first answers HTTP.
    Returns gunicorn's exit status. SIGTERM is passed on to gunicorn; Ctrl-C reaches it
    directly (one process group), and its workers are then waited for."""
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    process = subprocess.Popen(gunicorn_command(host, port, workers))
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        if wait_until_answers(url + READY_PATH, process, echo):
            on_ready(url)
        else:
            echo("gunicorn หยุดทำงานก่อนพร้อมให้บริการ: ดูสาเหตุจากข้อความด้านบน", err=True)
        return process.wait()
    except KeyboardInterrupt:
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
