"""Row locks taken the same way on both databases."""

from sqlalchemy import update


def lock_row(session, table, row_id, column):
    """Lock one row of ``table`` for the rest of the transaction, by setting ``column`` (any
    column that is not a key) to itself: a row lock on PostgreSQL, the database's write lock on
    SQLite. Whoever comes second waits, then reads what the first committed."""
    session.execute(update(table).where(table.c.id == row_id)
                    .values({column: table.c[column]}))


def lock_and_reload(session, obj, column):
    """Lock ``obj``'s row (as ``lock_row``) and read it again: what is decided next is decided
    on what the previous holder of the lock committed, not on what this session read before."""
    lock_row(session, type(obj).__table__, obj.id, column)
    session.refresh(obj)
