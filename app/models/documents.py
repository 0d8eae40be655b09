"""Sending documents (ระบบส่งเอกสาร, manual 8.1): files with a note, sent by any user inside
their agency (to its groups and people) or outside it (to other agencies), apart from the
registers: a document has no number and enters no register.

Each recipient has a row of its own, so that the sender's history shows, for every one, whether
and when it opened and received (ลงรับ) the document.
"""

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.models.files import StoredFile

INTERNAL, EXTERNAL = "internal", "external"
SCOPES = {INTERNAL: "ส่งเอกสารภายใน", EXTERNAL: "ส่งเอกสารภายนอก"}


class Document(Model):  # เอกสารที่ส่ง
    __tablename__ = "document"
    __table_args__ = (Index("ix_document_sender", "sender_id", "id"),)
    id = Column(Integer, primary_key=True)
    scope = Column(String(8), nullable=False)  # internal, external
    subject = Column(String(255), nullable=False)  # เรื่อง
    note = Column(Text)  # ข้อความถึงผู้รับ
    sender_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    from_agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)
    from_group_id = Column(Integer, ForeignKey("work_group.id"))
    sent_at = Column(DateTime, nullable=False)  # UTC

    sender = relationship("EOfficeUser")
    from_agency = relationship("Agency")
    from_group = relationship("WorkGroup")
    recipients = relationship("DocumentRecipient", back_populates="document",
                              order_by="DocumentRecipient.id")
    files = relationship("DocumentFile", back_populates="document", order_by="DocumentFile.id")

    def new_file(self, **fields):
        """A new file of this document (for app.services.attachments.store)."""
        f = DocumentFile(**fields)
        f.document = self
        return f

    def __repr__(self):
        return self.subject


class DocumentRecipient(Model):  # ผู้รับเอกสารหนึ่งราย: a person, a group or an agency
    __tablename__ = "document_recipient"
    __table_args__ = (
        Index("ix_document_recipient_agency", "to_agency_id", "recipient_kind", "received_at"),
        Index("ix_document_recipient_group", "to_group_id", "received_at"),
        Index("ix_document_recipient_person", "to_user_id", "received_at"),
    )
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("document.id"), nullable=False, index=True)
    recipient_kind = Column(String(8), nullable=False)  # agency, group, person
    to_agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)  # for all three
    to_group_id = Column(Integer, ForeignKey("work_group.id"))
    to_user_id = Column(Integer, ForeignKey("ab_user.id"))
    opened_by_id = Column(Integer, ForeignKey("ab_user.id"))
    opened_at = Column(DateTime)  # first opened (UTC)
    received_by_id = Column(Integer, ForeignKey("ab_user.id"))
    received_at = Column(DateTime)  # ลงรับ (UTC); None: still a new document

    document = relationship("Document", back_populates="recipients")
    to_agency = relationship("Agency", foreign_keys=[to_agency_id])
    to_group = relationship("WorkGroup", foreign_keys=[to_group_id])
    to_user = relationship("EOfficeUser", foreign_keys=[to_user_id])
    opened_by = relationship("EOfficeUser", foreign_keys=[opened_by_id])
    received_by = relationship("EOfficeUser", foreign_keys=[received_by_id])

    def recipient_name(self):
        if self.recipient_kind == "person" and self.to_user is not None:
            return self.to_user.get_full_name()
        if self.recipient_kind == "group" and self.to_group is not None:
            return self.to_group.name
        return self.to_agency.name if self.to_agency is not None else ""


class DocumentFile(StoredFile, Model):  # ไฟล์ของเอกสารที่ส่ง (never encrypted: not classified)
    __tablename__ = "document_file"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("document.id"), nullable=False, index=True)

    document = relationship("Document", back_populates="files")
