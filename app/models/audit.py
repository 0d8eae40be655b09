"""The append-only audit log (บันทึกการตรวจสอบ), chained by hashes."""

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Integer, String, Text


class AuditLog(Model):
    """One event. ``hash`` = sha256(prev_hash + the row's canonical content), so an edit made
    directly in the database breaks the chain; on PostgreSQL and SQLite a trigger refuses UPDATE
    and DELETE (migration 0001)."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    seq = Column(Integer, nullable=False, unique=True)  # 1, 2, 3, ... with no gap
    occurred_at = Column(DateTime, nullable=False, index=True)  # UTC
    actor_id = Column(Integer, index=True)  # no foreign key: the log outlives users
    actor_name = Column(String(128))
    action = Column(String(32), nullable=False, index=True)
    target_type = Column(String(64))
    target_id = Column(String(64))
    target_label = Column(String(255))
    detail = Column(Text)  # JSON: before/after, or what was refused
    ip = Column(String(64))
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)


class AuditChainHead(Model):
    """A single row: the last seq and hash. Appending updates it first, which locks it until the
    transaction ends, so that concurrent appends queue instead of forking the chain."""

    __tablename__ = "audit_chain_head"
    id = Column(Integer, primary_key=True)
    seq = Column(Integer, nullable=False, default=0)
    last_hash = Column(String(64), nullable=False)
