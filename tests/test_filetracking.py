"""File-for-signature tracking (app/services/filetracking.py), on the real database: the route
as data (allowed and refused moves, a deputy's file stops at the deputy), who may move, the time
spent at each stage, the secretaries' queue and the dashboard, the scope, and the moves that can
never be edited."""

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.models import Agency
from app.models.filetracking import Executive, FileMove, TrackedFile
from app.services import filetracking as ft
from app.services.errors import PermissionDenied, ValidationFailed
from tests.test_dispatch import make_clerk
from tests.conftest import user

T0 = dt.datetime(2026, 11, 2, 2, 0)  # 09:00 in Bangkok, UTC naive as stored


def executive(session, kind):
    return session.execute(select(Executive).where(Executive.kind == kind)
                           .order_by(Executive.id)).scalars().first()


def propose(session, kind="deputy", who="officer.dopa", subject="ขออนุมัติเดินทางไปราชการ", at=T0):
    return ft.register_file(session, user(session, who), {
        "subject": subject, "executive_id": executive(session, kind).id, "speed": "urgent"},
        now=at)


def walk(session, tracked, stages, who="secretary", start=T0, hours=24):
    """Move ``tracked`` through ``stages``, one every ``hours``."""
    for i, stage in enumerate(stages, start=1):
        ft.move(session, user(session, who), tracked, stage, now=start + dt.timedelta(hours=hours * i))


def test_a_governors_file_goes_the_whole_way(ctx):
    s = ctx
    f = propose(s, "governor", subject="ขออนุมัติโครงการพัฒนาแหล่งท่องเที่ยว")
    assert f.stage == "proposed" and f.route == "governor"
    assert f.number_text().endswith("/2570")  # fiscal year 2570 began on 1 October 2026
    walk(s, f, ["secretary", "with_deputy", "deputy_signed", "with_governor", "governor_signed",
                "returned"])
    s.expire_all()
    assert [m.to_stage for m in f.moves] == [
        "proposed", "secretary", "with_deputy", "deputy_signed", "with_governor",
        "governor_signed", "returned"]
    assert all(m.moved_by_name for m in f.moves)
    days = [round(d, 3) for _m, _left, d in ft.durations(f, now=T0 + dt.timedelta(days=30))]
    assert days[:6] == [1.0] * 6  # a day at each stage; the last is still open
    assert ft.next_stages(s, user(s, "secretary"), f) == []  # returned: the journey ends


def test_a_deputys_file_stops_at_the_deputy(ctx):
    s = ctx
    f = propose(s, "deputy")
    walk(s, f, ["secretary", "with_deputy", "deputy_signed"])
    offered = [st.code for st in ft.next_stages(s, user(s, "secretary"), f)]
    assert "with_governor" not in offered and "returned" in offered
    with pytest.raises(ValidationFailed, match="ไม่ได้ตามเส้นทางที่กำหนด"):
        ft.move(s, user(s, "secretary"), f, "with_governor")
    ft.move(s, user(s, "secretary"), f, "returned")
    assert f.stage == "returned"


@pytest.mark.parametrize("stage", ["governor_signed", "returned", "deputy_signed", "nowhere", ""])
def test_a_move_the_route_does_not_allow_is_refused_and_changes_nothing(ctx, stage):
    s = ctx
    f = propose(s, "governor")
    moves = s.query(FileMove).count()
    with pytest.raises(ValidationFailed, match="ไม่ได้ตามเส้นทางที่กำหนด"):
        ft.move(s, user(s, "secretary"), f, stage)
    s.expire_all()
    assert f.stage == "proposed" and s.query(FileMove).count() == moves


def test_who_may_move(ctx):
    s = ctx
    f = propose(s, "deputy")
    # Nobody but the secretaries moves a file on; the owner, an agency colleague, a clerk: no.
    for name in ("officer.dopa", "clerk.dopa", "central"):
        with pytest.raises((PermissionDenied, ValidationFailed)):
            ft.move(s, user(s, name), f, "secretary")
    assert f.stage == "proposed"
    ft.move(s, user(s, "admin"), f, "secretary", now=T0 + dt.timedelta(hours=1))  # stands in
    # The owner withdraws; nothing more can happen to it.
    owner_offers = [st.code for st in ft.next_stages(s, user(s, "officer.dopa"), f)]
    assert owner_offers == ["withdrawn"]
    ft.move(s, user(s, "officer.dopa"), f, "withdrawn", note="เรื่องยุติแล้ว")
    assert ft.next_stages(s, user(s, "secretary"), f) == []


def test_correction_needs_a_note_and_the_owner_proposes_again(ctx):
    s = ctx
    f = propose(s, "deputy", who="officer.cdd")
    walk(s, f, ["secretary", "with_deputy"])
    with pytest.raises(ValidationFailed, match="ต้องบันทึก"):
        ft.move(s, user(s, "secretary"), f, "correction", note="  ")
    assert ft.owner_count(s, user(s, "officer.cdd")) == 0
    ft.move(s, user(s, "secretary"), f, "correction", note="แก้ไขตัวเลขงบประมาณในหน้า 2")
    assert ft.owner_count(s, user(s, "officer.cdd")) == 1  # the owner is told
    with pytest.raises(ValidationFailed):  # the secretary cannot propose it for the owner
        ft.move(s, user(s, "secretary"), f, "proposed")
    ft.move(s, user(s, "officer.cdd"), f, "proposed", note="แก้ไขแล้ว")
    assert ft.owner_count(s, user(s, "officer.cdd")) == 0
    assert [m.note for m in f.moves][-2:] == ["แก้ไขตัวเลขงบประมาณในหน้า 2", "แก้ไขแล้ว"]


def test_the_executive_asks_to_meet_the_owner(ctx):
    s = ctx
    f = propose(s, "governor", who="clerk.cdd")
    walk(s, f, ["secretary", "with_deputy", "deputy_signed", "with_governor", "meet_owner"])
    assert ft.owner_count(s, user(s, "clerk.cdd")) == 1
    offered = [st.code for st in ft.next_stages(s, user(s, "secretary"), f)]
    assert "with_governor" in offered
    ft.move(s, user(s, "secretary"), f, "with_governor", note="พบเจ้าของเรื่องแล้ว")
    assert ft.owner_count(s, user(s, "clerk.cdd")) == 0


def test_scope(ctx):
    s = ctx
    f = propose(s, "deputy", who="officer.dopa", subject="เรื่องภายในของที่ทำการปกครอง")
    for name, sees in (("officer.dopa", True), ("clerk.dopa", True), ("group.dopa", True),
                       ("secretary", True), ("admin", True), ("clerk.cdd", False),
                       ("officer.cdd", False), ("central", False)):
        assert (ft.visible(s, user(s, name), f.id) is not None) is sees, name
    assert ft.visible(s, None, f.id) is None
    found = s.execute(ft.search(user(s, "clerk.cdd"), {"subject": "ภายในของที่ทำการ"})).all()
    assert found == []
    with pytest.raises(PermissionDenied):
        ft.queue(s, user(s, "clerk.dopa"))


def test_the_queue_oldest_first_and_overdue_flagged(ctx, app):
    s = ctx
    old = propose(s, "deputy", subject="แฟ้มที่รอนาน", at=T0)
    new = propose(s, "deputy", subject="แฟ้มใหม่", at=T0 + dt.timedelta(days=4))
    now = T0 + dt.timedelta(days=5)
    stages = dict((st.code, rows) for st, rows in ft.queue(s, user(s, "secretary"), now=now))
    waiting = [(f.id, round(d), late, working) for f, d, late, working in stages["proposed"]
               if f.id in (old.id, new.id)]
    # FILE_OVERDUE_DAYS = 3 working days: Monday to Saturday is 4 of them (Tuesday to Friday),
    # Friday to Saturday none.
    assert waiting == [(old.id, 5, True, 4), (new.id, 1, False, 0)]
    assert "returned" not in stages  # the end of the road is no queue


def test_dashboard_counts_and_median_days(ctx):
    s = ctx
    # An agency of its own, so that no other test's files count.
    agency = s.execute(select(Agency).where(Agency.code == "พง 0023.1")).scalar_one()
    clerk = make_clerk(s, agency, "files.local")
    files = [propose(s, "deputy", subject=f"แฟ้มสถิติ {i}", who=clerk.username) for i in range(3)]
    for f, hours in zip(files, (24, 48, 96)):
        walk(s, f, ["secretary"], hours=hours)  # proposed for 1, 2 and 4 days
    rows = {st.code: (now_count, median, stays)
            for st, now_count, median, stays in ft.dashboard(s, clerk)}
    assert rows["proposed"] == (0, pytest.approx(2.0), 3)
    assert rows["secretary"] == (3, None, 0)  # still there: no stay has ended


def test_registration_refusals_save_nothing(ctx):
    s = ctx
    before = s.query(TrackedFile).count()
    for data, message in (
            ({"subject": " "}, "กรุณากรอกเรื่อง"),
            ({"executive_id": 99999}, "กรุณาเลือกผู้บริหาร"),
            ({"speed": "ด่วนจี๋"}, "ชั้นความเร็ว"),
            ({"entry_register": "agency_in", "entry_number": "99999"}, "ไม่พบเลข 99999"),
            ({"entry_register": "agency_in", "entry_number": "1/2400"}, "ไม่พบเลข"),
            ({"entry_register": "kingdom_in", "entry_number": "1"}, "กรุณาเลือกทะเบียน"),
            ({"entry_register": "agency_in", "entry_number": " "}, "กรุณากรอกเลขทะเบียน"),
            ({"entry_register": "agency_in", "entry_number": "ก" * 500}, "ไม่พบเลข"),
            # An officer keeps no register: another's entries are not found.
            ({"entry_register": "province_in", "entry_number": "1", "who": "officer.dopa"},
             "ไม่พบเลข"),
    ):
        who = data.pop("who", "clerk.dopa")
        fields = {"subject": "เรื่องทดสอบ", "executive_id": executive(s, "deputy").id, **data}
        with pytest.raises(ValidationFailed, match=message):
            ft.register_file(s, user(s, who), fields)
    assert s.query(TrackedFile).count() == before


def test_moves_cannot_be_edited_or_deleted(ctx):
    s = ctx
    f = propose(s, "deputy")
    for statement in ("UPDATE file_move SET note = 'x' WHERE file_id = :id",
                      "DELETE FROM file_move WHERE file_id = :id"):
        with pytest.raises(DBAPIError):
            s.execute(text(statement), {"id": f.id})
        s.rollback()
    assert s.query(FileMove).filter_by(file_id=f.id).count() == 1
