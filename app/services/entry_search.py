"""Finding letters in a register: one set of criteria for the register's screen, its Excel
export, its report and the API.

A criterion is what a clerk types or picks: ``q`` (any text: a register number ``12`` or
``12/2569``, ที่, subject, sender, receiver), ``number``, ``doc_number``, ``subject``, ``sender``,
``receiver`` (each a part of that field), ``date_from``/``date_to`` (Buddhist-Era days of receipt
for incoming registers, of registration for the others), ``speed``, ``secrecy`` and ``status``
(codes). Empty values are ignored. A search on a letter's content never matches a secret letter
the actor is not party to (it would tell them what the letter is about); its number still does.
"""

import re

from sqlalchemy import and_, or_, select

from app import thai
from app.access import entry_scope, party_condition, registers_of
from app.models import RegisterEntry
from app.registers import REGISTERS
from app.services.correspondence import SECRECIES, SPEEDS, STATUSES
from app.services.errors import PermissionDenied, ValidationFailed

SEARCH_TEXT = ("doc_number", "subject", "sender", "receiver")
FIELDS = ("q", "number", *SEARCH_TEXT, "date_from", "date_to", "speed", "secrecy", "status")
MAX_TEXT = 200

_NUMBER = re.compile(r"^\s*(\d{1,9})\s*(?:/\s*(\d{4}))?\s*$")


def stamp_of(code):
    """The moment a register's day is counted by: receipt for incoming letters."""
    return RegisterEntry.received_at if REGISTERS[code].incoming else RegisterEntry.registered_at


def read(args, statuses=STATUSES):
    """The criteria of a search form or a query string (``args``: a mapping of texts), checked:
    dates parsed from วว/ดด/ปปปป, choices among their codes. Raises ValidationFailed (Thai)
    naming what is wrong; returns a dict holding only what was given."""
    found = {}
    for name in FIELDS:
        value = str(args.get(name) or "").strip()
        if not value:
            continue
        if len(value) > MAX_TEXT:
            raise ValidationFailed(f"คำค้นยาวเกิน {MAX_TEXT} ตัวอักษร")
        if "\x00" in value:
            raise ValidationFailed("คำค้นมีอักขระที่ใช้ไม่ได้")
        found[name] = value
    for name in ("date_from", "date_to"):
        if name in found:
            try:
                found[name] = thai.parse_date(found[name])
            except thai.ThaiDateError as e:
                label = "ตั้งแต่วันที่" if name == "date_from" else "ถึงวันที่"
                raise ValidationFailed(f"{label}: {e}") from None
    if found.get("date_from") and found.get("date_to") and found["date_to"] < found["date_from"]:
        raise ValidationFailed("วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น")
    if "number" in found:
        number = found["number"].translate(thai.ARABIC_DIGITS)
        if not number.isdigit() or len(number) > 9:
            raise ValidationFailed("เลขทะเบียนต้องเป็นตัวเลข")
        found["number"] = int(number)
    for name, mapping in (("speed", SPEEDS), ("secrecy", SECRECIES), ("status", statuses)):
        if name in found and found[name] not in mapping:
            raise ValidationFailed("ไม่มีตัวเลือกนี้ในรายการ กรุณาเลือกใหม่")
    return found


def conditions(actor, code, criteria):
    """The SQL conditions of ``criteria`` (as ``read`` returns them) on RegisterEntry."""
    found = []
    text = (criteria.get("q") or "").strip()
    if text:
        content = and_(or_(*(thai.contains(getattr(RegisterEntry, c), text)
                             for c in SEARCH_TEXT)), party_condition(actor))
        number = _NUMBER.match(text.translate(thai.ARABIC_DIGITS))
        if number:
            by_number = RegisterEntry.number == int(number.group(1))
            if number.group(2):
                by_number = and_(by_number, RegisterEntry.year == int(number.group(2)))
            content = or_(by_number, content)
        found.append(content)
    texts = {c: (criteria.get(c) or "").strip() for c in SEARCH_TEXT}
    found += [thai.contains(getattr(RegisterEntry, c), v) for c, v in texts.items() if v]
    if any(texts.values()):
        found.append(party_condition(actor))
    if criteria.get("number") not in (None, ""):
        found.append(RegisterEntry.number == criteria["number"])
    for name in ("speed", "secrecy", "status"):
        if criteria.get(name):
            found.append(getattr(RegisterEntry, name) == criteria[name])
    start, end = criteria.get("date_from"), criteria.get("date_to")
    if start and end and end < start:
        raise ValidationFailed("วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น")
    return found + within(stamp_of(code), criteria)


def within(column, criteria):
    """The conditions "``column`` (a UTC time) falls on the Bangkok days from ``date_from`` to
    ``date_to``" of ``criteria`` (as ``read`` returns them): [] when neither is given."""
    start, end = criteria.get("date_from"), criteria.get("date_to")
    if not (start or end):
        return []
    low, _ = thai.day_bounds(start or end)
    _, high = thai.day_bounds(end or start)
    return [column >= low, column < high]


def search(session, actor, code, criteria):
    """Entries of register ``code`` that ``actor`` sees, matching ``criteria``; newest first.
    Returns a query (a select). Refused (Thai) for a register the actor does not keep."""
    if code not in REGISTERS:
        raise ValidationFailed("ไม่มีทะเบียนนี้")
    if code not in registers_of(actor):
        raise PermissionDenied(f"คุณไม่มีสิทธิ์ใช้{REGISTERS[code].label}")
    return (select(RegisterEntry)
            .where(entry_scope(actor, code), *conditions(actor, code, criteria))
            .order_by(RegisterEntry.id.desc()))


def shown(criteria, statuses=STATUSES):
    """The active criteria as a clerk reads them: [(label, text)], for the list's
    "ค้นหาด้วย" line."""
    labels = {"q": "คำค้น", "number": "เลขทะเบียน", "doc_number": "ที่", "subject": "เรื่อง",
              "sender": "จาก", "receiver": "ถึง", "date_from": "ตั้งแต่วันที่",
              "date_to": "ถึงวันที่", "speed": "ชั้นความเร็ว", "secrecy": "ชั้นความลับ",
              "status": "สถานะ"}
    names = {"speed": SPEEDS, "secrecy": SECRECIES, "status": statuses}
    out = []
    for name in FIELDS:
        value = criteria.get(name)
        if value in (None, ""):
            continue
        if name in names:
            value = names[name].get(value, value)
        elif name.startswith("date_"):
            value = thai.format_date(value)
        out.append((labels[name], str(value)))
    return out
