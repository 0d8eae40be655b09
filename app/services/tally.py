"""The letters registered per month (``LetterTally``), kept as entries become letters.

An entry becomes a letter when it is registered (inserted not reserved) or when its reserved
number is filled in (status reserved -> active); it counts in the month of its registered_at, on
the Bangkok calendar. A reserved number that expires or is cancelled unfilled never counts; a
letter cancelled later stays counted (its number was used). A listener on the session's flush
does it, in the same transaction as the entry, whatever path wrote it (screens, API, dispatch,
the demo). Rows written around the ORM (a bulk import) are counted by ``rebuild``.

The same rule read from the entries themselves: not reserved, with a subject (a registered
letter always has one; a reservation never filled has none).
"""

from sqlalchemy import and_, delete, event, func, insert, select, text
from sqlalchemy.orm import Session

from app import thai
from app.models import LetterTally, RegisterEntry
from app.models.correspondence import STATUS_ACTIVE, STATUS_RESERVED


def month_of(registered_at):
    """'2026-11': the Bangkok month of a stored (UTC) time."""
    return f"{thai.to_bangkok(registered_at):%Y-%m}"


def _became_letter(entry, new):
    if new:
        return entry.status != STATUS_RESERVED
    from sqlalchemy import inspect

    history = inspect(entry).attrs.status.history
    return bool(history.deleted) and history.deleted[0] == STATUS_RESERVED \
        and entry.status == STATUS_ACTIVE


def _after_flush(session, flush_context):
    counts = {}
    for new, objects in ((True, session.new), (False, session.dirty)):
        for entry in objects:
            if isinstance(entry, RegisterEntry) and _became_letter(entry, new):
                key = (entry.register, entry.agency_id, entry.work_group_id or 0,
                       month_of(entry.registered_at))
                counts[key] = counts.get(key, 0) + 1
    if counts:
        add(session.connection(), counts)


_UPSERT = text(
    "INSERT INTO letter_tally (register, agency_id, work_group_id, month, count) "
    "VALUES (:register, :agency_id, :work_group_id, :month, :n) "
    "ON CONFLICT (register, agency_id, work_group_id, month) "
    "DO UPDATE SET count = letter_tally.count + excluded.count")


def add(connection, counts):
    """Add ``counts`` ({(register, agency_id, work_group_id, month): n}) to the tallies, in
    the caller's transaction (one statement per row: the same SQL on PostgreSQL and SQLite)."""
    for (register, agency_id, group_id, month), n in sorted(counts.items()):
        connection.execute(_UPSERT, {"register": register, "agency_id": agency_id,
                                     "work_group_id": group_id, "month": month, "n": n})


def month_expression(column, dialect):
    """The Bangkok 'YYYY-MM' of a UTC timestamp column, in SQL, on either database."""
    if dialect == "postgresql":
        return func.to_char(column + func.make_interval(0, 0, 0, 0, 7), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+7 hours")


def is_letter():
    """The rule, as a condition on the entries (see the module's docstring)."""
    return and_(RegisterEntry.status != STATUS_RESERVED, RegisterEntry.subject.isnot(None))


def recount(connection):
    """{(register, agency_id, work_group_id, month): n} counted from the entries themselves."""
    month = month_expression(RegisterEntry.registered_at, connection.dialect.name)
    group = func.coalesce(RegisterEntry.work_group_id, 0)
    rows = connection.execute(
        select(RegisterEntry.register, RegisterEntry.agency_id, group, month, func.count())
        .where(is_letter()).group_by(RegisterEntry.register, RegisterEntry.agency_id, group,
                                     month))
    return {(r, a, g, m): n for r, a, g, m, n in rows}


def rebuild(connection):
    """Count every tally again from the entries (after a bulk import). In the caller's
    transaction."""
    connection.execute(delete(LetterTally.__table__))
    counts = recount(connection)
    if counts:
        connection.execute(insert(LetterTally.__table__), [
            {"register": r, "agency_id": a, "work_group_id": g, "month": m, "count": n}
            for (r, a, g, m), n in counts.items()])
    return sum(counts.values())


def install_listeners():
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
