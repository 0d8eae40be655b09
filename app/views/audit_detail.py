"""The audit log's detail (``AuditLog.detail``, a JSON dict) as a clerk reads it: each key by its
Thai name, each value in Thai (yes/no, codes by their labels, times in Bangkok and the Buddhist
Era, lists joined), a change as a table of before and after.

Only the display changes: the stored JSON is what the hash chain covers, and it is what the
auditor's Excel export keeps beside this readable text. Every key the code records (the
``detail=`` of ``audit.record`` and the columns of the audited models) has a name here; a test
reads the code for them (tests/test_english_left.py).
"""

import datetime as dt
import json
import re

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app import thai
from app.levels import level_label
from app.models.contracts import GUARANTEES, METHODS
from app.models.documents import EXTERNAL, INTERNAL
from app.models.org import AGENCY_KINDS
from app.permission_labels import VIEWS, identifier_label
from app.registers import REGISTERS
from app.services import contracts as contract_service
from app.services.correspondence import SECRECIES, SPEEDS, STATUSES
from app.views.entry_form import LABELS as ENTRY_LABELS
from app.views.labels import file_kind

# In the order a change lists them.
KEY_LABELS = {
    # who and what
    "id": _l("รหัสในระบบ"),
    "username": _l("ชื่อผู้ใช้"),
    "first_name": _l("ชื่อ"),
    "last_name": _l("นามสกุล"),
    "name": _l("ชื่อ"),
    "title": _l("หัวข้อ"),
    "code": _l("รหัส"),
    "kind": _l("ประเภท"),
    "level": _l("ระดับสิทธิ์"),
    "position": _l("ตำแหน่ง"),
    "agency_id": _l("หน่วยงาน (รหัส)"),
    "work_group_id": _l("กลุ่มงาน (รหัส)"),
    "is_provincial_office": _l("สำนักงานจังหวัด (สารบรรณกลาง)"),
    "own_numbers": _l("ออกเลขหนังสือส่งเอง"),
    "email": _l("อีเมล"),
    "phone": _l("โทรศัพท์"),
    "fax": _l("โทรสาร"),
    "address": _l("ที่อยู่"),
    "office_phone": _l("โทรศัพท์ที่ทำงาน"),
    "extension": _l("เบอร์ภายใน"),
    "mobile_phone": _l("โทรศัพท์มือถือ"),
    "show_mobile": _l("แสดงเบอร์โทรศัพท์มือถือในสมุดโทรศัพท์"),
    "active": _l("สถานะใช้งาน"),
    "password": _l("รหัสผ่าน"),
    "must_change_password": _l("ต้องเปลี่ยนรหัสผ่านเมื่อเข้าสู่ระบบ"),
    "session_stamp": _l("รหัสประจำการเข้าสู่ระบบ"),
    "locked_until": _l("ล็อกถึง"),
    "lockout_count": _l("จำนวนครั้งที่ถูกล็อก"),
    "roles": _l("บทบาท"),
    "role": _l("บทบาท"),
    "groups": _l("กลุ่มสิทธิ์"),
    "user": _l("ผู้ใช้งาน"),
    "permissions": _l("สิทธิ์"),
    "permission_id": _l("สิทธิ์พื้นฐาน (รหัส)"),
    "view_menu_id": _l("หน้าจอ/เมนู (รหัส)"),
    # letters and contracts
    "register": _l("ทะเบียน"),
    "year": _l("ปี"),
    "number": _l("เลขที่"),
    "series_id": _l("ชุดเลขทะเบียน (รหัส)"),
    "entry_id": _l("หนังสือ (รหัส)"),
    # A letter's fields, named as the registers' screens name them.
    **{k: ENTRY_LABELS[k] for k in ("speed", "secrecy", "doc_number", "doc_date", "sender",
                                    "receiver", "subject", "action", "remarks")},
    "received_at": _l("รับเมื่อ"),
    "readers": _l("ผู้มีสิทธิ์อ่าน"),
    "status": _l("สถานะ"),
    "reserved_until": _l("จองไว้ถึง"),
    "registered_at": _l("ลงทะเบียนเมื่อ"),
    "registered_by_id": _l("ผู้ลงทะเบียน (รหัส)"),
    "updated_at": _l("แก้ไขเมื่อ"),
    "cancel_reason": _l("เหตุผลที่ยกเลิก"),
    "cancelled_at": _l("ยกเลิกเมื่อ"),
    "cancelled_by_id": _l("ผู้ยกเลิก (รหัส)"),
    "contract_id": _l("สัญญา (รหัส)"),
    "party_name": _l("คู่สัญญา"),
    "tax_id": _l("เลขประจำตัวผู้เสียภาษีอากร"),
    "amount": _l("มูลค่าสัญญา (บาท)"),
    "method": _l("วิธีจัดซื้อจัดจ้าง"),
    "start_on": _l("วันเริ่มสัญญา"),
    "end_on": _l("วันสิ้นสุดสัญญา"),
    "deadline_on": _l("กำหนดส่งมอบ/แล้วเสร็จ"),
    "warranty_months": _l("ระยะเวลารับประกัน (เดือน)"),
    "guarantee_type": _l("หลักประกันสัญญา"),
    "guarantee_amount": _l("จำนวนเงินหลักประกัน (บาท)"),
    "guarantee_return_on": _l("กำหนดคืนหลักประกัน"),
    "guarantee_returned_on": _l("วันที่คืนหลักประกันแล้ว"),
    "officer_id": _l("ผู้รับผิดชอบ (รหัส)"),
    # files
    "filename": _l("ชื่อไฟล์"),
    "content_type": _l("ชนิดไฟล์"),
    "size": _l("ขนาด"),
    "sha256": _l("ค่าแฮชของไฟล์ (SHA-256)"),
    "storage_name": _l("ชื่อไฟล์ที่จัดเก็บ"),
    "wrapped_key": _l("กุญแจเข้ารหัสไฟล์"),
    "uploaded_at": _l("แนบเมื่อ"),
    "uploaded_by_id": _l("ผู้แนบ (รหัส)"),
    "files": _l("ไฟล์แนบ"),
    "files_added": _l("ไฟล์ที่เพิ่ม"),
    "files_removed": _l("ไฟล์ที่นำออก"),
    # documents, announcements, agenda, files for signature, chat
    "document_id": _l("เอกสาร (รหัส)"),
    "scope": _l("ขอบเขตการส่ง"),
    "recipients": _l("จำนวนผู้รับ"),
    "public": _l("แสดงในหน้าเข้าสู่ระบบ"),
    "everyone": _l("ถึงทุกหน่วยงาน"),
    "agencies": _l("หน่วยงานที่ได้รับ (รหัส)"),
    "publish_from": _l("เผยแพร่ตั้งแต่"),
    "publish_until": _l("เผยแพร่ถึง"),
    "with": _l("เกี่ยวข้องกับ"),
    "executive": _l("เสนอผู้บริหาร"),
    "tracked_file": _l("แฟ้ม"),
    "guest": _l("ผู้ติดต่อที่ไม่ได้เข้าสู่ระบบ"),
    "messages": _l("จำนวนข้อความ"),
    "started_at": _l("เริ่มสนทนาเมื่อ"),
    # exports, checks, logins
    "what": _l("สิ่งที่ส่งออก"),
    "args": _l("เงื่อนไขการค้นหา"),
    "count": _l("จำนวน"),
    "ok": _l("ถูกต้องครบถ้วน"),
    "checked": _l("จำนวนรายการที่ตรวจ"),
    "bad_seq": _l("ลำดับที่พบความผิดปกติ"),
    "failures": _l("จำนวนครั้งที่ใส่รหัสผ่านผิดติดต่อกัน"),
    "suspended": _l("บัญชีถูกระงับการใช้งาน"),
    "seconds": _l("ระยะเวลาที่ล็อก"),
    "lockouts": _l("จำนวนครั้งที่ถูกล็อก"),
    "limited_by": _l("เกินกำหนดของ"),
    "limit": _l("เกณฑ์ที่กำหนด"),
    "retry_after": _l("ลองใหม่ได้ในอีก"),
    "path": _l("ที่อยู่ที่เรียก"),
    "endpoint": _l("หน้าจอที่เรียก"),
    # a change's two sides, and a role's permissions put back to its level's default
    "before": _l("ก่อนแก้ไข"),
    "after": _l("หลังแก้ไข"),
    "granted": _l("ให้สิทธิ์ตามค่าเริ่มต้นคืน"),
    "revoked": _l("ถอนสิทธิ์ที่เกินค่าเริ่มต้น"),
}
# Where one key means another thing for one kind of event.
ACTION_KEY_LABELS = {
    "access_denied": {"status": _l("รหัสคำตอบ (HTTP)"), "method": _l("วิธีการเรียก (HTTP)"),
                      "address": _l("เลขที่อยู่ไอพี")},
    "login_throttled": {"address": _l("เลขที่อยู่ไอพี")},
    "appointment_double_booked": {"with": _l("ซ้อนเวลากับนัดหมาย (รหัส)")},
    "chat_close": {"with": _l("สนทนากับ")},
    "document_send": {"files": _l("จำนวนไฟล์")},
}
EXPORTS = {
    "audit_log": _l("บันทึกการตรวจสอบ"),
    "received_from_province": _l("ทะเบียนหนังสือรับทางระบบ"),
    "sent_letters": _l("ติดตามหนังสือที่ส่ง"),
    "tracked_files": _l("ทะเบียนติดตามแฟ้มเสนอลงนาม"),
    "phone_directory": _l("สมุดโทรศัพท์ (Excel)"),
    "phone_directory_pdf": _l("สมุดโทรศัพท์ (PDF)"),
}
SCOPES = {INTERNAL: _l("ภายในหน่วยงาน"), EXTERNAL: _l("ภายนอกหน่วยงาน")}
LIMITS = {"address": _l("เลขที่อยู่ไอพี"), "account": _l("ชื่อผู้ใช้")}
CHANGE_HEADERS = (_l("ข้อมูล"), _l("ก่อน"), _l("หลัง"))
EMPTY = _l("(ว่าง)")
NONE = _l("(ไม่มี)")
YES, NO = _l("ใช่"), _l("ไม่ใช่")
SECONDS = _l("%(n)s วินาที")
DURATION_UNITS = ((86400, _l("%(n)s วัน")), (3600, _l("%(n)s ชั่วโมง")), (60, _l("%(n)s นาที")),
                  (1, SECONDS))
PERMISSION_GROUP = _l("%(heading)s (%(n)s รายการ):")
PERMISSIONS_AFTER = _l("สิทธิ์ทั้งหมดหลังการเปลี่ยนแปลง: %(n)s รายการ")
_ORDER = {key: i for i, key in enumerate(KEY_LABELS)}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?\Z")
_FILTER_ARG = re.compile(r"_flt_\d+_(\w+)\Z")


def key_label(key, action=None):
    """The Thai name of a detail's key; the key itself if it has none."""
    label = ACTION_KEY_LABELS.get(action, {}).get(key) or KEY_LABELS.get(key)
    if label is None:
        match = _FILTER_ARG.match(str(key))  # a list's filter in an export's arguments
        label = KEY_LABELS.get(match.group(1)) if match else None
    return str(label) if label is not None else str(key)


def _register(code):
    register = REGISTERS.get(code) or contract_service.REGISTERS.get(code)
    return register.label if register is not None else None


def _status(value, target_type):
    table = contract_service.STATUSES if target_type == "Contract" else STATUSES
    return table.get(value)


def _seconds(value):
    """A duration as a clerk reads it: ``1 ชั่วโมง 30 นาที``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    parts = []
    for size, unit in DURATION_UNITS:
        count, value = divmod(value, size)
        if count:
            parts.append(unit % {"n": f"{count:,}"})
    return " ".join(parts) or SECONDS % {"n": 0}


def _endpoint(value):
    """``AuditLogView.list``: the screen by its Thai name."""
    label = VIEWS.get(str(value).partition(".")[0])
    return str(label) if label is not None else None


# Values given by a code, read through the code's table (value, the row's target type).
_CODES = {
    "level": lambda v, _t: level_label(v) or None,
    "register": lambda v, _t: _register(v),
    "what": lambda v, _t: EXPORTS.get(v) or _register(v),
    "speed": lambda v, _t: SPEEDS.get(v),
    "secrecy": lambda v, _t: SECRECIES.get(v),
    "status": _status,
    "kind": lambda v, t: AGENCY_KINDS.get(v) if t in (None, "Agency") else None,
    "method": lambda v, _t: METHODS.get(v),
    "guarantee_type": lambda v, _t: GUARANTEES.get(v),
    "scope": lambda v, _t: SCOPES.get(v),
    "limited_by": lambda v, _t: LIMITS.get(v),
    "content_type": lambda v, _t: file_kind(v) if isinstance(v, str) else None,
    "size": lambda v, _t: thai.file_size(v) if isinstance(v, int) else None,
    "amount": lambda v, _t: _baht(v),
    "guarantee_amount": lambda v, _t: _baht(v),
    "seconds": lambda v, _t: _seconds(v),
    "retry_after": lambda v, _t: _seconds(v),
    "endpoint": lambda v, _t: _endpoint(v),
}


def _baht(value):
    try:
        return thai.format_baht(float(value))
    except (TypeError, ValueError):
        return None


def _when(text):
    """A stored time (ISO, naive UTC) in Bangkok and the Buddhist Era; a date as it is."""
    try:
        if _DATE.match(text):
            return thai.format_date(dt.date.fromisoformat(text))
        if _DATETIME.match(text):
            return thai.format_datetime(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None
    return None


def value_text(key, value, action=None, target_type=None):
    """One value of the detail as a clerk reads it."""
    if value is None:
        return str(EMPTY)
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(key, v, action, target_type) for v in value) or str(NONE)
    if isinstance(value, dict):
        return "; ".join(f"{key_label(k, action)}: {value_text(_column(k), v, action, target_type)}"
                         for k, v in value.items()) or str(NONE)
    code = _CODES.get(key)
    if code is not None:  # an HTTP status (access_denied) is in no code table: a number
        text = code(value, target_type)
        if text is not None:
            return str(text)
    if isinstance(value, str):
        return _when(value) or identifier_label(value)
    return str(value)


def _column(key):
    match = _FILTER_ARG.match(str(key))
    return match.group(1) if match else key


# ---- the detail read into parts ----------------------------------------------------------------


def _load(raw):
    try:
        detail = json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return None
    return detail if isinstance(detail, dict) else None


def _ordered(keys):
    return sorted(keys, key=lambda k: (_ORDER.get(k, len(_ORDER)), k))


def _permission_part(detail):
    """A role's permissions changed (the model listener's before/after lists, or a restore's
    granted/revoked): [(heading, [permission in Thai])], and the count after; None otherwise."""
    if isinstance(detail.get("granted"), list) or isinstance(detail.get("revoked"), list):
        return [(_l("ให้สิทธิ์ตามค่าเริ่มต้นคืน"), detail.get("granted") or []),
                (_l("ถอนสิทธิ์ที่เกินค่าเริ่มต้น"), detail.get("revoked") or [])], None
    before, after = detail.get("before"), detail.get("after")
    if not (isinstance(before, dict) or isinstance(after, dict)):
        return None
    before, after = before or {}, after or {}
    if not (isinstance(before.get("permissions"), list)
            or isinstance(after.get("permissions"), list)):
        return None
    old, new = before.get("permissions") or [], after.get("permissions") or []
    groups = [(_l("ให้สิทธิ์"), [i for i in new if i not in set(old)]),
              (_l("ถอนสิทธิ์"), [i for i in old if i not in set(new)])]
    return [g for g in groups if g[1]], len(new)


def parts(raw, action=None, target_type=None):
    """The detail as ``(permissions, changes, fields)``: the permission groups of a role's change
    (or None); rows (label, before, after) of what changed; rows (label, value) of the rest."""
    detail = _load(raw)
    if detail is None:
        return None
    text = lambda k, v: value_text(k, v, action, target_type)  # noqa: E731
    permissions = _permission_part(detail)
    before, after = detail.get("before"), detail.get("after")
    changes, fields = [], []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in _ordered(set(before) | set(after)):
            if key == "permissions" and permissions is not None:
                continue
            old, new = before.get(key), after.get(key)
            if old != new:
                changes.append((key_label(key, action), text(key, old), text(key, new)))
    else:  # a row created (after) or deleted (before): what it held
        held = after if isinstance(after, dict) else before if isinstance(before, dict) else {}
        fields += [(key_label(k, action), text(k, held[k])) for k in _ordered(held)
                   if not (k == "permissions" and permissions is not None)]
    rest = {k: v for k, v in detail.items() if k not in ("before", "after")}
    if permissions is not None:
        rest = {k: v for k, v in rest.items() if k not in ("granted", "revoked")}
    fields += [(key_label(k, action), text(k, rest[k])) for k in _ordered(rest)]
    return permissions, changes, fields


def detail_text(raw, action=None, target_type=None):
    """The detail as lines of text (the Excel export's readable column)."""
    read = parts(raw, action, target_type)
    if read is None:
        return raw or ""
    permissions, changes, fields = read
    lines = []
    if permissions is not None:
        groups, total = permissions
        for heading, items in groups:
            lines.append(PERMISSION_GROUP % {"heading": heading, "n": len(items)})
            lines += [f"  • {identifier_label(i)}" for i in items]
        if total is not None:
            lines.append(PERMISSIONS_AFTER % {"n": total})
    lines += [f"{label}: {old} → {new}" for label, old, new in changes]
    lines += [f"{label}: {value}" for label, value in fields]
    return "\n".join(lines)


def detail_html(raw, action=None, target_type=None):
    """The detail for the show page: the permissions as lists, a change as a table of before
    and after, the rest as a table of names and values. One line of HTML (the cell keeps its
    line breaks)."""
    read = parts(raw, action, target_type)
    if read is None:
        return raw or ""
    permissions, changes, fields = read
    html = []
    if permissions is not None:
        groups, total = permissions
        for heading, items in groups:
            html.append(Markup('<p><strong>{}</strong></p><ul class="list-unstyled">').format(
                PERMISSION_GROUP % {"heading": heading, "n": len(items)}))
            html += [Markup("<li>• {}</li>").format(identifier_label(i)) for i in items]
            html.append(Markup("</ul>"))
        if total is not None:
            html.append(Markup("<p>{}</p>").format(PERMISSIONS_AFTER % {"n": total}))
    if changes:
        html.append(Markup('<table class="table table-condensed audit-detail audit-change">'
                           "<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>")
                    .format(*CHANGE_HEADERS))
        html += [Markup("<tr><th>{}</th><td>{}</td><td>{}</td></tr>").format(*row)
                 for row in changes]
        html.append(Markup("</tbody></table>"))
    if fields:
        html.append(Markup('<table class="table table-condensed audit-detail"><tbody>'))
        html += [Markup("<tr><th>{}</th><td>{}</td></tr>").format(*row) for row in fields]
        html.append(Markup("</tbody></table>"))
    return Markup("").join(html) if html else escape("")
