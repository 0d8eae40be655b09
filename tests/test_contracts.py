"""Contract registers (app/services/contracts.py), on the real database: numbers by fiscal year
from the shared engine, gap-free under concurrency; validation in Thai that saves nothing and
consumes no number; cancellation that keeps the number; search; what falls due."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agency, NumberCounter
from app.models.contracts import CANCELLED, COMPLETED, IN_FORCE, Contract
from app.services import contracts
from app.services.errors import PermissionDenied, ValidationFailed
from tests.test_dispatch import make_clerk
from tests.conftest import user

TAX_ID = "0994000165668"  # a juristic person's number with a right check digit
BANGKOK_NOON = dt.timezone(dt.timedelta(hours=7))


def at(year, month, day):
    """Noon in Bangkok on a Gregorian date, as the services take "now"."""
    return dt.datetime(year, month, day, 12, tzinfo=BANGKOK_NOON)


def hire(**fields):
    data = {"doc_date": dt.date(2026, 11, 2), "party_name": "ห้างหุ้นส่วนจำกัด พังงาการช่าง",
            "tax_id": TAX_ID, "subject": "จ้างปรับปรุงอาคารศาลากลางจังหวัด",
            "amount": "1,200,000.00", "method": "e_bidding", "start_on": dt.date(2026, 11, 3),
            "end_on": dt.date(2027, 3, 2), "deadline_on": dt.date(2027, 3, 2),
            "warranty_months": "24", "guarantee_type": "bank_guarantee",
            "guarantee_amount": "60,000"}
    data.update(fields)
    return data


def counters(session):
    session.expire_all()
    return sorted((c.series_id, c.year, c.last_number) for c in session.query(NumberCounter))


def test_numbers_run_by_fiscal_year_per_register_and_agency(ctx):
    s = ctx
    dopa, cdd = user(s, "clerk.dopa"), user(s, "clerk.cdd")
    september = contracts.register_contract(s, dopa, "hire", hire(), now=at(2030, 9, 30))
    october = [contracts.register_contract(s, dopa, "hire", hire(), now=at(2030, 10, 1))
               for _ in range(2)]
    assert september.number_text() == "1/2573"  # fiscal 2573 ends on 30 Sep 2030, a year of its own
    assert [c.number_text() for c in october] == ["1/2574", "2/2574"]
    # Another register and another agency run series of their own.
    assert contracts.register_contract(s, dopa, "purchase", hire(), now=at(2030, 10, 2)) \
        .number_text() == "1/2574"
    assert contracts.register_contract(s, cdd, "hire", hire(), now=at(2030, 10, 2)) \
        .number_text() == "1/2574"
    bid = contracts.register_contract(s, dopa, "bid", {
        "doc_date": "05/10/2573", "subject": "ประกวดราคาจ้างก่อสร้างถนนคอนกรีต",
        "amount": "4500000", "method": "e_bidding"}, now=at(2030, 10, 5))
    assert bid.number_text() == "1/2574" and bid.status == "active"
    assert bid.party_name is None and bid.tax_id is None
    assert bid.doc_date == dt.date(2030, 10, 5)  # typed in the Buddhist Era


def test_the_details_are_kept_exactly(ctx):
    s = ctx
    c = contracts.register_contract(s, user(s, "clerk.dopa"), "hire", hire(
        amount="1000001.25", tax_id="0 9940 00165 66 8", guarantee_amount="๕๐,๐๐๐.๐๐"))
    s.expire_all()
    assert c.amount == Decimal("1000001.25") and c.tax_id == TAX_ID
    assert c.guarantee_amount == Decimal("50000.00") and c.status == IN_FORCE
    # The guarantee is due back when the 24-month warranty after delivery ends.
    assert c.guarantee_return_on == dt.date(2029, 3, 2)
    assert contracts.add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)


@pytest.mark.parametrize("fields,message", [
    ({"tax_id": "0994000165669"}, "เลขตรวจสอบหลักสุดท้ายไม่ตรง"),
    ({"tax_id": "099400016566"}, "13 หลัก"),
    ({"tax_id": ""}, "กรุณากรอกเลขประจำตัวผู้เสียภาษีอากร"),
    ({"end_on": dt.date(2026, 11, 1)}, "วันสิ้นสุดสัญญาต้องไม่ก่อนวันเริ่มสัญญา"),
    ({"deadline_on": dt.date(2026, 11, 1)}, "กำหนดส่งมอบ/แล้วเสร็จต้องไม่ก่อนวันเริ่มสัญญา"),
    ({"amount": "-1"}, "ต้องไม่ติดลบ"),
    ({"amount": "12.345"}, "ทศนิยมได้ไม่เกิน 2 ตำแหน่ง"),
    ({"amount": "หนึ่งล้าน"}, "ต้องเป็นตัวเลข"),
    ({"amount": ""}, "กรุณากรอกมูลค่าสัญญา"),
    ({"amount": "99999999999999"}, "มากเกินกว่าที่ระบบรับได้"),
    ({"subject": "  "}, "กรุณากรอกโครงการ/รายการ"),
    ({"party_name": ""}, "กรุณากรอกผู้รับจ้าง"),
    ({"doc_date": None}, "กรุณากรอกวันที่ทำสัญญา"),
    ({"doc_date": "31/02/2569"}, "วันที่ทำสัญญา"),
    ({"method": "ตกลงราคา"}, "กรุณาเลือกวิธีจัดซื้อจัดจ้าง"),
    ({"warranty_months": "สองปี"}, "จำนวนเดือน"),
    ({"warranty_months": "121"}, "0 ถึง 120 เดือน"),
    ({"guarantee_type": "gold"}, "ประเภทหลักประกันสัญญาไม่ถูกต้อง"),
    ({"guarantee_amount": ""}, "กรุณากรอกจำนวนเงินหลักประกันสัญญา"),
    ({"guarantee_amount": "2000000"}, "ต้องไม่เกินมูลค่าสัญญา"),
    ({"guarantee_type": "none", "guarantee_amount": "5000"}, "กรุณาเลือกประเภทหลักประกัน"),
    ({"officer_id": "x"}, "ผู้รับผิดชอบไม่ถูกต้อง"),
])
def test_a_refusal_saves_nothing_and_uses_no_number(ctx, fields, message):
    s = ctx
    clerk = user(s, "clerk.dopa")
    contracts.register_contract(s, clerk, "hire", hire())  # the series exists, with a number
    before = (s.query(Contract).count(), counters(s))
    with pytest.raises(ValidationFailed, match=message):
        contracts.register_contract(s, clerk, "hire", hire(**fields))
    assert (s.query(Contract).count(), counters(s)) == before


def test_the_officer_must_be_of_the_agency(ctx):
    s = ctx
    with pytest.raises(ValidationFailed, match="หน่วยงานเดียวกัน"):
        contracts.register_contract(s, user(s, "clerk.dopa"), "hire",
                                    hire(officer_id=user(s, "officer.cdd").id))
    c = contracts.register_contract(s, user(s, "clerk.dopa"), "hire",
                                    hire(officer_id=user(s, "officer.dopa").id))
    assert c.officer.username == "officer.dopa"


def test_who_keeps_and_who_sees(ctx):
    s = ctx
    dopa_contract = contracts.register_contract(s, user(s, "clerk.dopa"), "purchase", hire())
    for outsider in ("group.dopa", "officer.dopa"):
        with pytest.raises(PermissionDenied):
            contracts.register_contract(s, user(s, outsider), "hire", hire())
    for name, sees in (("clerk.dopa", True), ("admin", True), ("clerk.cdd", False),
                       ("central", False), ("group.dopa", False), ("officer.dopa", False)):
        found = contracts.visible(s, user(s, name), "purchase", dopa_contract.id)
        assert (found is not None) is sees, name
    assert contracts.visible(s, user(s, "clerk.dopa"), "hire", dopa_contract.id) is None
    with pytest.raises(PermissionDenied):
        contracts.cancel(s, user(s, "clerk.cdd"), dopa_contract, "ไม่ใช่ของเรา")
    # One answer to "what may this user do with it", which the screens show.
    for name, read, change in (("clerk.dopa", True, True), ("admin", True, False),
                               ("clerk.cdd", False, False), ("officer.dopa", False, False)):
        rights = contracts.rights(user(s, name), dopa_contract)
        assert (rights.read, rights.keeps, rights.edit, rights.cancel, rights.attach) == \
            (read, change, change, change, change), name
        assert not rights.send
    assert not contracts.rights(user(s, "clerk.dopa"), dopa_contract,
                                lambda permission: permission != "can_cancel").cancel
    contracts.cancel(s, user(s, "clerk.dopa"), dopa_contract, "ผู้ขายไม่มาลงนาม")
    s.expire_all()
    after = contracts.rights(user(s, "clerk.dopa"), dopa_contract)
    assert after.read and after.open_files and not (after.edit or after.cancel or after.attach)


def test_cancel_keeps_the_number_and_the_next_one_follows(ctx):
    s = ctx
    clerk = user(s, "clerk.cdd")
    first = contracts.register_contract(s, clerk, "purchase", hire(), now=at(2026, 11, 20))
    with pytest.raises(ValidationFailed, match="เหตุผล"):
        contracts.cancel(s, clerk, first, " ")
    contracts.cancel(s, clerk, first, "ผู้ขายไม่มาลงนามสัญญา")
    s.expire_all()
    assert first.status == CANCELLED and first.cancel_reason == "ผู้ขายไม่มาลงนามสัญญา"
    second = contracts.register_contract(s, clerk, "purchase", hire(), now=at(2026, 11, 21))
    assert second.number == first.number + 1
    with pytest.raises(ValidationFailed, match="ยกเลิกแล้ว"):
        contracts.update_contract(s, clerk, first, hire())


def test_update_changes_details_and_status_never_the_number(ctx):
    s = ctx
    clerk = user(s, "clerk.dopa")
    c = contracts.register_contract(s, clerk, "hire", hire())
    number = c.number_text()
    contracts.update_contract(s, clerk, c, hire(amount="1,150,000", status=COMPLETED,
                                                number=999))
    s.expire_all()
    assert c.amount == Decimal("1150000.00") and c.status == COMPLETED
    assert c.number_text() == number
    with pytest.raises(ValidationFailed, match="สถานะไม่ถูกต้อง"):
        contracts.update_contract(s, clerk, c, hire(status=CANCELLED))
    with pytest.raises(ValidationFailed, match="วันสิ้นสุดสัญญา"):
        contracts.update_contract(s, clerk, c, hire(end_on=dt.date(2020, 1, 1)))
    s.expire_all()
    assert c.end_on == dt.date(2027, 3, 2)  # the refused change left nothing


def test_search(ctx):
    s = ctx
    clerk = user(s, "clerk.cdd")
    road = contracts.register_contract(s, clerk, "hire", hire(
        subject="จ้างก่อสร้างถนนคอนกรีตเสริมเหล็ก หมู่ที่ 3", amount="2,500,000",
        party_name="บริษัท อันดามันก่อสร้าง จำกัด", doc_date=dt.date(2026, 12, 1),
        start_on=dt.date(2026, 12, 2)))
    paint = contracts.register_contract(s, clerk, "hire", hire(
        subject="จ้างทาสีอาคาร", amount="80,000", guarantee_amount="4,000",
        doc_date=dt.date(2026, 12, 5), start_on=dt.date(2026, 12, 6)))

    def found(**criteria):
        return [c.id for c in s.execute(contracts.search(clerk, "hire", criteria)).scalars()
                if c.id in (road.id, paint.id)]

    assert found(subject="ถนนคอนกรีต") == [road.id]
    assert found(party="อันดามัน") == [road.id]
    assert found(tax_id=TAX_ID) == [paint.id, road.id]
    assert found(number=road.number_text()) == [road.id]
    assert found(amount_min="1,000,000") == [road.id]
    assert found(amount_max="100000", amount_min="50000") == [paint.id]
    assert found(date_from="03/12/2569") == [paint.id]
    assert found(date_to="01/12/2569") == [road.id]
    assert found(status="completed") == []
    assert found(status="in_force", method="e_bidding") == [paint.id, road.id]
    for bad in ({"amount_min": "มาก"}, {"date_from": "32/13/2569"}, {"number": "สิบ"},
                {"status": "lost"}):
        with pytest.raises(ValidationFailed):
            contracts.search(clerk, "hire", bad)
    # Nobody outside the agency finds them.
    other = user(s, "clerk.dopa")
    assert [c for c in s.execute(contracts.search(other, "hire", {"subject": "ถนนคอนกรีต"}))
            .scalars() if c.id == road.id] == []


def test_what_falls_due_within_30_days(ctx):
    s = ctx
    clerk = user(s, "clerk.dopa")
    today = dt.date(2027, 2, 20)
    ending = contracts.register_contract(s, clerk, "hire", hire(
        subject="สัญญาที่ใกล้สิ้นสุด", end_on=dt.date(2027, 3, 2), guarantee_type="none",
        guarantee_amount=""))
    later = contracts.register_contract(s, clerk, "hire", hire(
        subject="สัญญาที่ยังไม่ถึงกำหนด", end_on=dt.date(2027, 6, 30),
        deadline_on=dt.date(2027, 6, 30), guarantee_type="none", guarantee_amount=""))
    guarantee = contracts.register_contract(s, clerk, "purchase", hire(
        subject="หลักประกันที่ต้องคืน", end_on=dt.date(2026, 12, 1),
        deadline_on=dt.date(2026, 12, 1), warranty_months="2"))
    contracts.update_contract(s, clerk, guarantee, hire(
        subject="หลักประกันที่ต้องคืน", end_on=dt.date(2026, 12, 1),
        deadline_on=dt.date(2026, 12, 1), warranty_months="2", status=COMPLETED))
    s.expire_all()
    assert guarantee.guarantee_return_on == dt.date(2027, 2, 1)  # overdue on 20 Feb

    due = [c.id for c in contracts.due_soon(s, clerk, today)
           if c.id in (ending.id, later.id, guarantee.id)]
    assert due == [guarantee.id, ending.id]  # soonest (overdue) first
    assert contracts.flags(ending, today) == ["สิ้นสุดสัญญาในอีก 10 วัน (2 มี.ค. 2570)"]
    assert contracts.flags(guarantee, today) == ["คืนหลักประกันเลยกำหนด 19 วัน (1 ก.พ. 2570)"]
    assert contracts.flags(later, today) == []
    # Returned: no longer flagged.
    contracts.update_contract(s, clerk, guarantee, hire(
        subject="หลักประกันที่ต้องคืน", end_on=dt.date(2026, 12, 1),
        deadline_on=dt.date(2026, 12, 1), warranty_months="2", status=COMPLETED,
        guarantee_returned_on="15/02/2570"))
    assert guarantee.id not in [c.id for c in contracts.due_soon(s, clerk, today)]
    assert all(c.agency_id == clerk.agency_id
               for c in contracts.due_soon(s, user(s, "clerk.dopa"), today))


def test_clerks_issuing_at_once_get_consecutive_numbers(app):
    clerks = 8
    with app.test_request_context():
        s = db.session
        agency = s.execute(select(Agency).where(Agency.code == "พง 0019.1")).scalar_one()
        names = [make_clerk(s, agency, f"contracts{i}.cdd").username for i in range(clerks)]
        existing = s.query(Contract).filter_by(register="bid", agency_id=agency.id).count()
        db.session.remove()
    barrier = threading.Barrier(clerks)

    def issue(name):
        with app.test_request_context():
            session = db.session
            try:
                actor = user(session, name)
                barrier.wait(timeout=30)
                c = contracts.register_contract(session, actor, "bid", {
                    "doc_date": dt.date(2026, 11, 24), "subject": f"ประกวดราคา {name}",
                    "amount": "100000", "method": "e_bidding"}, now=at(2026, 11, 24))
                return c.number
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=clerks) as pool:
        numbers = sorted(pool.map(issue, names, timeout=120))
    assert numbers == list(range(existing + 1, existing + clerks + 1))


def test_every_change_is_in_the_audit_log(ctx):
    import json

    from app.models import AuditLog

    s = ctx
    clerk = user(s, "clerk.cdd")
    c = contracts.register_contract(s, clerk, "hire", hire(subject="จ้างทำป้ายประชาสัมพันธ์"))
    contracts.update_contract(s, clerk, c, hire(subject="จ้างทำป้ายประชาสัมพันธ์",
                                                amount="1,100,000"))
    contracts.cancel(s, clerk, c, "ซ้ำกับสัญญาเดิม")
    events = s.query(AuditLog).filter_by(target_type="Contract", target_id=str(c.id)) \
        .order_by(AuditLog.seq).all()
    assert [e.action for e in events] == ["create", "update", "update"]
    created = json.loads(events[0].detail)["after"]
    assert created["amount"] == "1200000.00" and created["tax_id"] == TAX_ID
    changed = json.loads(events[1].detail)
    assert changed["before"]["amount"] == "1200000.00"
    assert changed["after"]["amount"] == "1100000.00"
    assert json.loads(events[2].detail)["after"]["status"] == CANCELLED


def test_a_change_made_on_a_stale_page_never_uncancels_a_number(app):
    """Clerk A opened the edit form; clerk B cancelled the number meanwhile; A's save is
    refused, and the number stays cancelled."""
    with app.test_request_context():
        s = db.session
        c = contracts.register_contract(s, user(s, "clerk.dopa"), "hire", hire())
        contract_id = c.id
        db.session.remove()
    with app.test_request_context():
        a = db.session
        stale = a.get(Contract, contract_id)
        assert stale.status == IN_FORCE  # what A's form was built from
        with app.app_context():  # B, in a session of its own
            b = db.session
            contracts.cancel(b, user(b, "clerk.dopa"), b.get(Contract, contract_id),
                             "ลงเลขผิดสัญญา")
            db.session.remove()
        with pytest.raises(ValidationFailed, match="ยกเลิกแล้ว"):
            contracts.update_contract(a, user(a, "clerk.dopa"), stale, hire(status=COMPLETED))
        db.session.remove()
    with app.app_context():
        assert db.session.get(Contract, contract_id).status == CANCELLED
        db.session.remove()
