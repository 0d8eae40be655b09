"""The numbering engine against the real database (SQLite file or PostgreSQL, see conftest).

Numbers must never be lost, doubled or skipped: many clerks at once, a save that fails, the turn of
the calendar year and of the fiscal year, blocks of numbers, and a series created by many at once.
Every thread here has its own connection, as every clerk's request has in production.
"""

import datetime as dt
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import EOfficeUser, NumberCounter, NumberSeries, RegisterEntry
from app.models.correspondence import YEAR_CALENDAR, YEAR_FISCAL
from app.services import numbering

THREADS = 16
PER_THREAD = 15
UTC = dt.timezone.utc
MID_2026 = dt.datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # BE 2569 on either basis


def utcnow():
    return dt.datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def engine(app):
    """An engine of our own on the app's database, with a connection for every thread."""
    with app.app_context():
        url = db.engine.url
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    eng = create_engine(url, pool_size=THREADS + 4, max_overflow=0, pool_timeout=30, **options)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def clerk(engine):
    """(user id, agency id) of a demo clerk: who registers the entries."""
    with Session(engine) as s:
        user = s.execute(
            select(EOfficeUser).where(EOfficeUser.username == "clerk.dopa")
        ).scalar_one()
        assert user.agency_id is not None
        return user.id, user.agency_id


def new_series(engine, clerk, name, year_basis=YEAR_CALENDAR):
    """A fresh series (unique key), committed; returns its id."""
    with Session(engine) as s:
        series = numbering.get_series(
            s, key=f"test-numbering:{name}:{uuid.uuid4().hex[:12]}", kind="agency_in",
            agency_id=clerk[1], year_basis=year_basis)
        s.commit()
        return series.id


def entry(clerk, series_id, year, number, **fields):
    user_id, agency_id = clerk
    values = dict(register="agency_in", series_id=series_id, year=year, number=number,
                  agency_id=agency_id, registered_by_id=user_id, registered_at=utcnow())
    values.update(fields)
    return RegisterEntry(**values)


def register_numbers(engine, series_id, year):
    with Session(engine) as s:
        return list(s.execute(
            select(RegisterEntry.number)
            .where(RegisterEntry.series_id == series_id, RegisterEntry.year == year)
            .order_by(RegisterEntry.number)
        ).scalars())


def last_issued(engine, series_id, year):
    with Session(engine) as s:
        return numbering.last_issued(s, s.get(NumberSeries, series_id), year)


def run_threads(n, fn):
    """Run fn(i, barrier) in n threads started together; re-raise the first failure."""
    barrier = threading.Barrier(n)

    def guarded(i):
        try:
            return fn(i, barrier)
        except BaseException:
            barrier.abort()  # nobody waits 30 s for a thread that is gone
            raise

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(guarded, i) for i in range(n)]
        return [f.result(timeout=120) for f in futures]


# ---- many clerks at once --------------------------------------------------------------------------


def test_concurrent_clerks_get_every_number_exactly_once(engine, clerk):
    series_id = new_series(engine, clerk, "concurrent")  # its counter row does not exist yet

    def clerk_thread(i, barrier):
        got = []
        with engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as s:
            series = s.get(NumberSeries, series_id)
            s.commit()
            barrier.wait(timeout=30)
            for k in range(PER_THREAD):
                year, numbers = numbering.issue(s, series, when=MID_2026)
                assert len(numbers) == 1
                s.add(entry(clerk, series_id, year, numbers[0], subject=f"clerk {i} letter {k}"))
                s.commit()
                got.append((year, numbers[0]))
        return got

    results = run_threads(THREADS, clerk_thread)

    total = THREADS * PER_THREAD
    assert {year for got in results for year, _ in got} == {2569}
    issued = sorted(n for got in results for _, n in got)
    assert issued == list(range(1, total + 1)), "a number was doubled or skipped"
    for got in results:  # each clerk's numbers rise: nobody read a stale counter
        assert [n for _, n in got] == sorted(n for _, n in got)

    assert register_numbers(engine, series_id, 2569) == list(range(1, total + 1))
    assert last_issued(engine, series_id, 2569) == total
    with Session(engine) as s:
        # The row holding each number is the one its clerk saved with it.
        subjects = dict(s.execute(
            select(RegisterEntry.number, RegisterEntry.subject)
            .where(RegisterEntry.series_id == series_id)).all())
        counters = s.execute(
            select(func.count()).select_from(NumberCounter)
            .where(NumberCounter.series_id == series_id)).scalar_one()
    for i, got in enumerate(results):
        for k, (_, n) in enumerate(got):
            assert subjects[n] == f"clerk {i} letter {k}"
    assert counters == 1  # the counter created on first use by 16 clerks at once exists once


def test_concurrent_blocks_are_consecutive_and_never_overlap(engine, clerk):
    series_id = new_series(engine, clerk, "blocks")
    sizes = [1, 3, 2, 4]

    def clerk_thread(i, barrier):
        blocks = []
        with engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as s:
            series = s.get(NumberSeries, series_id)
            s.commit()
            barrier.wait(timeout=30)
            for size in sizes:
                year, numbers = numbering.issue(s, series, when=MID_2026, count=size)
                s.add_all(entry(clerk, series_id, year, n) for n in numbers)
                s.commit()
                blocks.append(numbers)
        return blocks

    results = run_threads(8, clerk_thread)
    total = 8 * sum(sizes)
    for blocks in results:
        for block, size in zip(blocks, sizes):
            assert block == list(range(block[0], block[0] + size))
    assert sorted(n for blocks in results for b in blocks for n in b) == list(range(1, total + 1))
    assert register_numbers(engine, series_id, 2569) == list(range(1, total + 1))
    assert last_issued(engine, series_id, 2569) == total


# ---- a failed save gives its number back --------------------------------------------------------


def test_failed_save_gives_its_number_back(engine, clerk):
    series_id = new_series(engine, clerk, "rollback")
    with Session(engine) as s:
        series = s.get(NumberSeries, series_id)

        year, [first] = numbering.issue(s, series, when=MID_2026)
        s.add(entry(clerk, series_id, year, first))
        s.commit()
        assert (year, first) == (2569, 1)

        # The entry violates NOT NULL: the database refuses it, the transaction rolls back.
        year, [n] = numbering.issue(s, series, when=MID_2026)
        assert n == 2
        s.add(entry(clerk, series_id, year, n, registered_by_id=None))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
        assert last_issued(engine, series_id, 2569) == 1  # seen from another connection

        # The entry collides with number 1 (the unique constraint): rolled back likewise.
        year, [n] = numbering.issue(s, series, when=MID_2026)
        assert n == 2
        s.add(entry(clerk, series_id, year, first))
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
        assert last_issued(engine, series_id, 2569) == 1

        # The application itself fails between issuing and saving.
        with pytest.raises(RuntimeError):
            try:
                numbering.issue(s, series, when=MID_2026)
                raise RuntimeError("the upload failed")
            except RuntimeError:
                s.rollback()
                raise
        assert last_issued(engine, series_id, 2569) == 1

        year, [n] = numbering.issue(s, series, when=MID_2026)
        assert n == 2  # the same number, three failures later
        s.add(entry(clerk, series_id, year, n))
        s.commit()

    assert register_numbers(engine, series_id, 2569) == [1, 2]
    assert last_issued(engine, series_id, 2569) == 2


# ---- years ---------------------------------------------------------------------------------------


def test_calendar_year_restarts_at_midnight_bangkok_on_new_year(engine, clerk):
    series_id = new_series(engine, clerk, "calendar")
    last_minute_2569 = dt.datetime(2026, 12, 31, 16, 59, tzinfo=UTC)  # 31 Dec 2569 23:59 Bangkok
    first_minute_2570 = dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 Jan 2570 00:00 Bangkok
    with Session(engine) as s:
        series = s.get(NumberSeries, series_id)
        assert numbering.issue(s, series, when=last_minute_2569) == (2569, [1])
        assert numbering.issue(s, series, when=last_minute_2569) == (2569, [2])
        assert numbering.issue(s, series, when=first_minute_2570) == (2570, [1])
        # A naive datetime is UTC, as stored; an aware one in Bangkok is the same instant.
        assert numbering.issue(s, series, when=first_minute_2570.replace(tzinfo=None)) == (
            2570, [2])
        bangkok = first_minute_2570.astimezone(dt.timezone(dt.timedelta(hours=7)))
        assert numbering.issue(s, series, when=bangkok) == (2570, [3])
        # A late entry of the old year continues the old year's numbers.
        assert numbering.issue(s, series, when=last_minute_2569) == (2569, [3])
        s.commit()
    assert last_issued(engine, series_id, 2569) == 3
    assert last_issued(engine, series_id, 2570) == 3


def test_fiscal_year_restarts_on_1_october_bangkok(engine, clerk):
    fiscal_id = new_series(engine, clerk, "fiscal", year_basis=YEAR_FISCAL)
    calendar_id = new_series(engine, clerk, "calendar-vs-fiscal")
    last_minute_fy2569 = dt.datetime(2026, 9, 30, 16, 59, tzinfo=UTC)  # 30 Sep 2026 23:59 Bangkok
    first_minute_fy2570 = dt.datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 1 Oct 2026 00:00 Bangkok
    new_year_2570 = dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 Jan 2027 00:00 Bangkok
    with Session(engine) as s:
        fiscal = s.get(NumberSeries, fiscal_id)
        assert fiscal.year_basis == YEAR_FISCAL
        assert numbering.issue(s, fiscal, when=last_minute_fy2569) == (2569, [1])
        assert numbering.issue(s, fiscal, when=last_minute_fy2569) == (2569, [2])
        assert numbering.issue(s, fiscal, when=first_minute_fy2570) == (2570, [1])
        # 1 January does not restart a fiscal series: still fiscal year 2570.
        assert numbering.issue(s, fiscal, when=new_year_2570) == (2570, [2])
        assert numbering.issue(s, fiscal, when=dt.date(2027, 9, 30)) == (2570, [3])
        assert numbering.issue(s, fiscal, when=dt.date(2027, 10, 1)) == (2571, [1])

        # A calendar series runs straight through 1 October.
        calendar = s.get(NumberSeries, calendar_id)
        assert numbering.issue(s, calendar, when=last_minute_fy2569) == (2569, [1])
        assert numbering.issue(s, calendar, when=first_minute_fy2570) == (2569, [2])
        s.commit()
    assert last_issued(engine, fiscal_id, 2569) == 2
    assert last_issued(engine, fiscal_id, 2570) == 3
    assert last_issued(engine, fiscal_id, 2571) == 1


# ---- blocks ------------------------------------------------------------------------------------


def test_count_issues_a_consecutive_block(engine, clerk):
    series_id = new_series(engine, clerk, "count")
    with Session(engine) as s:
        series = s.get(NumberSeries, series_id)
        assert numbering.issue(s, series, when=MID_2026, count=5) == (2569, [1, 2, 3, 4, 5])
        assert numbering.issue(s, series, when=MID_2026) == (2569, [6])
        assert numbering.issue(s, series, when=MID_2026, count=3) == (2569, [7, 8, 9])
        s.add_all(entry(clerk, series_id, 2569, n) for n in range(1, 10))
        s.commit()

        # A block rolled back returns whole.
        assert numbering.issue(s, series, when=MID_2026, count=4) == (2569, [10, 11, 12, 13])
        s.rollback()
        assert numbering.issue(s, series, when=MID_2026, count=2) == (2569, [10, 11])
        s.add_all(entry(clerk, series_id, 2569, n) for n in (10, 11))
        s.commit()

        for bad in (0, -1):
            with pytest.raises(ValueError):
                numbering.issue(s, series, when=MID_2026, count=bad)
        s.rollback()
    assert register_numbers(engine, series_id, 2569) == list(range(1, 12))
    assert last_issued(engine, series_id, 2569) == 11


# ---- a series created by many at once -----------------------------------------------------------


def test_get_series_created_by_many_at_once_exists_once(engine, clerk):
    key = f"test-numbering:first-use:{uuid.uuid4().hex[:12]}"
    opened = threading.Event()

    def clerk_thread(i, barrier):
        with engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as s:
            barrier.wait(timeout=30)
            series = numbering.get_series(s, key=key, kind="agency_in", agency_id=clerk[1])
            # The first use of a new register: its first number, in the same transaction.
            year, [n] = numbering.issue(s, series, when=MID_2026)
            s.add(entry(clerk, series.id, year, n, subject=f"clerk {i}"))
            if not opened.is_set():
                opened.set()
                time.sleep(0.05)  # hold the new row a moment: the others must wait
            s.commit()
            return series.id, n

    results = run_threads(THREADS, clerk_thread)

    ids = {series_id for series_id, _ in results}
    assert len(ids) == 1
    with Session(engine) as s:
        rows = s.execute(select(NumberSeries).where(NumberSeries.key == key)).scalars().all()
        assert [r.id for r in rows] == list(ids)
        assert (rows[0].kind, rows[0].agency_id) == ("agency_in", clerk[1])
    assert sorted(n for _, n in results) == list(range(1, THREADS + 1))
    assert register_numbers(engine, ids.pop(), 2569) == list(range(1, THREADS + 1))


# ---- the year basis against a clerk issuing at the same moment ------------------------------------

NOV_2026 = dt.datetime(2026, 11, 15, 3, 0, tzinfo=UTC)  # calendar year 2569, fiscal year 2570


def _in_thread(fn):
    """Start fn() in a thread; returns (thread, box) where box gets 'value' or 'error'."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_a_change_of_year_basis_waits_for_a_number_being_issued_then_is_refused(engine, clerk):
    from app.services.errors import ValidationFailed

    series_id = new_series(engine, clerk, "basis-race-1")
    with Session(engine) as clerk_session:
        series = clerk_session.get(NumberSeries, series_id)
        assert numbering.issue(clerk_session, series, when=NOV_2026) == (2569, [1])

        def change():
            with Session(engine) as admin:
                numbering.check_year_basis_change(
                    admin, admin.get(NumberSeries, series_id), YEAR_FISCAL, YEAR_CALENDAR)
                admin.commit()

        thread, box = _in_thread(change)
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the change did not wait for the number being issued"
        clerk_session.add(entry(clerk, series_id, 2569, 1))
        clerk_session.commit()
    thread.join(timeout=30)
    assert isinstance(box.get("error"), ValidationFailed), box
    with Session(engine) as s:
        assert s.get(NumberSeries, series_id).year_basis == YEAR_CALENDAR


def test_a_number_issued_during_a_change_of_year_basis_follows_the_new_basis(engine, clerk):
    series_id = new_series(engine, clerk, "basis-race-2")
    with Session(engine) as admin:
        series = admin.get(NumberSeries, series_id)
        numbering.check_year_basis_change(admin, series, YEAR_FISCAL, YEAR_CALENDAR)
        series.year_basis = YEAR_FISCAL
        admin.flush()

        def issue():
            with Session(engine) as s:
                issued = numbering.issue(s, s.get(NumberSeries, series_id), when=NOV_2026)
                s.add(entry(clerk, series_id, issued[0], issued[1][0]))
                s.commit()
                return issued

        thread, box = _in_thread(issue)
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the number did not wait for the change of basis"
        admin.commit()
    thread.join(timeout=30)
    assert box.get("value") == (2570, [1]), box  # November: fiscal year 2570, not 2569
