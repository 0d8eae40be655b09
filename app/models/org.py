"""Organisation and people: agencies (หน่วยงาน), their groups (กลุ่ม/กอง/ฝ่าย/สาขา) and users."""

import secrets

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Role, User
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import object_session, relationship

from app.extensions import db
from app.levels import SECRETARY_ROLE, level_label

# The kinds of sub-unit an agency has, as clerks name them.
GROUP_KINDS = ("กลุ่ม", "กอง", "ฝ่าย", "สาขา")


# What an agency is: a provincial agency (ส่วนราชการประจำจังหวัด), a district office (อำเภอ), or
# another (a state enterprise, a central agency's office in the province).
PROVINCIAL, DISTRICT, OTHER = "provincial", "district", "other"
AGENCY_KINDS = {PROVINCIAL: "ส่วนราชการประจำจังหวัด", DISTRICT: "อำเภอ", OTHER: "หน่วยงานอื่น"}


class Agency(Model):  # หน่วยงาน / ส่วนราชการ
    __tablename__ = "agency"
    id = Column(Integer, primary_key=True)
    name = Column(String(255), unique=True, nullable=False)
    code = Column(String(32), unique=True, nullable=False)  # เลขประจำส่วนราชการ, e.g. "พง 0017.2"
    phone = Column(String(64))
    fax = Column(String(64))
    address = Column(Text)
    # The Provincial Office (สำนักงานจังหวัด) keeps the province's central registry.
    is_provincial_office = Column(Boolean, nullable=False, default=False)
    # What it is, by which a letter's recipients are grouped (AGENCY_KINDS).
    kind = Column(String(16), nullable=False, default=PROVINCIAL, server_default=PROVINCIAL)

    groups = relationship("WorkGroup", back_populates="agency", order_by="WorkGroup.name")

    def __repr__(self):
        return self.name


class WorkGroup(Model):  # กลุ่ม/กอง/ฝ่าย/สาขา of one agency
    __tablename__ = "work_group"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_work_group_agency_name"),)
    id = Column(Integer, primary_key=True)
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="กลุ่ม")
    name = Column(String(255), nullable=False)
    code = Column(String(32))  # its own prefix for letters, where it has one
    # It keeps its own outgoing numbers (หนังสือส่ง ปกติ and เวียน) under its own code: its
    # clerks' letters read พง 0017.1/12, numbered apart from the agency's.
    own_numbers = Column(Boolean, nullable=False, default=False, server_default=false())
    phone = Column(String(64))
    fax = Column(String(64))

    agency = relationship("Agency", back_populates="groups")

    def __repr__(self):
        # Groups of different agencies share names ("กลุ่มงานบริหารทั่วไป"): say whose.
        return f"{self.name} ({self.agency.code})" if self.agency is not None else self.name


def new_session_stamp():
    return secrets.token_hex(16)


class EOfficeUser(User):  # ผู้ใช้งาน: FAB's user, extended
    """FAB's ``ab_user`` with the e-office columns (single-table extension, as FAB documents).

    ``level`` (1-5) decides the user's FAB role; see app/security.py LEVELS. ``agency_id`` and
    ``work_group_id`` are nullable only so that FAB's own ``fab create-admin`` keeps working;
    every form requires them.
    """

    __tablename__ = "ab_user"
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=True, index=True)
    work_group_id = Column(Integer, ForeignKey("work_group.id"), nullable=True, index=True)
    level = Column(SmallInteger, nullable=True)
    position = Column(String(255))  # ตำแหน่ง
    office_phone = Column(String(64))
    extension = Column(String(16))  # เบอร์ภายใน
    mobile_phone = Column(String(64))
    show_mobile = Column(Boolean, nullable=False, default=False)  # in the phone directory
    last_seen_at = Column(DateTime)  # UTC; an administrator's, for "online" on the login page
    # A password given by someone else must be changed at first login.
    must_change_password = Column(Boolean, nullable=False, default=False)
    # Changing the stamp ends every session and token the user holds.
    session_stamp = Column(String(32), nullable=False, default=new_session_stamp)
    locked_until = Column(DateTime, nullable=True)  # UTC
    lockout_count = Column(Integer, nullable=False, default=0)

    agency = relationship("Agency", foreign_keys=[agency_id])
    work_group = relationship("WorkGroup", foreign_keys=[work_group_id])

    def __repr__(self):
        return self.get_full_name()

    def level_text(self):
        return level_label(self.level)

    def status_label(self):
        return "ใช้งาน" if self.active else "ระงับการใช้งาน"

    # A role given on top of the level: the executives' secretary (ติดตามแฟ้มเสนอลงนาม).
    @property
    def executive_secretary(self):
        return any(r.name == SECRETARY_ROLE for r in self.roles)

    @executive_secretary.setter
    def executive_secretary(self, value):
        if bool(value) == self.executive_secretary:
            return
        if value:
            session = object_session(self) or db.session
            role = session.query(Role).filter_by(name=SECRETARY_ROLE).one_or_none()
            if role is not None:  # roles not synced yet: nothing to give
                self.roles = list(self.roles) + [role]
        else:
            self.roles = [r for r in self.roles if r.name != SECRETARY_ROLE]


class DirectoryContact(Model):  # รายชื่อในสมุดโทรศัพท์ที่ไม่มีบัญชีผู้ใช้
    """A line of the phone directory that is not a user: an executive, an office's line (สายตรง
    ผู้ว่าราชการจังหวัด, a district office), kept by the clerks of its agency."""

    __tablename__ = "directory_contact"
    id = Column(Integer, primary_key=True)
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False, index=True)
    work_group_id = Column(Integer, ForeignKey("work_group.id"))
    name = Column(String(255), nullable=False)  # a person's or a line's
    position = Column(String(255))
    phone = Column(String(64))
    extension = Column(String(16))
    mobile = Column(String(64))  # published by the clerk who keeps it
    fax = Column(String(64))
    updated_by_id = Column(Integer, ForeignKey("ab_user.id"))
    updated_at = Column(DateTime)

    agency = relationship("Agency")
    work_group = relationship("WorkGroup")

    def __repr__(self):
        return self.name
