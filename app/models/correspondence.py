"""Correspondence (ระบบงานสารบรรณ): number series, their yearly counters, register entries,
their attachments, and who is party to a secret letter.

A register entry (รายการในทะเบียน) is one line of an official register: an incoming letter given a
receipt number (เลขรับ), or an outgoing letter or order given its own number. Its number comes from
``NumberCounter`` through ``app.services.numbering``, in the transaction that inserts the entry;
the unique constraint on (series, year, number) is the backstop against any double issue.
"""

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.models.files import StoredFile
from app.models.numbered import CANCELLED, NumberedRecord
from app.registers import REGISTERS

YEAR_CALENDAR = "calendar"  # runs from 1 January
YEAR_FISCAL = "fiscal"  # runs from 1 October


class NumberSeries(Model):  # ชุดเลขทะเบียน
    """One running series of numbers: a register of one owner, normal or secret.

    ``key`` names it uniquely ("agency_in:12", "group_in:12:40:secret", "hire:12") so that it can
    be created on first use by any number of clerks at once without a duplicate.
    """

    __tablename__ = "number_series"
    id = Column(Integer, primary_key=True)
    key = Column(String(120), unique=True, nullable=False)
    kind = Column(String(32), nullable=False)
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=True, index=True)
    work_group_id = Column(Integer, ForeignKey("work_group.id"), nullable=True)
    secret = Column(Boolean, nullable=False, default=False)
    year_basis = Column(String(8), nullable=False, default=YEAR_CALENDAR)

    agency = relationship("Agency")
    work_group = relationship("WorkGroup")

    def __repr__(self):
        return self.key

    def owner_name(self):
        if self.work_group is not None:
            return repr(self.work_group)
        return self.agency.name if self.agency is not None else ""


class NumberCounter(Model):  # the last number issued in one series and year
    __tablename__ = "number_counter"
    series_id = Column(Integer, ForeignKey("number_series.id"), primary_key=True)
    year = Column(Integer, primary_key=True)  # Buddhist Era: 2569
    last_number = Column(Integer, nullable=False, default=0)


STATUS_ACTIVE = "active"  # ใช้งาน
STATUS_RESERVED = "reserved"  # จองเลข, not yet filled in
STATUS_CANCELLED = CANCELLED  # ยกเลิก: kept in the register, never deleted

# ชั้นความลับ stored: a letter that is not secret, and the one whose files never leave the browser.
NORMAL = "normal"
TOP_SECRET = "top_secret"

# What a user who is not party to a secret letter never sees (nor the audit log).
SECRET_CONTENT = ("doc_number", "sender", "receiver", "subject", "action", "remarks")

entry_reader = Table(  # the users party to a secret letter besides the clerk who registered it
    "register_entry_reader",
    Model.metadata,
    Column("entry_id", Integer, ForeignKey("register_entry.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id"), primary_key=True),
)


class RegisterEntry(NumberedRecord, Model):  # รายการทะเบียนหนังสือ
    __tablename__ = "register_entry"
    __table_args__ = (
        UniqueConstraint("series_id", "year", "number", name="uq_register_entry_number"),
        Index("ix_register_entry_agency", "register", "agency_id", "id"),
        Index("ix_register_entry_group", "register", "work_group_id", "id"),
        Index("ix_register_entry_status", "status", "reserved_until"),
        # The list filters, the daily report and the export of a period (migration 0003).
        Index("ix_register_entry_agency_speed", "register", "agency_id", "speed", "id"),
        Index("ix_register_entry_agency_secrecy", "register", "agency_id", "secrecy", "id"),
        Index("ix_register_entry_agency_status", "register", "agency_id", "status", "id"),
        Index("ix_register_entry_agency_registered", "register", "agency_id", "registered_at"),
        Index("ix_register_entry_agency_received", "register", "agency_id", "received_at"),
    )
    register = Column(String(32), nullable=False)  # a code of app/registers.py
    work_group_id = Column(Integer, ForeignKey("work_group.id"), nullable=True)

    speed = Column(String(16), nullable=False, default="normal")  # ชั้นความเร็ว
    secrecy = Column(String(16), nullable=False, default="normal")  # ชั้นความลับ
    doc_number = Column(String(120))  # ที่: the letter's own number
    doc_date = Column(Date)  # ลงวันที่
    sender = Column(String(255))  # จาก
    receiver = Column(String(255))  # ถึง
    subject = Column(Text)  # เรื่อง
    action = Column(String(255))  # การปฏิบัติ
    remarks = Column(Text)  # หมายเหตุ
    received_at = Column(DateTime)  # วันเวลาที่รับ (UTC), the receipt stamp of incoming letters

    status = Column(String(12), nullable=False, default=STATUS_ACTIVE)
    reserved_until = Column(DateTime)  # UTC; a reservation not filled by then is cancelled
    work_group = relationship("WorkGroup")
    readers = relationship("EOfficeUser", secondary=entry_reader)
    # Loaded when an entry's page asks for them, never for a list or an export of many.
    attachments = relationship("Attachment", back_populates="entry", order_by="Attachment.id")

    def __repr__(self):
        return f"{self.register} {self.number}/{self.year}"

    def number_text(self):
        """The number as the register writes it: ``12/2569`` or ``พง 0017.2/ว 12``."""
        return REGISTERS[self.register].number_text(self.number, self.year, self.doc_number)

    @property
    def is_secret(self):
        return (self.secrecy or NORMAL) != NORMAL

    @property
    def is_reserved(self):
        return self.status == STATUS_RESERVED

    def new_file(self, **fields):
        """A new attachment of this entry (for app.services.attachments.store)."""
        attachment = Attachment(**fields)
        attachment.entry = self
        return attachment

    def audit_masked_columns(self):
        return SECRET_CONTENT if (self.secrecy or "normal") != "normal" else ()


class Attachment(StoredFile, Model):  # เอกสารแนบ
    """A file of an entry, stored under the instance folder with a generated name.

    A secret letter's file is encrypted with its own key; ``wrapped_key`` is that key wrapped by
    the master key from the environment, which never reaches the database.
    """

    __tablename__ = "attachment"
    id = Column(Integer, primary_key=True)
    entry_id = Column(Integer, ForeignKey("register_entry.id"), nullable=False, index=True)

    entry = relationship("RegisterEntry", back_populates="attachments")

    def audit_masked_columns(self):
        secret = self.entry is not None and (self.entry.secrecy or "normal") != "normal"
        # The name may say what the letter is about; the digest would confirm a guessed file.
        return ("filename", "sha256") if secret else ()

    def audit_label(self):
        return f"attachment #{self.id}" if self.audit_masked_columns() else self.filename



class LetterTally(Model):  # letters registered per register, agency, group and month
    """How many letters each register of each agency (and group) registered in a month (Bangkok
    calendar): what the clerks' home-page chart reads, instead of counting a year of a register
    on every page. Kept by app/services/tally.py as entries become letters (registered, or a
    reserved number filled in); a reserved number never filled is no letter. ``work_group_id``
    is 0 for none (a unique key with NULL would not be unique)."""

    __tablename__ = "letter_tally"
    register = Column(String(32), primary_key=True)
    agency_id = Column(Integer, ForeignKey("agency.id"), primary_key=True)
    work_group_id = Column(Integer, primary_key=True, default=0, autoincrement=False)
    month = Column(String(7), primary_key=True)  # 2026-11 (Gregorian year, Bangkok month)
    count = Column(Integer, nullable=False, default=0)
