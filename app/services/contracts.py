"""Contract registers (ระบบทะเบียนคุมสัญญา, manual 6): issue a contract's or a bid document's
number, keep its details, search, flag what falls due, cancel (never delete).

Every number comes from the numbering engine (app/services/numbering.py), in the transaction that
inserts the row: a refused contract consumes no number. A series runs by fiscal year (from
1 October) unless CONTRACT_YEAR_BASIS says otherwise for its register; the administrator may
switch a series before its first number on the number-series screen, as for the registers.

Everything is checked before anything is written, with a Thai message naming the field.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, false, or_, select, true, update

from app import thai
from app.levels import ADMIN, AGENCY_CLERK, CENTRAL_CLERK
from app.models import Agency, EOfficeUser
from app.models.contracts import (
    ACTIVE,
    BID,
    CANCELLED,
    COMPLETED,
    GUARANTEES,
    HIRE,
    IN_FORCE,
    METHODS,
    PURCHASE,
    RESERVED,
    TERMINATED,
    Contract,
    ContractFile,
)
from app.services import attachments as attachment_store
from app.services import audit, holidays, numbering
from app.services.contract_values import (  # noqa: F401 - add_months: the contracts' too
    add_months,
    clean_tax_id,
    date_value,
    parse_amount,
    text_value,
)
from app.services import entries
from app.services.errors import Faults, PermissionDenied, ValidationFailed
from app.services.locks import lock_and_reload
from app.services.work import unit_of_work

DUE_DAYS = 30  # a contract ending, or a guarantee to return, within this many days is flagged
MAX_WARRANTY_MONTHS = 120


@dataclass(frozen=True)
class ContractRegister:
    code: str
    label: str
    contract: bool  # a contract (party, tax id, dates, guarantee) or a bid document
    party_label: str = ""
    date_label: str = "วันที่ทำสัญญา"
    amount_label: str = "มูลค่าสัญญา (บาท)"


REGISTERS = {
    HIRE: ContractRegister(HIRE, "ทะเบียนคุมสัญญาจ้าง", True, party_label="ผู้รับจ้าง"),
    PURCHASE: ContractRegister(PURCHASE, "ทะเบียนคุมสัญญาซื้อขาย", True, party_label="ผู้ขาย"),
    BID: ContractRegister(BID, "เลขเอกสารประกวดราคา", False, date_label="วันที่ประกาศ",
                          amount_label="วงเงินงบประมาณ (บาท)"),
}
CONTRACT_STATUSES = {IN_FORCE: "อยู่ระหว่างสัญญา", COMPLETED: "สิ้นสุดสัญญา (ปฏิบัติครบ)",
                     TERMINATED: "บอกเลิกสัญญา", CANCELLED: "ยกเลิกเลข"}
BID_STATUSES = {ACTIVE: "ใช้งาน", CANCELLED: "ยกเลิกเลข"}
# A reserved number (จองเลข), in either register, until its details are filled in.
CONTRACT_STATUSES[RESERVED] = BID_STATUSES[RESERVED] = "จองเลข (รอกรอกรายละเอียด)"
RESERVATION_SUBJECT = "(จองเลข)"
EXPIRED_REASON = "ไม่ได้กรอกรายละเอียดภายในกำหนด ระบบยกเลิกเลขที่จองอัตโนมัติ"
STATUSES = {**CONTRACT_STATUSES, **BID_STATUSES}
# Who keeps the contract registers: the administrator and the clerks of an agency.
KEEPERS = (ADMIN, CENTRAL_CLERK, AGENCY_CLERK)


def register_of(code):
    try:
        return REGISTERS[code]
    except KeyError:
        raise ValidationFailed("ไม่มีทะเบียนคุมสัญญานี้ในระบบ") from None


def statuses_of(code):
    return CONTRACT_STATUSES if register_of(code).contract else BID_STATUSES


# ---- who sees what ------------------------------------------------------------------------------


def keeps_contracts(actor):
    return getattr(actor, "is_authenticated", False) and getattr(actor, "level", None) in KEEPERS


def scope(actor, code=None):
    """The SQL condition on Contract rows ``actor`` may see: the administrator every agency's,
    a clerk their own agency's; nobody else any."""
    if not keeps_contracts(actor):
        return false()
    register = Contract.register == code if code else true()
    if actor.level == ADMIN:
        return register
    if not actor.agency_id:
        return false()
    return and_(register, Contract.agency_id == actor.agency_id)


def visible(session, actor, code, contract_id):
    """The contract if ``actor`` may see it in register ``code``, else None (the caller's 404)."""
    try:
        contract_id = int(contract_id)
    except (TypeError, ValueError):
        return None
    return session.execute(select(Contract).where(
        Contract.id == contract_id, scope(actor, code))).scalar_one_or_none()


def rights(actor, contract, granted=entries.granted_all):
    """The ``Rights`` of ``actor`` over ``contract``: who may see it reads it and its files; the
    keepers of its own agency change it while it is not cancelled. ``granted(permission)`` is
    the role's grant of a screen's permission, where a screen asks."""
    read = keeps_contracts(actor) and (actor.level == ADMIN or (
        bool(actor.agency_id) and contract.agency_id == actor.agency_id))
    keeps = read and bool(actor.agency_id) and contract.agency_id == actor.agency_id
    change = keeps and contract.status != CANCELLED
    files = read and granted("can_file")
    return entries.Rights(read=read, keeps=keeps, edit=change and granted("can_edit"),
                          cancel=change and granted("can_cancel"),
                          attach=change and granted("can_attach"),
                          open_files=files, download=files)


def _require_keeper(actor, code):
    register = register_of(code)
    if not keeps_contracts(actor):
        raise PermissionDenied(f"คุณไม่มีสิทธิ์ใช้{register.label}")
    if not actor.agency_id:
        raise ValidationFailed("บัญชีของคุณยังไม่ได้สังกัดหน่วยงาน จึงออกเลขสัญญาไม่ได้")
    return register


def require_change(actor, contract):
    """Refuse unless ``actor`` keeps the register of ``contract``'s own agency."""
    register = _require_keeper(actor, contract.register)
    if contract.agency_id != actor.agency_id:
        raise PermissionDenied("แก้ไขได้เฉพาะทะเบียนของหน่วยงานตนเอง")
    if contract.status == CANCELLED:
        raise ValidationFailed("รายการนี้ถูกยกเลิกแล้ว แก้ไขไม่ได้")
    return register


# ---- values as typed ----------------------------------------------------------------------------


def clean(session, actor, register, data):
    """The contract's fields from ``data`` (a dict), checked; every field at fault is named at
    once (ValidationFailed.errors), each with its Thai message."""
    faults = Faults()
    out = {
        "doc_date": faults.take("doc_date", date_value, data.get("doc_date"), register.date_label),
        "subject": faults.take("subject", text_value, data, "subject", "โครงการ/รายการ", 2000,
                               required=True),
        "remarks": faults.take("remarks", text_value, data, "remarks", "หมายเหตุ", 2000),
    }
    if out["doc_date"] is None:
        faults.add("doc_date", f"กรุณากรอก{register.date_label}")
    amount = faults.take("amount", parse_amount, data.get("amount"), register.amount_label)
    if amount is None:
        faults.add("amount", f"กรุณากรอก{register.amount_label}")
    out["amount"] = amount
    method = data.get("method")
    if method not in METHODS:
        faults.add("method", "กรุณาเลือกวิธีจัดซื้อจัดจ้าง")
    out["method"] = method
    if not register.contract:
        faults.check()
        return out

    out["party_name"] = faults.take("party_name", text_value, data, "party_name",
                                    register.party_label, 255, required=True)
    out["tax_id"] = faults.take("tax_id", clean_tax_id, data.get("tax_id"))
    for name, label in (("start_on", "วันเริ่มสัญญา"), ("end_on", "วันสิ้นสุดสัญญา"),
                        ("deadline_on", "กำหนดส่งมอบ/แล้วเสร็จ"),
                        ("guarantee_return_on", "กำหนดคืนหลักประกันสัญญา"),
                        ("guarantee_returned_on", "วันที่คืนหลักประกันสัญญา")):
        out[name] = faults.take(name, date_value, data.get(name), label)
    if out["start_on"] and out["end_on"] and out["end_on"] < out["start_on"]:
        faults.add("end_on", "วันสิ้นสุดสัญญาต้องไม่ก่อนวันเริ่มสัญญา")
    if out["start_on"] and out["deadline_on"] and out["deadline_on"] < out["start_on"]:
        faults.add("deadline_on", "กำหนดส่งมอบ/แล้วเสร็จต้องไม่ก่อนวันเริ่มสัญญา")
    out["warranty_months"] = faults.take("warranty_months", _warranty,
                                         data.get("warranty_months"))
    kind = data.get("guarantee_type") or "none"
    if kind not in GUARANTEES:
        faults.add("guarantee_type", "ประเภทหลักประกันสัญญาไม่ถูกต้อง")
    out["guarantee_type"] = kind
    out["guarantee_amount"] = faults.take("guarantee_amount", parse_amount,
                                          data.get("guarantee_amount"), "จำนวนเงินหลักประกันสัญญา")
    if kind == "none":
        if out["guarantee_amount"]:
            faults.add("guarantee_type",
                       "ระบุจำนวนเงินหลักประกันแล้ว กรุณาเลือกประเภทหลักประกันด้วย")
        out["guarantee_amount"] = None
        out["guarantee_return_on"] = out["guarantee_returned_on"] = None
    else:
        if out["guarantee_amount"] is None:
            faults.add("guarantee_amount", "กรุณากรอกจำนวนเงินหลักประกันสัญญา")
        elif amount is not None and out["guarantee_amount"] > amount:
            faults.add("guarantee_amount", "จำนวนเงินหลักประกันสัญญาต้องไม่เกินมูลค่าสัญญา")
        # By default the guarantee is due back when the warranty after delivery ends.
        last_day = out["deadline_on"] or out["end_on"]
        if out["guarantee_return_on"] is None and last_day is not None:
            out["guarantee_return_on"] = add_months(last_day, out["warranty_months"] or 0)
    out["officer_id"] = faults.take("officer_id", _officer, session, actor, data.get("officer_id"))
    faults.check()
    return out


def _warranty(value):
    if value in (None, ""):
        return None
    try:
        months = int(str(value).strip())
    except ValueError:
        raise ValidationFailed("ระยะเวลารับประกันต้องเป็นจำนวนเดือน (ตัวเลข)") from None
    if not 0 <= months <= MAX_WARRANTY_MONTHS:
        raise ValidationFailed(f"ระยะเวลารับประกันต้องอยู่ระหว่าง 0 ถึง {MAX_WARRANTY_MONTHS} เดือน")
    return months


def _officer(session, actor, officer_id):
    if officer_id in (None, ""):
        return None
    try:
        officer_id = int(officer_id)
    except (TypeError, ValueError):
        raise ValidationFailed("ผู้รับผิดชอบไม่ถูกต้อง กรุณาเลือกใหม่") from None
    found = session.execute(select(EOfficeUser.id).where(
        EOfficeUser.id == officer_id, EOfficeUser.agency_id == actor.agency_id,
        EOfficeUser.active.is_(True))).scalar_one_or_none()
    if found is None:
        raise ValidationFailed("ผู้รับผิดชอบต้องเป็นผู้ใช้งานของหน่วยงานเดียวกัน")
    return found


def officer_choices(session, actor):
    """(id, name) of who may be responsible for a contract: active users of the agency."""
    people = session.execute(select(EOfficeUser).where(
        EOfficeUser.agency_id == actor.agency_id, EOfficeUser.active.is_(True))
        .order_by(EOfficeUser.first_name, EOfficeUser.last_name)).scalars()
    return [(p.id, p.get_full_name()) for p in people]


# ---- number, change, cancel ---------------------------------------------------------------------


def _series(session, register, agency):
    basis = current_app.config.get("CONTRACT_YEAR_BASIS", {}).get(register.code, "fiscal")
    return numbering.get_series(session, f"{register.code}:{agency.id}", register.code,
                                agency_id=agency.id, year_basis=basis)


def _settings():
    return attachment_store.settings()


def register_contract(session, actor, code, data, uploads=(), now=None):
    """Issue the next number of register ``code`` of ``actor``'s agency for a contract (or bid
    document) with these details, in one transaction; files stored with it. Commits."""
    register = _require_keeper(actor, code)
    fields = clean(session, actor, register, data)
    settings = _settings()
    checked = attachment_store.check(list(uploads or ()), settings["max_bytes"],
                                     settings["max_files"])
    now = thai.naive_utc(now)
    agency = session.get(Agency, actor.agency_id)
    with unit_of_work(session) as work:
        series = _series(session, register, agency)
        year, (number,) = numbering.issue(session, series, now)
        contract = Contract(register=code, series_id=series.id, year=year, number=number,
                            agency_id=agency.id, status=IN_FORCE if register.contract else ACTIVE,
                            registered_by_id=actor.id, registered_at=now, **fields)
        session.add(contract)
        work.store(contract, checked, actor.id, now, settings["directory"])
    return contract


def reserve(session, actor, code, count, remarks=None, now=None):
    """จองเลข: ``count`` consecutive numbers of register ``code`` kept for contracts still being
    prepared, to be filled in within RESERVATION_DAYS working days (else cancelled, never
    reused). Returns the reserved rows; commits."""
    register = _require_keeper(actor, code)
    cfg = current_app.config
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ValidationFailed("จำนวนเลขที่จองต้องเป็นตัวเลข", field="count") from None
    if not 1 <= count <= cfg["RESERVATION_MAX_BLOCK"]:
        raise ValidationFailed(f"จองได้ครั้งละ 1 ถึง {cfg['RESERVATION_MAX_BLOCK']} เลข",
                               field="count")
    remarks = " ".join(str(remarks or "").split()) or None
    if remarks and len(remarks) > 2000:
        raise ValidationFailed("หมายเหตุยาวเกิน 2,000 ตัวอักษร", field="remarks")
    now = thai.naive_utc(now)
    here = thai.to_bangkok(now)
    until = holidays.after_working_days(session, now, cfg["RESERVATION_DAYS"])
    agency = session.get(Agency, actor.agency_id)
    with unit_of_work(session):
        series = _series(session, register, agency)
        year, numbers = numbering.issue(session, series, now, count=count)
        rows = [Contract(register=code, series_id=series.id, year=year, number=number,
                         agency_id=agency.id, status=RESERVED, reserved_until=until,
                         doc_date=here.date(), subject=RESERVATION_SUBJECT, amount=Decimal(0),
                         method=next(iter(METHODS)), remarks=remarks,
                         registered_by_id=actor.id, registered_at=now)
                for number in numbers]
        session.add_all(rows)
    return rows


def expire_reservations(session, now=None):
    """Cancel the reserved numbers not filled in by their deadline (their number stays in the
    register, cancelled, never reused); how many. Commits when there were any."""
    now = thai.naive_utc(now)
    overdue = (Contract.status == RESERVED, Contract.reserved_until < now)
    if session.execute(select(Contract.id).where(*overdue).limit(1)).first() is None:
        return 0
    with unit_of_work(session):
        done = session.execute(update(Contract).where(*overdue).values(
            status=CANCELLED, cancel_reason=EXPIRED_REASON, cancelled_at=now,
            reserved_until=None).execution_options(synchronize_session=False)).rowcount
    return done


def update_contract(session, actor, contract, data, now=None):
    """Change a contract's details (never its number), and its status among in force,
    completed and terminated. Commits."""
    require_change(actor, contract)  # who may: refused before any lock is taken
    with unit_of_work(session):
        # A change and a cancellation at once queue; the second sees the first (never
        # un-cancels a number).
        lock_and_reload(session, contract, "status")
        register = require_change(actor, contract)  # and what it is now
        now = thai.naive_utc(now)
        if contract.status == RESERVED and contract.reserved_until is not None \
                and contract.reserved_until < now:
            raise ValidationFailed("เลขที่จองนี้เลยกำหนดแล้ว ระบบจะยกเลิกเลขนี้ กรุณาจองเลขใหม่")
        fields = clean(session, actor, register, data)
        status = data.get("status") or contract.status
        if contract.status == RESERVED and status == RESERVED:  # filled in: now in use
            status = IN_FORCE if register.contract else ACTIVE
        if status not in statuses_of(contract.register) or status in (CANCELLED, RESERVED):
            raise ValidationFailed("สถานะไม่ถูกต้อง (การยกเลิกเลขใช้ปุ่มยกเลิกเลขพร้อมเหตุผล)")
        contract.reserved_until = None
        for name, value in fields.items():
            setattr(contract, name, value)
        contract.status = status
        contract.updated_at = now
    return contract


def cancel(session, actor, contract, reason, now=None):
    """ยกเลิกเลข: the number stays in the register, marked cancelled with the reason. Commits."""
    return entries.cancel(session, actor, contract, reason,
                          lambda c: require_change(actor, c),  # not cancelled meanwhile
                          now, cancelled=CANCELLED)


def add_files(session, actor, contract, uploads, now=None):
    require_change(actor, contract)
    settings = _settings()
    already = len(contract.files)
    checked = attachment_store.check(list(uploads or ()), settings["max_bytes"],
                                     settings["max_files"] - already)
    if not checked:
        raise ValidationFailed("กรุณาเลือกไฟล์ที่จะแนบ")
    with unit_of_work(session) as work:
        work.store(contract, checked, actor.id, thai.naive_utc(now), settings["directory"])


def open_file(session, actor, contract, file_id, disposition):
    """(file row, bytes) of a file of ``contract`` (found through ``visible``); audited."""
    row = session.execute(select(ContractFile).where(
        ContractFile.id == file_id, ContractFile.contract_id == contract.id)).scalar_one_or_none()
    if row is None:
        return None, None
    data = attachment_store.read(row, _settings()["directory"])
    with unit_of_work(session):
        audit.record(session, "attachment_open" if disposition == "inline"
                     else "attachment_download", target=row,
                     detail={"contract_id": contract.id, "register": contract.register,
                             "number": contract.number_text()})
    return row, data


# ---- search and what falls due ------------------------------------------------------------------


def search(actor, code, criteria):
    """The statement of register ``code``'s contracts that ``actor`` sees, matching
    ``criteria`` (a dict of what the search form holds; empty values are ignored), newest
    first. Refusals (a bad date or amount) are ValidationFailed."""
    c = {k: v for k, v in (criteria or {}).items() if v not in (None, "")}
    conditions = [scope(actor, code)]
    if "number" in c:
        conditions += numbering.number_conditions(Contract.number, Contract.year, c["number"],
                                                  "เลขที่", "12 หรือ 12/2569")
    for name, column in (("party", Contract.party_name), ("subject", Contract.subject)):
        if name in c:
            conditions.append(thai.contains(column, str(c[name]).strip()))
    if "tax_id" in c:
        digits = "".join(ch for ch in str(c["tax_id"]) if ch.isdigit())
        conditions.append(Contract.tax_id.like(f"%{digits}%"))
    date_from = date_value(c.get("date_from"), "ตั้งแต่วันที่")
    date_to = date_value(c.get("date_to"), "ถึงวันที่")
    if date_from:
        conditions.append(Contract.doc_date >= date_from)
    if date_to:
        conditions.append(Contract.doc_date <= date_to)
    amount_min = parse_amount(c.get("amount_min"), "จำนวนเงินตั้งแต่")
    amount_max = parse_amount(c.get("amount_max"), "จำนวนเงินถึง")
    if amount_min is not None:
        conditions.append(Contract.amount >= amount_min)
    if amount_max is not None:
        conditions.append(Contract.amount <= amount_max)
    if "status" in c:
        if c["status"] not in statuses_of(code):
            raise ValidationFailed("สถานะไม่ถูกต้อง")
        conditions.append(Contract.status == c["status"])
    if "method" in c:
        conditions.append(Contract.method == c["method"])
    return select(Contract).where(*conditions).order_by(Contract.id.desc())


def _due_conditions(today, days=DUE_DAYS):
    horizon = today + dt.timedelta(days=days)
    ending = and_(Contract.status == IN_FORCE, Contract.end_on.is_not(None),
                  Contract.end_on <= horizon)
    guarantee = and_(Contract.status != CANCELLED, Contract.guarantee_return_on.is_not(None),
                     Contract.guarantee_returned_on.is_(None),
                     Contract.guarantee_return_on <= horizon)
    return ending, guarantee


def flags(contract, today, days=DUE_DAYS):
    """What is due on ``contract`` within ``days`` (or overdue), as Thai phrases."""
    out = []
    horizon = today + dt.timedelta(days=days)
    if contract.status == IN_FORCE and contract.end_on and contract.end_on <= horizon:
        out.append(_due("สิ้นสุดสัญญา", contract.end_on, today))
    if (contract.status != CANCELLED and contract.guarantee_return_on
            and contract.guarantee_returned_on is None
            and contract.guarantee_return_on <= horizon):
        out.append(_due("คืนหลักประกัน", contract.guarantee_return_on, today))
    return out


def _due(what, day, today):
    left = (day - today).days
    if left < 0:
        return f"{what}เลยกำหนด {-left} วัน ({thai.format_date(day)})"
    if left == 0:
        return f"{what}วันนี้ ({thai.format_date(day)})"
    return f"{what}ในอีก {left} วัน ({thai.format_date(day)})"


def due_soon(session, actor, today, days=DUE_DAYS):
    """Contracts of ``actor``'s scope ending, or with a guarantee to return, within ``days``
    (or overdue), soonest first: the clerk's home page."""
    ending, guarantee = _due_conditions(today, days)
    found = session.execute(select(Contract).where(scope(actor), or_(ending, guarantee))
                            .order_by(Contract.id)).scalars().all()
    return sorted(found, key=lambda c: min(d for d in (
        c.end_on if c.status == IN_FORCE else None,
        c.guarantee_return_on if c.guarantee_returned_on is None else None) if d))
