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

from sqlalchemy import select, text
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


# One statement, prepared once: the counter of the series' year, created on its first number,
# else advanced; it takes the counter's row lock, which queues the other clerks. The year is the
# calendar or the fiscal one by the series' basis, read in the same statement: on PostgreSQL under
# a shared lock on the series row (an administrator's change of basis waits for it); SQLite needs
# none, since the statement holds its write lock, which excludes every other writer.
_ISSUE_SQL = """
INSERT INTO number_counter (series_id, year, last_number)
SELECT id, CASE WHEN year_basis = :fiscal THEN :fiscal_year ELSE :calendar_year END, :count
  FROM number_series WHERE id = :series_id{lock}
ON CONFLICT (series_id, year)
  DO UPDATE SET last_number = number_counter.last_number + excluded.last_number
RETURNING year, last_number"""
_ISSUE = {
    "postgresql": text(_ISSUE_SQL.format(lock=" FOR SHARE")),
    "sqlite": text(_ISSUE_SQL.format(lock="")),  # the WHERE keeps SQLite's parser unambiguous
}


def issue(session, series, when=None, count=1):
    """Issue ``count`` consecutive numbers of ``series`` for the year of ``when`` (default now).

    Returns ``(year, [numbers])``. Nothing is committed here: the numbers belong to the caller's
    transaction and return to the counter if it rolls back.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    when = when or dt.datetime.now(dt.timezone.utc)
    day = thai.to_bangkok(when).date() if isinstance(when, dt.datetime) else when
    params = {"fiscal": YEAR_FISCAL, "fiscal_year": thai.fiscal_year(day),
              "calendar_year": thai.be_year(day), "count": count, "series_id": series.id}
    with session.no_autoflush:
        row = session.execute(_ISSUE[_dialect(session)], params).one_or_none()
    if row is None:
        raise LookupError(f"number series {series.id} does not exist")
    year, last = row
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
    from app.services.locks import lock_row

    if new_basis not in (YEAR_CALENDAR, YEAR_FISCAL):
        raise ValidationFailed("รอบปีของชุดเลขไม่ถูกต้อง")
    if new_basis == old_basis:
        return
    # Lock the series first: a clerk issuing now either finished before (and is seen below) or
    # waits for this change (numbering reads the basis under a shared lock).
    lock_row(session, _SERIES, series.id, "year_basis")
    issued = session.execute(
        select(_COUNTER.c.year).where(_COUNTER.c.series_id == series.id,
                                      _COUNTER.c.last_number > 0).limit(1)
    ).first()
    if issued is not None:
        raise ValidationFailed(
            "ชุดเลขนี้ออกเลขไปแล้ว เปลี่ยนรอบปีไม่ได้ (เลขของปีเดียวกันจะถูกนับซ้ำ) "
            "ให้เปลี่ยนได้ก่อนออกเลขแรกเท่านั้น")


COLUMN_MAX = 2**31 - 1  # numbers and years are integer columns: nothing beyond is one of them


def number_conditions(number_column, year_column, text, label, example):
    """The SQL conditions of a number searched as typed: ``12`` (any year) or ``12/2570``.
    Anything else is refused in Thai, naming ``label`` with ``example`` of what to type."""
    from app.services.errors import ValidationFailed

    number, _slash, year = str(text).strip().partition("/")
    try:
        values = [int(number)] + ([int(year)] if year else [])
    except ValueError:
        raise ValidationFailed(f"{label}ต้องเป็นตัวเลข เช่น {example}") from None
    if not all(0 < v <= COLUMN_MAX for v in values):
        raise ValidationFailed(f"ไม่มี{label}นี้ ({label}ต้องเป็นตัวเลข เช่น {example})")
    conditions = [number_column == values[0]]
    if year:
        conditions.append(year_column == values[1])
    return conditions

