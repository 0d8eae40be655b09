"""The lines of the phone directory that are not users (รายชื่อในสมุดโทรศัพท์): an executive, an
office's line (สายตรงผู้ว่าราชการจังหวัด, a district office), kept by the clerks of their agency as
they keep its users: the administrator any agency's, an agency's clerks (and the central registry
for the Provincial Office) their own. app/services/directory.py lists and searches them."""

from app import thai
from app.levels import ADMIN
from app.services.errors import Faults, PermissionDenied
from app.services.org import SETS_UP_OWN_AGENCY, as_actor, committed

LIMITS = {"name": 255, "position": 255, "phone": 64, "extension": 16, "mobile": 64, "fax": 64}


def _agency_id(contact):
    return contact.agency.id if contact.agency is not None else contact.agency_id


def _require_keeper(actor, agency_id):
    if actor.level == ADMIN:
        return
    if actor.level not in SETS_UP_OWN_AGENCY or agency_id != actor.agency_id:
        raise PermissionDenied("จัดการได้เฉพาะสมุดโทรศัพท์ของหน่วยงานของท่านเท่านั้น")


def check_change(user, contact, now=None):
    """A contact as typed (new, or edited) before it is written: the keeper's, whole, its group
    of its agency; stamped with who changed it and when."""
    actor = as_actor(user)
    faults = Faults()  # every fault of the form at once
    for name, limit in LIMITS.items():
        value = " ".join(str(getattr(contact, name) or "").split()) or None
        if value is not None and len(value) > limit:
            faults.add(name, f"ยาวเกิน {limit:,} ตัวอักษร")
        setattr(contact, name, value)
    if not contact.name:
        faults.add("name", "กรุณากรอกชื่อ")
    agency_id = _agency_id(contact)
    if agency_id is None:
        faults.add("agency", "กรุณาเลือกหน่วยงาน")
    group = contact.work_group
    if group is not None and agency_id is not None and group.agency_id != agency_id:
        faults.add("work_group", "กลุ่มงานที่เลือกไม่ได้อยู่ในหน่วยงานที่เลือก")
    faults.check()
    before = committed(contact, "agency_id")
    if before is not None:
        _require_keeper(actor, before)
    _require_keeper(actor, agency_id)
    contact.updated_by_id = actor.id
    contact.updated_at = thai.naive_utc(now)


def check_delete(user, contact):
    _require_keeper(as_actor(user), contact.agency_id)
