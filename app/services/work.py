"""One unit of work: a service's change, rows and files, all of it or nothing.

Every service that changes something does it inside ``unit_of_work``::

    with unit_of_work(session) as work:
        session.add(entry)
        work.store(entry, checked, actor.id, now, directory)

At the end of the block the transaction commits. Whatever fails inside it (a refusal, the rows,
a file, the commit itself) rolls the transaction back, so that a number issued in it returns to
its counter, and removes every file written in it, before the error goes on to the caller (the
views answer it through ``app.views.errors``). Nothing is ever half written.
"""

import contextlib

from app.services import attachments


class Work:
    """What ``unit_of_work`` hands out: the file operations of ``attachments`` bound to the
    session, keeping the paths they wrote so that a failure can remove them."""

    def __init__(self, session):
        self.session, self.written = session, []

    def store(self, owner, checked, actor_id, now, directory, **options):
        paths = attachments.store(self.session, owner, checked, actor_id, now, directory,
                                  **options)
        self.written.extend(paths)
        return paths

    def copy(self, source, owner, now, directory):
        path = attachments.copy(self.session, source, owner, now, directory)
        self.written.append(path)
        return path


@contextlib.contextmanager
def unit_of_work(session):
    """Commit what the block did, or roll it back and remove its files (see the module)."""
    work = Work(session)
    try:
        yield work
        session.commit()
    except BaseException:
        session.rollback()
        attachments.discard(work.written)
        raise
