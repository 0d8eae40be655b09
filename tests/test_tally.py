"""The letters tallied per month (app/services/tally.py), on the real database: an entry counts
once, when it becomes a letter (registered, or its reserved number filled in), in the Bangkok
month of its registration; a reservation never filled does not count; whatever path wrote the
entries, the tallies equal a count of the entries themselves."""

import datetime as dt

from sqlalchemy import select

from app.models import LetterTally
from app.services import correspondence as svc
from app.services import dispatch, tally
from tests.conftest import agency, user


def tallies(session):
    return {(t.register, t.agency_id, t.work_group_id, t.month): t.count
            for t in session.execute(select(LetterTally)).scalars()}


def assert_consistent(session):
    """The tallies kept as entries were written equal the entries counted afresh."""
    session.expire_all()
    counted = tally.recount(session.connection())
    assert tallies(session) == counted


def letter(session, username, code, subject, now=None):
    return svc.register_entry(session, user(session, username), code, {
        "sender": "กระทรวงมหาดไทย", "doc_number": "มท 0208.5/ว 1", "subject": subject,
        "receiver": "ผู้ว่าราชการจังหวัดพังงา", "speed": "normal", "secrecy": "normal"},
        now=now)


def test_reservations_count_when_filled_and_never_when_they_expire(ctx):
    s = ctx
    clerk = user(s, "clerk.cdd")
    key = ("out_normal", clerk.agency_id, 0, "2026-11")
    before = tallies(s).get(key, 0)
    # 30 Nov 2026 20:00 UTC is 1 Dec in Bangkok: the reservation's month is December.
    reserved = svc.reserve(s, clerk, "out_normal", 3, now=dt.datetime(2026, 11, 30, 20, 0))
    december = ("out_normal", clerk.agency_id, 0, "2026-12")
    assert tallies(s).get(december, 0) == 0  # reserved numbers are not letters
    entry = reserved[0]
    entry.receiver, entry.subject = "พัฒนาการอำเภอทุกอำเภอ", "เรื่องที่จองเลขไว้"
    svc.check_edit(clerk, entry, now=dt.datetime(2026, 12, 1, 3, 0))
    s.commit()
    assert tallies(s)[december] == 1
    # Editing the filled letter again counts nothing more.
    entry.remarks = "แก้ไขหมายเหตุ"
    svc.check_edit(clerk, entry, now=dt.datetime(2026, 12, 1, 4, 0))
    s.commit()
    assert tallies(s)[december] == 1
    # The other two expire: no letters. A letter cancelled later stays counted.
    assert svc.expire_reservations(s, now=dt.datetime(2026, 12, 9)) == 2
    svc.cancel(s, clerk, entry, "ออกเลขผิดเรื่อง")
    assert tallies(s)[december] == 1
    assert tallies(s).get(key, 0) == before
    assert_consistent(s)


def test_every_path_that_registers_keeps_the_tallies(ctx):
    s = ctx
    central = user(s, "central")
    entry = letter(s, "central", "province_in", "ขอเชิญประชุม", now=dt.datetime(2026, 10, 31, 18))
    assert tallies(s)[("province_in", central.agency_id, 0, "2026-11")] >= 1
    deliveries = dispatch.dispatch(s, central, entry, [agency(s, "พง 0016.1").id])
    dispatch.accept(s, user(s, "clerk.dopa"), deliveries[0])  # a new entry in the agency's register
    letter(s, "group.dopa", "group_in", "ของกลุ่มงาน")
    assert_consistent(s)
    # A bulk import written around the ORM is counted by rebuild.
    s.execute(LetterTally.__table__.delete())
    assert tallies(s) == {}
    total = tally.rebuild(s.connection())
    assert total == sum(tally.recount(s.connection()).values()) > 0
    assert_consistent(s)
    s.commit()


def test_clerks_registering_at_once_are_each_counted_once(app):
    """Normal and secret letters of one register come from two series (two counters) but share
    one tally row: 12 clerks at once, each counted, no deadlock, no lost update."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from app.extensions import db
    from tests.test_dispatch import make_clerk

    clients = 12
    with app.test_request_context():
        s = db.session
        office = agency(s, "พง 0023.1")
        names = [make_clerk(s, office, f"tally{i}.local").username for i in range(clients)]
        key = ("agency_in", office.id, 0, "2027-01")
        before = tallies(s).get(key, 0)
        db.session.remove()
    barrier = threading.Barrier(clients)

    def register(i):
        with app.test_request_context():
            session = db.session
            try:
                actor = user(session, names[i])
                session.commit()  # back to the pool before waiting
                barrier.wait(timeout=30)
                svc.register_entry(session, actor, "agency_in", {
                    "sender": "กรมส่งเสริมการปกครองท้องถิ่น", "subject": f"หนังสือที่ {i}",
                    "receiver": "ท้องถิ่นจังหวัด", "speed": "normal",
                    "secrecy": "secret" if i % 2 else "normal"},
                    now=dt.datetime(2027, 1, 15, 3, 0))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(register, range(clients), timeout=180))
    with app.app_context():
        assert tallies(db.session)[key] == before + clients
        assert_consistent(db.session)
        db.session.remove()
