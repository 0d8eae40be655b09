"""Correspondence registers (ทะเบียนหนังสือ): register, reserve, fill, edit, cancel, attach.

Every function takes the session and the acting user, checks that the user may do it, and does
all of it or nothing. The functions that issue numbers or write files commit themselves: a file
written for an entry whose transaction then fails is removed, and the number goes back to its
counter with the rollback. Refusals raise PermissionDenied or ValidationFailed with a Thai message.
"""

import datetime as dt
import re

from flask import current_app
from sqlalchemy import false, select, update

from app import thai
from app.access import entry_scope, is_party, registers_of
from app.models import EOfficeUser, RegisterEntry
from app.models.correspondence import (
    NORMAL,
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    STATUS_RESERVED,
    TOP_SECRET,
)
from app.registers import REGISTERS
from app.services import attachments as attachment_store
from app.services import audit, entries, holidays, org
from app.services.errors import Faults, PermissionDenied, ValidationFailed
from app.services.timeline import record_event
from app.services.work import unit_of_work


# ชั้นความเร็ว and ชั้นความลับ, most pressing first; codes are stored, labels shown.
SPEEDS = {"most_urgent": "ด่วนที่สุด", "very_urgent": "ด่วนมาก", "urgent": "ด่วน", "normal": "ปกติ"}
SECRECIES = {"top_secret": "ลับที่สุด", "secret": "ลับมาก", "confidential": "ลับ",
             "normal": "ปกติ"}
STATUSES = {STATUS_ACTIVE: "ใช้งาน", STATUS_RESERVED: "จองเลข", STATUS_CANCELLED: "ยกเลิก"}

TEXT_LIMITS = {"doc_number": 120, "sender": 255, "receiver": 255, "action": 255,
               "subject": 2000, "remarks": 2000}
FIELD_NAMES = {"doc_number": "ที่", "sender": "จาก", "receiver": "ถึง", "subject": "เรื่อง",
               "action": "การปฏิบัติ", "remarks": "หมายเหตุ", "doc_date": "ลงวันที่"}
EXPIRED_REASON = "ไม่ได้ใช้เลขที่จองภายในกำหนด ระบบยกเลิกอัตโนมัติ"


def register_of(code):
    try:
        return REGISTERS[code]
    except KeyError:
        raise ValidationFailed("ไม่มีทะเบียนนี้ในระบบ") from None


def number_text(entry):
    """The number as written in the register: ``12``, ``พง 0017.2/ว 12`` or ``12/2569``."""
    return entry.number_text()


# ---- who may do what -------------------------------------------------------------------------


def require_register(actor, code):
    register = register_of(code)
    if code not in registers_of(actor):
        raise PermissionDenied(f"คุณไม่มีสิทธิ์ใช้{register.label}")
    return register


def find_entry(session, actor, code, number):
    """The entry of register ``code`` that ``actor`` sees, by its number as a clerk writes it:
    ``12`` (this year's, else the latest), ``12/2569``, or the letter's own number (ที่) of an
    outgoing register (``พง 0017.2/12``). None when nothing is asked; refused in Thai when it
    is not found (or not the user's to see)."""
    number = " ".join(str(number or "").translate(thai.ARABIC_DIGITS).split())
    if not code and not number:
        return None
    if not code or code not in REGISTERS:
        raise ValidationFailed("กรุณาเลือกทะเบียนของรายการที่เกี่ยวข้อง", field="entry_register")
    if not number:
        raise ValidationFailed("กรุณากรอกเลขทะเบียนของรายการที่เกี่ยวข้อง", field="entry_number")
    query = select(RegisterEntry).where(RegisterEntry.register == code, entry_scope(actor, code))
    match = re.fullmatch(r"(\d{1,9})(?:\s*/\s*(\d{4}))?", number)
    if match:
        query = query.where(RegisterEntry.number == int(match.group(1)))
        if match.group(2):
            query = query.where(RegisterEntry.year == int(match.group(2)))
    elif len(number) <= 120:
        query = query.where(RegisterEntry.doc_number == number)
    else:
        query = query.where(false())
    entry = session.execute(query.order_by(RegisterEntry.year.desc(), RegisterEntry.id.desc())
                            .limit(1)).scalars().first()
    if entry is None:
        raise ValidationFailed(f"ไม่พบเลข {number} ใน{REGISTERS[code].label} "
                               "(หรือคุณไม่มีสิทธิ์เห็นรายการนั้น)", field="entry_number")
    return entry


def visible(session, actor, entry_id):
    """The entry if ``actor`` may see it at all, else None (the caller answers 404)."""
    return session.execute(
        select(RegisterEntry).where(RegisterEntry.id == entry_id, entry_scope(actor))
    ).scalar_one_or_none()


def rights(actor, entry, granted=entries.granted_all):
    """The ``Rights`` of ``actor`` over ``entry``. ``granted(permission)`` is the role's grant of
    a screen's permission (``can_edit``, ``can_cancel``, ``can_attach``, ``can_file``,
    ``can_dispatch``) where a screen asks; the services' own checks grant them all."""
    read = is_party(entry, actor)
    keeps = entry.register in registers_of(actor)
    change = keeps and read and entry.status != STATUS_CANCELLED
    files = read and granted("can_file")
    return entries.Rights(
        read=read, keeps=keeps,
        edit=change and granted("can_edit"),
        cancel=change and granted("can_cancel"),
        attach=change and granted("can_attach"),
        open_files=files,
        download=files and entry.secrecy != TOP_SECRET,
        send=(keeps and read and entry.status == STATUS_ACTIVE and entry.secrecy != TOP_SECRET
              and bool(REGISTERS[entry.register].sends_to) and granted("can_dispatch")),
    )


def require_change(actor, entry):
    """Refuse unless ``actor`` keeps this register and may read this letter."""
    require_register(actor, entry.register)
    if not is_party(entry, actor):  # (an entry as it was committed, for an edit: check_edit)
        raise PermissionDenied("หนังสือลับฉบับนี้ แก้ไขได้เฉพาะผู้ที่เกี่ยวข้องกับหนังสือเท่านั้น")


def require_edit(actor, entry):
    """Refuse unless ``actor`` may edit ``entry``: not cancelled, and theirs to change. Asked
    before the edit form opens, and by check_edit of the entry as it was committed."""
    if entry.status == STATUS_CANCELLED:
        raise ValidationFailed("รายการนี้ถูกยกเลิกแล้ว แก้ไขไม่ได้")
    require_change(actor, entry)


# ---- validation ------------------------------------------------------------------------------


def clean(register, data, *, today=None, require_subject=True):
    """The entry's fields from ``data`` (a dict), trimmed and checked. Every field at fault is
    named at once (ValidationFailed.errors), each with its Thai message."""
    out, errors = {}, {}
    for name, limit in TEXT_LIMITS.items():
        if name not in data:
            continue
        value = data[name]
        value = None if value is None else str(value).strip() or None
        if value is not None and len(value) > limit:
            errors[name] = f"{FIELD_NAMES[name]} ยาวเกิน {limit:,} ตัวอักษร"
        out[name] = value
    for name, allowed, message in (("speed", SPEEDS, "ชั้นความเร็วไม่ถูกต้อง"),
                                   ("secrecy", SECRECIES, "ชั้นความลับไม่ถูกต้อง")):
        if name in data:
            out[name] = data[name] or NORMAL
            if out[name] not in allowed:
                errors[name] = message
    if "doc_date" in data:
        doc_date = data["doc_date"]
        if doc_date is not None and not isinstance(doc_date, dt.date):
            try:
                doc_date = thai.parse_date(doc_date)
            except thai.ThaiDateError as e:
                errors["doc_date"], doc_date = f"ลงวันที่: {e}", None
        today = today or thai.today()
        if doc_date is not None and register.incoming and doc_date > today:
            errors["doc_date"] = "ลงวันที่ของหนังสือรับต้องไม่เลยวันนี้"
        out["doc_date"] = doc_date
    if require_subject and not out.get("subject"):
        errors.setdefault("subject", "กรุณากรอกเรื่อง")
    if require_subject and register.incoming and "sender" in out and not out.get("sender"):
        errors.setdefault("sender", "กรุณากรอกว่าหนังสือมาจากที่ใด (จาก)")
    if errors:
        raise ValidationFailed.of(errors)
    return out


def _readers(session, actor, reader_ids, secret):
    if not reader_ids:
        return []
    if not secret:
        raise ValidationFailed("ผู้มีสิทธิ์อ่านกำหนดได้เฉพาะหนังสือลับ")
    try:
        ids = {int(i) for i in reader_ids}
    except (TypeError, ValueError):
        raise ValidationFailed("รายชื่อผู้มีสิทธิ์อ่านไม่ถูกต้อง กรุณาเลือกใหม่") from None
    users = session.execute(select(EOfficeUser).where(EOfficeUser.id.in_(ids))).scalars().all()
    if len(users) != len(ids):
        raise ValidationFailed("ไม่พบผู้ใช้บางคนที่เลือกเป็นผู้มีสิทธิ์อ่าน")
    return users


def _check_uploads(uploads, secret, already=0):
    """Check every file before anything is numbered or written; the master key of a secret one."""
    if not uploads:
        return [], None
    settings = attachment_store.settings()
    checked = attachment_store.check(
        uploads, settings["max_bytes"], settings["max_files"] - already)
    key = attachment_store.master_key_bytes(settings["master_key"]) if secret else None
    return checked, key


def _files(work, checked, key, actor, now):
    """What ``entries.create`` calls to write an entry's checked files in the unit of work."""
    directory = attachment_store.settings()["directory"]

    def store(entry):
        if checked:
            work.store(entry, checked, actor.id, now, directory, master_key=key,
                       encrypt=key is not None)
    return store


# ---- what a new entry's form offers ---------------------------------------------------------------

BACKDATE_DAYS = 30  # how far back a letter's real receipt may be given


def form_defaults(session, actor, code, now=None):
    """What the form of a new entry of ``code`` offers before the clerk types: today's date, the
    sender of an outgoing letter (the clerk's agency) and the register's usual addressee (ถึง):
    the governor for the province's register, the clerk's agency or group for theirs."""
    register = register_of(code)
    today = thai.to_bangkok(thai.naive_utc(now)).date()
    out = {"doc_date": today} if "doc_date" in register.typed_fields else {}
    if not register.incoming and actor.agency is not None:
        out["sender"] = actor.agency.name
    receiver = None
    if register.usual_receiver == "governor":
        office = org.provincial_office(session)
        province = office.name.replace("สำนักงาน", "", 1) if office is not None else "จังหวัด"
        receiver = f"ผู้ว่าราชการ{province}"
    elif register.usual_receiver == "agency" and actor.agency is not None:
        receiver = actor.agency.name
    elif register.usual_receiver == "group" and actor.work_group is not None:
        receiver = actor.work_group.name
    if receiver and "receiver" in register.typed_fields:
        out["receiver"] = receiver
    return out


def earlier_parties(session, actor, code, limit=30, looked_at=300):
    """{"sender": [...], "receiver": [...]}: whom the register's latest letters (those ``actor``
    sees, never a secret one) came from and went to, the most recent first, each once: what
    the form suggests as the clerk types."""
    register = register_of(code)
    out = {name: [] for name in ("sender", "receiver") if name in register.typed_fields}
    if not out:
        return out
    rows = session.execute(
        select(RegisterEntry.sender, RegisterEntry.receiver)
        .where(entry_scope(actor, code), RegisterEntry.secrecy == NORMAL)
        .order_by(RegisterEntry.id.desc()).limit(looked_at))
    for sender, receiver in rows:
        for name, value in (("sender", sender), ("receiver", receiver)):
            if name in out and value and value not in out[name] and len(out[name]) < limit:
                out[name].append(value)
    return out


def _received_at(register, data, now):
    """When the letter really arrived (naive UTC): ``now``, or the date and time the clerk of a
    register that allows it gave: not in the future, not more than BACKDATE_DAYS back."""
    day, time = data.pop("received_on", None), data.pop("received_time", None)
    if not register.backdated_receipt or (day is None and not (time or "").strip()):
        return now
    if day is None:
        raise ValidationFailed("กรุณากรอกวันที่รับจริงคู่กับเวลาที่รับ", field="received_on")
    try:
        at = thai.parse_time(time) or dt.time(0, 0)
    except thai.ThaiDateError as e:
        raise ValidationFailed(str(e), field="received_time") from None
    received = thai.to_utc(dt.datetime.combine(day, at))
    if received > now + dt.timedelta(minutes=1):
        raise ValidationFailed("วันเวลาที่รับจริงต้องไม่เลยเวลาปัจจุบัน", field="received_on")
    if received < now - dt.timedelta(days=BACKDATE_DAYS):
        raise ValidationFailed(f"วันที่รับจริงย้อนหลังได้ไม่เกิน {BACKDATE_DAYS} วัน "
                               "หนังสือที่รับไว้นานกว่านั้นให้ลงทะเบียนตามวันที่ลงทะเบียน",
                               field="received_on")
    return received


# ---- the operations ----------------------------------------------------------------------------


def register_entry(session, actor, code, data, uploads=(), reader_ids=(), now=None):
    """Register a letter in register ``code`` and issue its number, in one transaction."""
    register = require_register(actor, code)
    now = thai.naive_utc(now)
    data = dict(data)
    received_at = _received_at(register, data, now)
    fields = clean(register, data, today=thai.to_bangkok(now).date())
    secret = fields.get("secrecy", NORMAL) != NORMAL
    checked, key = _check_uploads(uploads, secret)
    readers = _readers(session, actor, reader_ids, secret)
    agency, group = entries.owner(session, actor, register)

    def registered(entry):
        record_event(session, entry.id, "registered", actor, now, entry_id=entry.id,
                     agency_id=agency.id, detail={"number": entry.number_text(),
                                                  "register": str(register.label)})

    with unit_of_work(session) as work:
        entry, = entries.create(session, actor, register, agency, group,
                                {**fields, "readers": readers}, now=now, event=registered,
                                files=_files(work, checked, key, actor, now),
                                received_at=received_at)
    return entry


def reserve(session, actor, code, count, secrecy=NORMAL, remarks=None, now=None):
    """Reserve ``count`` consecutive numbers (จองเลข) for letters still being drafted."""
    register = require_register(actor, code)
    if not register.reservable:
        raise ValidationFailed(f"{register.label} ไม่มีการจองเลข")
    cfg = current_app.config
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ValidationFailed("จำนวนเลขที่จองต้องเป็นตัวเลข") from None
    if not 1 <= count <= cfg["RESERVATION_MAX_BLOCK"]:
        raise ValidationFailed(f"จองได้ครั้งละ 1 ถึง {cfg['RESERVATION_MAX_BLOCK']} เลข")
    fields = clean(register, {"secrecy": secrecy, "remarks": remarks}, require_subject=False)
    now = thai.naive_utc(now)
    agency, group = entries.owner(session, actor, register)
    until = holidays.after_working_days(session, now, cfg["RESERVATION_DAYS"])
    with unit_of_work(session):
        reserved = entries.create(session, actor, register, agency, group, fields, now=now,
                                  count=count, status=STATUS_RESERVED, reserved_until=until)
    return reserved


def check_edit(actor, entry, now=None):
    """The rules of an edit made through a form that already copied itself into ``entry``.

    Editing a reservation fills it in (it becomes an active entry). A cancelled entry, or one
    whose reservation expired, is not edited. Secrecy cannot move a letter between the normal and
    the secret series: its number came from one of them.
    """
    from app.services.org import committed

    status = committed(entry, "status")
    old_secrecy = committed(entry, "secrecy") or NORMAL
    require_edit(actor, _CommittedView(entry, status, old_secrecy))
    now = thai.naive_utc(now)
    if status == STATUS_RESERVED and entry.reserved_until is not None \
            and entry.reserved_until < now:
        raise ValidationFailed("เลขที่จองนี้เลยกำหนดแล้ว ระบบจะยกเลิกเลขนี้ กรุณาจองเลขใหม่")
    faults = Faults()
    if (old_secrecy == NORMAL) != ((entry.secrecy or NORMAL) == NORMAL):
        faults.add("secrecy", "เปลี่ยนหนังสือปกติเป็นหนังสือลับ (หรือกลับกัน) ไม่ได้ "
                              "เพราะเลขมาจากคนละชุด กรุณายกเลิกรายการนี้แล้วลงทะเบียนใหม่")
    register = REGISTERS[entry.register]
    if not register.incoming and entry.doc_number != committed(entry, "doc_number"):
        faults.add("doc_number", "เลขที่หนังสือส่งออกโดยระบบ แก้ไขไม่ได้")
    data = {name: getattr(entry, name) for name in (*TEXT_LIMITS, "speed", "secrecy", "doc_date")}
    try:
        cleaned = clean(register, data, today=thai.to_bangkok(now).date())
    except ValidationFailed as refusal:  # said together with the faults above
        cleaned = {}
        for name, message in refusal.errors.items():
            faults.add(name, message)
    faults.check()
    if status == STATUS_RESERVED:
        entry.status = STATUS_ACTIVE
        entry.reserved_until = None
    for name, value in cleaned.items():
        setattr(entry, name, value)
    entry.updated_at = now


class _CommittedView:
    """The entry as it was before the form changed it, for require_edit."""

    def __init__(self, entry, status, secrecy):
        self.register = entry.register
        self.status = status
        self.secrecy = secrecy
        self.registered_by_id = entry.registered_by_id
        self.readers = entry.readers


def cancel(session, actor, entry, reason, now=None):
    """Cancel (ยกเลิก) an entry: it stays in the register with its number, marked, with why."""
    return entries.cancel(session, actor, entry, reason, lambda e: require_change(actor, e), now)


def check_attachments(actor, entry, uploads):
    """Refuse, before anything is written, what ``add_attachments`` would refuse: (the files
    checked, the key of a secret letter's)."""
    require_change(actor, entry)
    if entry.status == STATUS_CANCELLED:
        raise ValidationFailed("รายการนี้ถูกยกเลิกแล้ว แนบไฟล์เพิ่มไม่ได้")
    if not uploads:
        raise ValidationFailed("กรุณาเลือกไฟล์ที่จะแนบ")
    return _check_uploads(uploads, entry.secrecy != NORMAL, already=len(entry.attachments))


def add_attachments(session, actor, entry, uploads, now=None):
    """Attach more files to an entry (a scan made after registering, or as a reservation is
    filled in)."""
    checked, key = check_attachments(actor, entry, uploads)
    now = thai.naive_utc(now)
    with unit_of_work(session) as work:
        _files(work, checked, key, actor, now)(entry)
    return entry


def open_attachment(session, actor, entry, attachment_id, disposition, viewer_lines=None,
                    party=None):
    """The file of an attachment, for ``actor``: (attachment, bytes). Audited.

    ``disposition`` is "inline" or "attachment". A secret letter's file is only for its parties
    (``party``, when the caller knows better: the recipient of a delivery of it); a ลับที่สุด one
    opens in the browser only, never as a download; a secret PDF comes stamped with
    ``viewer_lines`` on every page.
    """
    from app.services import watermark

    attachment = next((a for a in entry.attachments if a.id == attachment_id), None)
    if attachment is None:
        return None, None
    if not (party if party is not None else is_party(entry, actor)):
        raise PermissionDenied("เอกสารแนบของหนังสือลับเปิดได้เฉพาะผู้ที่เกี่ยวข้องเท่านั้น")
    if entry.secrecy == TOP_SECRET and disposition != "inline":
        raise PermissionDenied("หนังสือลับที่สุดเปิดดูได้ในเบราว์เซอร์เท่านั้น ไม่อนุญาตให้ดาวน์โหลด")
    settings = attachment_store.settings()
    key = None
    if attachment.encrypted:
        key = attachment_store.master_key_bytes(settings["master_key"])
    data = attachment_store.read(attachment, settings["directory"], master_key=key)
    if entry.secrecy != NORMAL and attachment.content_type == "application/pdf":
        data = watermark.stamp_pdf(data, viewer_lines or [])
    with unit_of_work(session):
        audit.record(
            session, "attachment_open" if disposition == "inline" else "attachment_download",
            target=attachment,
            detail={"entry_id": entry.id, "register": entry.register, "number": entry.number,
                    "year": entry.year},
            target_label=(attachment.filename if entry.secrecy == NORMAL
                          else f"เอกสารแนบหนังสือลับ #{attachment.id}"),
        )
    return attachment, data


def expire_reservations(session, now=None):
    """Cancel every reservation past its deadline; returns how many. Never reuses a number."""
    now = thai.naive_utc(now)
    overdue = (RegisterEntry.status == STATUS_RESERVED, RegisterEntry.reserved_until < now)
    # Read first: the lists call this on every view, and a write would queue them all on
    # SQLite's write lock even when nothing is overdue.
    if session.execute(select(RegisterEntry.id).where(*overdue).limit(1)).first() is None:
        return 0
    with unit_of_work(session):
        result = session.execute(
            update(RegisterEntry)
            .where(RegisterEntry.status == STATUS_RESERVED, RegisterEntry.reserved_until < now)
            .values(status=STATUS_CANCELLED, cancel_reason=EXPIRED_REASON, cancelled_at=now)
        )
        if result.rowcount:
            audit.record(session, "reservations_expired", detail={"count": result.rowcount},
                         actor_id=None, actor_name="ระบบ")
    return result.rowcount
