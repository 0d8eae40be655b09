"""One page of a list: the rows of page ``page`` (from 1), and whether another page follows.

Every list of the screens and of the APIs pages the same way: it reads ``size + 1`` rows from
the start of its page, shows ``size`` of them, and the one more says that a next page exists, so
no list counts all of its rows to draw a pager. A page asked beyond any list is held at
MAX_PAGE: an OFFSET past it would overflow PostgreSQL's bigint.
"""

from dataclasses import dataclass

MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page:
    rows: list
    more: bool
    number: int

    def shown(self, name="rows"):
        """What a list's template reads: its rows under ``name``, ``page`` and ``more``."""
        return {name: self.rows, "page": self.number, "more": self.more}


def clamp(page):
    """``page`` as a page number from 1 to MAX_PAGE; anything unreadable is the first page."""
    try:
        return min(max(int(page or 1), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def page_of(session, query, page, size, scalars=True):
    """Page ``page`` (from 1) of ``query``'s rows, ``size`` to a page; ``scalars`` reads the
    first column's objects, otherwise the rows as tuples."""
    number = clamp(page)
    result = session.execute(query.limit(size + 1).offset((number - 1) * size))
    rows = result.scalars().all() if scalars else [tuple(r) for r in result.all()]
    return Page(rows[:size], len(rows) > size, number)
