"""Numbers per second of the numbering engine, issued the way a clerk issues them.

At 1, 4 and 16 concurrent clients (threads, each with its own database connection), every client
repeats what a clerk's save does: one transaction that issues a number of ONE shared series
(app.services.numbering.issue), inserts the register entry carrying it, and commits. After each
run the register is checked: the numbers of the series must be exactly 1..N (no gap, no
duplicate) and the counter must stand at N.

WARNING: THIS ERASES THE DATABASE IT IS GIVEN. It builds a fresh schema of its own: on PostgreSQL
it drops and recreates the `public` schema, on SQLite it deletes the file; then it migrates it
(flask_migrate.upgrade), syncs the roles and loads the demo province, as the test suite does.

It refuses a database that may hold real data. It goes ahead only when the database is empty, or
when it is plainly a test or demo database: nothing but the e-office's own tables, no other
schema holding tables, every demo account present and the demo `admin` still using the published
demo password (no real installation keeps that).

Target: at least 300 numbers/s at 16 clients, with zero gaps and zero duplicates.

Examples:
  .venv/bin/python bench/numbering.py                       # PostgreSQL, database bench_numbering
  .venv/bin/python bench/numbering.py --seconds 10
  .venv/bin/python bench/numbering.py --database sqlite     # a throw-away SQLite file
"""

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/bench_numbering"
CLIENTS = (1, 4, 16)
TARGET_PER_SECOND = 300
TARGET_CLIENTS = 16
SYSTEM_SCHEMAS = {"pg_catalog", "information_schema", "pg_toast"}


class Refused(Exception):
    """The database may hold real data: nothing was touched."""


# ---- which database, and is it safe to erase ---------------------------------------------------


def resolve_url(database):
    from config import normalise_database_url

    if database == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench-numbering-")
        return "sqlite:///" + os.path.join(folder, "bench.db")
    url = normalise_database_url(database)
    ensure_database(url)
    return url


def ensure_database(url):
    """Create the PostgreSQL database if it does not exist (its own, not the tests' `test`)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": parsed.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def _sqlite_path(url):
    return make_url(url).database


def check_disposable(url):
    """Raise Refused unless the database is empty or plainly a test/demo database."""
    from werkzeug.security import check_password_hash

    import app.models  # noqa: F401 - registers every e-office table on the metadata
    from flask_appbuilder import Model

    from app.services.demo import DEMO_PASSWORD, USERS

    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if not path or path == ":memory:":
            raise Refused("an in-memory SQLite database cannot be shared by clients: give a file")
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            return
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        if engine.dialect.name == "postgresql":
            for schema in insp.get_schema_names():
                if schema not in SYSTEM_SCHEMAS and schema != "public" and (
                        insp.get_table_names(schema=schema)):
                    raise Refused(f"schema {schema!r} holds tables: not a database of ours")
            tables = set(insp.get_table_names(schema="public"))
        else:
            tables = set(insp.get_table_names())
        if not tables:
            return
        ours = set(Model.metadata.tables) | {"alembic_version"}
        foreign = sorted(tables - ours)
        if foreign:
            raise Refused(f"tables that are not the e-office's: {', '.join(foreign[:10])}")
        if "ab_user" not in tables:
            raise Refused("e-office tables without users: a half-built database, not ours")
        with engine.connect() as conn:
            users = dict(conn.execute(text("SELECT username, password FROM ab_user")).all())
        missing = sorted({u[0] for u in USERS} - set(users))
        if missing:
            raise Refused(f"not a demo database: demo accounts missing ({', '.join(missing[:5])})")
        if not check_password_hash(users["admin"] or "", DEMO_PASSWORD):
            raise Refused("the admin account's password is not the demo password: real data?")
    finally:
        engine.dispose()


def other_sessions(url):
    """How many other connections the PostgreSQL database has (someone running tests?)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    finally:
        engine.dispose()


def erase(url):
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def build(url, instance_dir):
    """A migrated e-office on ``url``, roles synced and the demo province loaded (as make_app)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services.demo import load_demo

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret-key-for-the-numbering-benchmark-0123456789",
        "EOFFICE_INSTANCE_DIR": instance_dir,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        app.appbuilder.sm.sync_roles()
        load_demo(db.session)
        db.session.remove()
    return app


# ---- the run ---------------------------------------------------------------------------------


def utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def run(engine, clients, seconds, clerk):
    from app.models import NumberSeries, RegisterEntry
    from app.services import numbering

    user_id, agency_id = clerk
    with Session(engine) as s:
        series = numbering.get_series(
            s, key=f"bench:{clients}:{uuid.uuid4().hex[:12]}", kind="agency_in",
            agency_id=agency_id)
        s.commit()
        series_id = series.id

    clock = {}

    def start():  # run by the barrier once every client is connected
        clock["start"] = time.perf_counter()
        clock["deadline"] = clock["start"] + seconds

    barrier = threading.Barrier(clients, action=start)
    latencies = [[] for _ in range(clients)]
    issued = [0] * clients
    errors = []
    ended = [0.0] * clients

    def client(i):
        try:
            with engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as s:
                mine = s.get(NumberSeries, series_id)
                s.commit()
                barrier.wait(timeout=60)
                deadline = clock["deadline"]
                while True:
                    t0 = time.perf_counter()
                    try:
                        year, [number] = numbering.issue(s, mine)
                        s.add(RegisterEntry(
                            register="agency_in", series_id=series_id, year=year, number=number,
                            agency_id=agency_id, registered_by_id=user_id,
                            registered_at=utcnow(), subject=f"bench client {i}"))
                        s.commit()
                    except Exception as e:  # noqa: BLE001 - counted and shown, the run goes on
                        s.rollback()
                        errors.append(repr(e))
                        if len(errors) > 100:
                            return
                        continue
                    t1 = time.perf_counter()
                    latencies[i].append(t1 - t0)
                    issued[i] += 1
                    if t1 >= deadline:
                        break
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
            barrier.abort()
        finally:
            ended[i] = time.perf_counter()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(ended) - clock.get("start", max(ended))

    # The check: per year, the register holds exactly 1..last_number of the counter.
    from app.models import NumberCounter

    gaps = duplicates = beyond = 0
    with Session(engine) as s:
        rows = s.execute(
            select(RegisterEntry.year, RegisterEntry.number)
            .where(RegisterEntry.series_id == series_id)).all()
        counters = dict(s.execute(
            select(NumberCounter.year, NumberCounter.last_number)
            .where(NumberCounter.series_id == series_id)).all())
    by_year = {}
    for year, number in rows:
        by_year.setdefault(year, []).append(number)
    for year in set(by_year) | set(counters):
        numbers = by_year.get(year, [])
        seen = Counter(numbers)
        last = counters.get(year, 0)
        duplicates += sum(c - 1 for c in seen.values())
        gaps += sum(1 for n in range(1, last + 1) if n not in seen)
        beyond += sum(1 for n in seen if not 1 <= n <= last)

    flat = sorted(x for per in latencies for x in per)
    total = sum(issued)
    return {
        "clients": clients,
        "numbers": total,
        "stored": len(rows),
        "seconds": elapsed,
        "rate": total / elapsed if elapsed > 0 else float("nan"),
        "p50": percentile(flat, 50) * 1000,
        "p95": percentile(flat, 95) * 1000,
        "gaps": gaps,
        "duplicates": duplicates,
        "beyond": beyond,
        "errors": errors,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="bench/numbering.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help=f"database URL, ERASED first (default {DEFAULT_DATABASE}); "
                             "'sqlite' for a throw-away SQLite file")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="how long each run lasts (default 5)")
    args = parser.parse_args(argv)

    url = resolve_url(args.database)
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        check_disposable(url)
    except Refused as e:
        print(f"REFUSED: {shown} may hold real data ({e}).\n"
              "This benchmark erases the database it is given; nothing was touched. "
              "Point it at an empty database, or at a test database.", file=sys.stderr)
        return 2
    if url.startswith("postgresql"):
        busy = other_sessions(url)
        if busy:
            print(f"warning: {busy} other connection(s) to this database: anyone using it "
                  "(a test run?) will lose its tables now", file=sys.stderr)

    print(f"erasing and rebuilding {shown} (fresh schema, migrations, demo province) ...",
          file=sys.stderr)
    erase(url)
    instance = tempfile.mkdtemp(prefix="bench-numbering-instance-")
    app = build(url, instance)

    from app.extensions import db
    from app.models import EOfficeUser

    with app.app_context():
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        bound = db.engine.url
    engine = create_engine(bound, pool_size=max(CLIENTS) + 2, max_overflow=0, **options)
    with Session(engine) as s:
        clerk = s.execute(select(EOfficeUser.id, EOfficeUser.agency_id)
                          .where(EOfficeUser.username == "clerk.dopa")).one()
        server = s.execute(text(
            "SELECT version()" if engine.dialect.name == "postgresql"
            else "SELECT 'SQLite ' || sqlite_version()")).scalar_one().split(",")[0]

    print(f"database: {shown} ({server})")
    print(f"each number: issue + INSERT register_entry + COMMIT in one transaction, one series, "
          f"{args.seconds:g} s per run")
    header = (f"{'clients':>7} {'numbers':>8} {'seconds':>8} {'numbers/s':>10} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'gaps':>5} {'duplicates':>10}  errors")
    print(header)
    print("-" * len(header))
    results = []
    for clients in CLIENTS:
        r = run(engine, clients, args.seconds, tuple(clerk))
        results.append(r)
        target = ""
        if clients == TARGET_CLIENTS:
            met = r["rate"] >= TARGET_PER_SECOND and r["gaps"] == 0 and r["duplicates"] == 0
            target = (f"   target >= {TARGET_PER_SECOND}/s, 0 gaps: "
                      f"{'MET' if met else 'NOT MET'}")
        print(f"{r['clients']:>7} {r['numbers']:>8} {r['seconds']:>8.2f} {r['rate']:>10.1f} "
              f"{r['p50']:>8.2f} {r['p95']:>8.2f} {r['gaps']:>5} {r['duplicates']:>10}  "
              f"{len(r['errors'])}{target}", flush=True)
    engine.dispose()

    bad = False
    for r in results:
        if r["stored"] != r["numbers"]:
            print(f"{r['clients']} clients: {r['numbers']} numbers committed but "
                  f"{r['stored']} rows stored", file=sys.stderr)
            bad = True
        if r["beyond"]:
            print(f"{r['clients']} clients: {r['beyond']} stored numbers beyond the counter",
                  file=sys.stderr)
            bad = True
        if r["errors"]:
            print(f"{r['clients']} clients: {len(r['errors'])} failed transactions, first: "
                  f"{r['errors'][0]}", file=sys.stderr)
        bad = bad or r["gaps"] or r["duplicates"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
