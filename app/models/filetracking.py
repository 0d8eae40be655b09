"""File-for-signature tracking (ระบบติดตามแฟ้มเสนอลงนาม, manual 8.2): a file proposed for the
signature of a deputy governor (รอง ผวจ.) or the governor (ผวจ.), followed stage by stage through
the secretaries' office until it is returned to its owner.

The route is data: the stages (``FileStage``) and the moves allowed between them
(``FileStep``), by the file's route (a deputy's file stops at the deputy) and by who may make
the move (the executives' secretaries, or the file's owner). The executives are data too,
kept by the administrator. Every move is a ``FileMove`` row, written once and never changed: the
time a file spent at each stage is read from them.
"""

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.models.files import StoredFile

DEPUTY, GOVERNOR, CHIEF = "deputy", "governor", "chief"
EXECUTIVE_KINDS = {DEPUTY: "รองผู้ว่าราชการจังหวัด", GOVERNOR: "ผู้ว่าราชการจังหวัด",
                   CHIEF: "หัวหน้าสำนักงานจังหวัด"}
FILE_ROUTES = (DEPUTY, GOVERNOR)  # the kinds of executive a file is proposed to
ANY_ROUTE = "any"
BY_SECRETARY, BY_OWNER = "secretary", "owner"


class Executive(Model):  # ผู้บริหาร: receives files (deputy, governor), keeps an agenda (all)
    __tablename__ = "executive"
    id = Column(Integer, primary_key=True)
    name = Column(String(128), nullable=False)  # นายสมชาย ใจดี
    title = Column(String(128), nullable=False)  # รองผู้ว่าราชการจังหวัดพังงา
    kind = Column(String(12), nullable=False)  # deputy, governor, chief
    active = Column(Boolean, nullable=False, default=True)
    sort_order = Column(Integer, nullable=False, default=0)

    def __repr__(self):
        return f"{self.title} ({self.name})"


class FileStage(Model):  # ขั้นตอนของแฟ้ม
    __tablename__ = "file_stage"
    code = Column(String(24), primary_key=True)
    label = Column(String(128), nullable=False)
    sort_order = Column(Integer, nullable=False, default=0)
    terminal = Column(Boolean, nullable=False, default=False)  # the file's journey ends here
    note_required = Column(Boolean, nullable=False, default=False)  # a move here needs a note
    notify_owner = Column(Boolean, nullable=False, default=False)  # the owner must act
    # At an executive of this kind (deputy, governor): a move here says which one holds it.
    held_by = Column(String(12))

    def __repr__(self):
        return self.label


class FileStep(Model):  # การส่งต่อที่อนุญาต: from one stage to another
    __tablename__ = "file_step"
    __table_args__ = (UniqueConstraint("from_stage", "to_stage", "route", "by",
                                       name="uq_file_step"),)
    id = Column(Integer, primary_key=True)
    from_stage = Column(String(24), ForeignKey("file_stage.code"), nullable=False)
    to_stage = Column(String(24), ForeignKey("file_stage.code"), nullable=False)
    route = Column(String(12), nullable=False, default=ANY_ROUTE)  # deputy, governor, any
    by = Column(String(12), nullable=False, default=BY_SECRETARY)  # secretary, owner


class TrackedFile(Model):  # แฟ้มเสนอลงนาม
    __tablename__ = "tracked_file"
    __table_args__ = (
        UniqueConstraint("series_id", "year", "number", name="uq_tracked_file_number"),
        Index("ix_tracked_file_agency", "agency_id", "id"),
        Index("ix_tracked_file_stage", "stage", "stage_since"),
    )
    id = Column(Integer, primary_key=True)
    series_id = Column(Integer, ForeignKey("number_series.id"), nullable=False)
    year = Column(Integer, nullable=False)
    number = Column(Integer, nullable=False)
    subject = Column(Text, nullable=False)
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)
    work_group_id = Column(Integer, ForeignKey("work_group.id"))
    proposer_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    executive_id = Column(Integer, ForeignKey("executive.id"), nullable=False)
    route = Column(String(12), nullable=False)  # deputy, governor: the executive's kind
    speed = Column(String(16), nullable=False, default="normal")
    entry_id = Column(Integer, ForeignKey("register_entry.id"))  # the related register entry
    stage = Column(String(24), ForeignKey("file_stage.code"), nullable=False)
    stage_since = Column(DateTime, nullable=False)  # UTC
    registered_at = Column(DateTime, nullable=False)  # UTC
    holder_id = Column(Integer, ForeignKey("executive.id"))  # the executive who has it now
    owner_noted_at = Column(DateTime)  # the owner took back the file that came back to them

    agency = relationship("Agency")
    work_group = relationship("WorkGroup")
    proposer = relationship("EOfficeUser")
    executive = relationship("Executive", foreign_keys=[executive_id])
    holder = relationship("Executive", foreign_keys=[holder_id])
    entry = relationship("RegisterEntry")
    current = relationship("FileStage")
    moves = relationship("FileMove", back_populates="file", order_by="FileMove.id")
    files = relationship("TrackedFileAttachment", back_populates="file",
                         order_by="TrackedFileAttachment.id")

    @property
    def is_urgent(self):
        """Any speed but ปกติ: the lists show its badge."""
        return (self.speed or "normal") != "normal"

    def number_text(self):
        return f"{self.number}/{self.year}"

    def new_file(self, **fields):
        """A new attachment of this file (for app.services.attachments.store)."""
        f = TrackedFileAttachment(**fields)
        f.file = self
        return f

    def __repr__(self):
        return f"แฟ้ม {self.number_text()}"


class FileMove(Model):  # การเคลื่อนแฟ้ม: written once, never changed
    __tablename__ = "file_move"
    id = Column(Integer, primary_key=True)
    file_id = Column(Integer, ForeignKey("tracked_file.id"), nullable=False, index=True)
    from_stage = Column(String(24), ForeignKey("file_stage.code"))  # None: registered
    to_stage = Column(String(24), ForeignKey("file_stage.code"), nullable=False)
    moved_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    moved_by_name = Column(String(128), nullable=False)
    moved_at = Column(DateTime, nullable=False)  # UTC
    note = Column(Text)
    executive_id = Column(Integer, ForeignKey("executive.id"))  # who holds it, at an executive

    file = relationship("TrackedFile", back_populates="moves")
    to = relationship("FileStage", foreign_keys=[to_stage])
    executive = relationship("Executive")


class TrackedFileAttachment(StoredFile, Model):  # เอกสารแนบของแฟ้ม
    __tablename__ = "tracked_file_attachment"
    id = Column(Integer, primary_key=True)
    file_id = Column(Integer, ForeignKey("tracked_file.id"), nullable=False, index=True)

    file = relationship("TrackedFile", back_populates="files")
