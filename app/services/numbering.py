"""The numbering engine: every number of the e-office (registers, later contracts) comes from here.

A series (``NumberSeries``) has one counter row per year (``NumberCounter``). Issuing a number is
one ``INSERT ... ON CONFLICT DO UPDATE SET last_number = last_number + n RETURNING last_number`` in
the caller's transaction, so that:

- the counter row stays locked until that transaction ends: PostgreSQL queues concurrent clerks
  on the row lock, SQLite on its single write lock; nobody reads a stale value;
- if the entry fails to save, the rollback gives the number back: no gap;
- the unique constraint on (series, year, number) of the entries is the backstop.

A database sequence is deliberately not used: sequences leave gaps by design.

The year is the Buddhist-Era calendar year in Bangkok (from 1 January), or the fiscal year (from
1 October) for a series whose ``year_basis`` is fiscal.

The caller must issue before it flushes anything else audited in the same transaction, so that
every transaction takes the counter lock before the audit log's, and none waits on the other.
"""

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import thai
from app.models import NumberCounter, NumberSeries
from app.models.correspondence import YEAR_CALENDAR, YEAR_FISCAL

_COUNTER = NumberCounter.__table__
_SERIES = NumberSeries.__table__


def _insert(session, table):
    """An INSERT ... ON CONFLICT DO NOTHING for the session's database."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def year_of(year_basis, when):
    """The Buddhist-Era year of ``when`` (UTC naive, or aware) in a series with ``year_basis``."""
    day = thai.to_bangkok(when).date() if isinstance(when, dt.datetime) else when
    if year_basis == YEAR_FISCAL:
        return thai.fiscal_year(day)
    return thai.be_year(day)


def get_series(session, key, kind, agency_id=None, work_group_id=None, secret=False,
               year_basis=YEAR_CALENDAR):
    """The series named ``key``, created on first use (safely when many create it at once).

    Nothing pending in the session is flushed here (no autoflush), so that the caller's audited
    changes cannot take the audit log's lock before the counter's."""
    with session.no_autoflush:
        found = session.execute(
            select(NumberSeries).where(NumberSeries.key == key)).scalar_one_or_none()
        if found is not None:
            return found
        session.execute(
            _insert(session, _SERIES)
            .values(key=key, kind=kind, agency_id=agency_id, work_group_id=work_group_id,
                    secret=secret, year_basis=year_basis)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        return session.execute(
            select(NumberSeries).where(NumberSeries.key == key)).scalar_one()


def _dialect(session):
    return session.get_bind().dialect.name


def _year_basis_locked(session, series_id):
    """The series' year basis, read so that it cannot change before this transaction ends: a
    shared row lock on PostgreSQL (the administrator's change waits for it), the write lock on
    SQLite (taken by a no-op write first, since SQLite locks the whole file)."""
    if _dialect(session) == "postgresql":
        stmt = select(_SERIES.c.year_basis).where(_SERIES.c.id == series_id).with_for_update(
            read=True)
        return session.execute(stmt).scalar_one()
    session.execute(update(_SERIES).where(_SERIES.c.id == series_id)
                    .values(year_basis=_SERIES.c.year_basis))
    return session.execute(
        select(_SERIES.c.year_basis).where(_SERIES.c.id == series_id)).scalar_one()


def issue(session, series, when=None, count=1):
    """Issue ``count`` consecutive numbers of ``series`` for the year of ``when`` (default now).

    Returns ``(year, [numbers])``. Nothing is committed here: the numbers belong to the caller's
    transaction and return to the counter if it rolls back. One upsert both creates the year's
    counter on its first number and takes the row lock that queues the other clerks.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    when = when or dt.datetime.now(dt.timezone.utc)
    with session.no_autoflush:
        year = year_of(_year_basis_locked(session, series.id), when)
        stmt = _insert(session, _COUNTER).values(series_id=series.id, year=year,
                                                 last_number=count)
        stmt = stmt.on_conflict_do_update(
            index_elements=["series_id", "year"],
            set_={"last_number": _COUNTER.c.last_number + count},
        ).returning(_COUNTER.c.last_number)
        last = session.execute(stmt).scalar_one()
    return year, list(range(last - count + 1, last + 1))


def last_issued(session, series, year):
    """The last number issued in ``series`` for ``year`` (0 when none)."""
    value = session.execute(
        select(_COUNTER.c.last_number)
        .where(_COUNTER.c.series_id == series.id, _COUNTER.c.year == year)
    ).scalar_one_or_none()
    return value or 0


def check_year_basis_change(session, series, new_basis, old_basis):
    """A series may switch between calendar and fiscal years only before it issues a number:
    afterwards the same letter year would be counted twice."""
    from app.services.errors import ValidationFailed

    if new_basis not in (YEAR_CALENDAR, YEAR_FISCAL):
        raise ValidationFailed("รอบปีของชุดเลขไม่ถูกต้อง")
    if new_basis == old_basis:
        return
    # Lock the series first: a clerk issuing now either finished before (and is seen below) or
    # waits for this change (numbering reads the basis under a shared lock).
    session.execute(update(_SERIES).where(_SERIES.c.id == series.id)
                    .values(year_basis=_SERIES.c.year_basis))
    issued = session.execute(
        select(_COUNTER.c.year).where(_COUNTER.c.series_id == series.id,
                                      _COUNTER.c.last_number > 0).limit(1)
    ).first()
    if issued is not None:
        raise ValidationFailed(
            "ชุดเลขนี้ออกเลขไปแล้ว เปลี่ยนรอบปีไม่ได้ (เลขของปีเดียวกันจะถูกนับซ้ำ) "
            "ให้เปลี่ยนได้ก่อนออกเลขแรกเท่านั้น")
