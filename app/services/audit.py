"""The audit log: append events in the caller's transaction, chain them, verify the chain.

Each row's hash covers its content and the previous row's hash. Appending first updates the single
``audit_chain_head`` row (``UPDATE ... RETURNING``), which takes its row lock on PostgreSQL and the
write lock on SQLite, so concurrent appends queue behind each other and the chain never forks.

Changes to audited models are captured generically, in ``after_flush``, so that every screen,
API and command (FAB's own Roles screen included) is covered without calling anything.
"""

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu
from sqlalchemy import (
    Integer, String, bindparam, event, insert, inspect, select, text, update,
)
from sqlalchemy.orm import RelationshipProperty, Session

from app import thai
from app.models import (
    Agency,
    Attachment,
    AuditChainHead,
    AuditLog,
    EOfficeUser,
    RegisterEntry,
    WorkGroup,
)
from app.models.contracts import Contract, ContractFile

GENESIS_HASH = "0" * 64
HEAD_ID = 1

# Columns whose change is bookkeeping, not an act worth a row of its own.
IGNORED_COLUMNS = {
    "last_login", "login_count", "fail_login_count", "changed_on", "changed_by_fk",
    "created_on", "created_by_fk", "last_seen_at",
}
# Columns whose value must never be written into the log.
SECRET_COLUMNS = {"password", "session_stamp", "wrapped_key"}
AUDITED_MODELS = (Agency, WorkGroup, EOfficeUser, Role, PermissionView, Permission, ViewMenu,
                  RegisterEntry, Attachment, Contract, ContractFile)
MASK = "(ปกปิด)"

_LOG = AuditLog.__table__
_HEAD = AuditChainHead.__table__


def _canonical(row):
    """The exact bytes the hash covers; stable across SQLite and PostgreSQL round trips."""
    occurred = row["occurred_at"]
    fields = [
        str(row["seq"]),
        occurred.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        str(row.get("actor_id") or ""),
        row.get("actor_name") or "",
        row["action"],
        row.get("target_type") or "",
        row.get("target_id") or "",
        row.get("target_label") or "",
        row.get("detail") or "",
        row.get("ip") or "",
        row["prev_hash"],
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def row_hash(row):
    return hashlib.sha256(_canonical(row)).hexdigest()


def _current_actor():
    if not has_request_context():
        return None, None, None
    user = getattr(g, "user", None)
    ip = request.remote_addr
    if user is not None and getattr(user, "is_authenticated", False) and hasattr(user, "id"):
        try:
            return user.id, user.username, ip
        except Exception:  # a detached or expired user must not block the audit
            return None, None, ip
    return None, None, ip


# Built once (SQLAlchemy caches their compiled form): appending sits in every audited write's
# transaction, and on PostgreSQL inside the window where the head's row lock is held.
_ADVANCE_HEAD = (
    update(_HEAD).where(_HEAD.c.id == HEAD_ID)
    .values(seq=_HEAD.c.seq + bindparam("count", type_=Integer))
    .returning(_HEAD.c.seq, _HEAD.c.last_hash)
)
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(
    last_hash=bindparam("last_hash", type_=String))


_LOG_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_name", "action", "target_type",
                "target_id", "target_label", "detail", "ip", "prev_hash", "hash")
_ONE_TRIP_MAX = 16


@functools.lru_cache(maxsize=_ONE_TRIP_MAX)
def _append_in_one_trip(count):
    """PostgreSQL: insert ``count`` rows and move the head in one statement (one round trip
    inside the lock window instead of two), by a data-modifying WITH, which PostgreSQL runs to
    completion although the UPDATE does not read it. Plain SQL, so that it is compiled once per
    row count (a multi-row insert construct would be compiled on every call)."""
    values = ", ".join(
        "(" + ", ".join(f":{c}_{i}" for c in _LOG_COLUMNS) + ")" for i in range(count))
    return text(
        f"WITH appended AS (INSERT INTO {_LOG.name} ({', '.join(_LOG_COLUMNS)}) VALUES {values}) "
        f"UPDATE {_HEAD.name} SET last_hash = :last_hash WHERE id = {HEAD_ID}")


def _append(connection, events):
    """Chain and insert ``events`` (dicts) on ``connection``, inside its transaction."""
    if not events:
        return
    head = connection.execute(_ADVANCE_HEAD, {"count": len(events)}).one()
    seq = head.seq - len(events)
    prev = head.last_hash
    rows = []
    now = thai.utcnow()
    actor_id, actor_name, ip = _current_actor()
    for ev in events:
        seq += 1
        row = {
            "seq": seq,
            "occurred_at": ev.get("occurred_at") or now,
            "actor_id": ev.get("actor_id", actor_id),
            "actor_name": ev.get("actor_name", actor_name),
            "action": ev["action"],
            "target_type": ev.get("target_type"),
            "target_id": None if ev.get("target_id") is None else str(ev["target_id"]),
            "target_label": (ev.get("target_label") or "")[:255] or None,
            "detail": (
                None if ev.get("detail") is None
                else json.dumps(ev["detail"], ensure_ascii=False, sort_keys=True, default=str)
            ),
            "ip": ev.get("ip", ip),
            "prev_hash": prev,
        }
        row["hash"] = row_hash(row)
        prev = row["hash"]
        rows.append(row)
    if connection.dialect.name == "postgresql" and len(rows) <= _ONE_TRIP_MAX:
        params = {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in _LOG_COLUMNS}
        connection.execute(_append_in_one_trip(len(rows)), params | {"last_hash": prev})
    else:
        connection.execute(insert(_LOG), rows)
        connection.execute(_SET_HEAD_HASH, {"last_hash": prev})


def record(session, action, target=None, detail=None, **fields):
    """Append one event in ``session``'s transaction; the caller commits."""
    ev = {"action": action, "detail": detail, **fields}
    if target is not None:
        ev.setdefault("target_type", type(target).__name__)
        ev.setdefault("target_id", getattr(target, "id", None))
        ev.setdefault("target_label", _identifier(target))
    _append(session.connection(), [ev])


def ensure_head(connection):
    """Create the head row if missing (a new database)."""
    exists = connection.execute(select(_HEAD.c.id).where(_HEAD.c.id == HEAD_ID)).first()
    if not exists:
        connection.execute(insert(_HEAD).values(id=HEAD_ID, seq=0, last_hash=GENESIS_HASH))


# ---- capturing model changes -------------------------------------------------------------------


def _identifier(obj):
    """A locale-independent name for a related row (the screens show translated labels)."""
    if isinstance(obj, PermissionView):
        return f"{_identifier(obj.permission)} on {_identifier(obj.view_menu)}"
    if hasattr(obj, "audit_label"):
        return obj.audit_label()
    name = getattr(obj, "name", None) or getattr(obj, "username", None)
    return str(name) if name is not None else str(obj)


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return sorted(_identifier(v) for v in value)
    return str(value)


def _changes(obj, mode):
    """(before, after) dicts of the columns and many-to-many collections ``mode`` touched."""
    state = inspect(obj)
    before, after = {}, {}
    # A secret letter's content never reaches the log, which administrators read.
    masked = set(obj.audit_masked_columns()) if hasattr(obj, "audit_masked_columns") else set()
    for attr in state.mapper.attrs:
        key = attr.key
        is_relationship = isinstance(attr, RelationshipProperty)
        # A many-to-one is logged through its foreign-key column; many-to-many collections
        # (a user's roles, a role's permissions) are facts of their own.
        if key in IGNORED_COLUMNS or (is_relationship and attr.secondary is None):
            continue
        hist = state.attrs[key].history
        if mode == "create":
            old, new = None, state.dict.get(key)
        elif mode == "delete":
            old, new = state.dict.get(key), None
        elif not hist.has_changes():
            continue
        elif is_relationship:
            old = list(hist.unchanged) + list(hist.deleted)
            new = list(hist.unchanged) + list(hist.added)
        else:
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
        if key in SECRET_COLUMNS:
            old = "******" if old is not None else None
            new = "(ตั้งค่าแล้ว)" if new is not None else None
        elif key in masked:
            old = MASK if old is not None else None
            new = MASK if new is not None else None
        if mode != "create" and old not in (None, []):
            before[key] = _plain(old)
        if mode != "delete" and new not in (None, []):
            after[key] = _plain(new)
        elif mode == "update":
            after[key] = None
    return before, after


def _model_events(session):
    events = []
    for obj in list(session.new):
        if isinstance(obj, AUDITED_MODELS):
            _, after = _changes(obj, "create")
            events.append(_event("create", obj, {"after": after}))
    for obj in list(session.dirty):
        if isinstance(obj, AUDITED_MODELS) and session.is_modified(obj):
            before, after = _changes(obj, "update")
            if after:
                events.append(_event("update", obj, {"before": before, "after": after}))
    for obj in list(session.deleted):
        if isinstance(obj, AUDITED_MODELS):
            before, _ = _changes(obj, "delete")
            events.append(_event("delete", obj, {"before": before}))
    return events


def _event(action, obj, detail):
    return {
        "action": action,
        "target_type": type(obj).__name__,
        "target_id": getattr(obj, "id", None),
        "target_label": _identifier(obj),
        "detail": detail,
    }


def _after_flush(session, flush_context):
    if session.info.get("audit_disabled"):
        return
    events = _model_events(session)
    if events:
        _append(session.connection(), events)


def install_listeners():
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


# ---- verification ----------------------------------------------------------------------------


@dataclass
class ChainReport:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def verify_chain(session, batch=2000):
    """Walk the whole chain in order; report the first row that does not fit."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    columns = [c for c in _LOG.c if c.name != "id"]
    while True:
        rows = session.execute(
            select(*columns).where(_LOG.c.seq >= expected_seq)
            .order_by(_LOG.c.seq).limit(batch)
        ).mappings().all()
        if not rows:
            break
        for row in rows:
            row = dict(row)
            if row["seq"] != expected_seq:
                return ChainReport(False, checked, expected_seq, f"ไม่พบรายการลำดับที่ {expected_seq} (ถูกลบ)")
            if row["prev_hash"] != prev:
                return ChainReport(False, checked, row["seq"], f"รายการลำดับที่ {row['seq']} ไม่ต่อจากรายการก่อนหน้า")
            if row_hash(row) != row["hash"]:
                return ChainReport(False, checked, row["seq"], f"รายการลำดับที่ {row['seq']} ถูกแก้ไข")
            prev = row["hash"]
            expected_seq += 1
            checked += 1
    head = session.execute(select(_HEAD.c.seq, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)).first()
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return ChainReport(False, checked, checked + 1, "รายการท้ายสุดของบันทึกหายไปหรือไม่ตรงกับหัวสายโซ่")
    return ChainReport(True, checked)
