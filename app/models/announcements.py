"""Announcements (ระบบลงประกาศข่าวสาร, manual 9): news posted by the clerks, with a formatted
body (HTML, sanitised before it is stored), attachments, a publishing period and an audience
(everyone, or chosen agencies). A public one is shown on the login page too."""

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import relationship

from app.models.files import StoredFile

announcement_agency = Table(  # the agencies an announcement is for (none: everyone)
    "announcement_agency", Model.metadata,
    Column("announcement_id", Integer, ForeignKey("announcement.id", ondelete="CASCADE"),
           primary_key=True),
    Column("agency_id", Integer, ForeignKey("agency.id"), primary_key=True, index=True),
)


class Announcement(Model):  # ประกาศข่าวสาร
    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_period", "publish_from", "publish_until"),)
    id = Column(Integer, primary_key=True)
    title = Column(String(255), nullable=False)
    body = Column(Text, nullable=False, default="")  # sanitised HTML
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False, index=True)  # posted by
    publish_from = Column(DateTime, nullable=False)  # UTC
    publish_until = Column(DateTime)  # UTC; None: until withdrawn
    everyone = Column(Boolean, nullable=False, default=True)  # False: the agencies listed
    public = Column(Boolean, nullable=False, default=False)  # on the login page, no login
    withdrawn_at = Column(DateTime)  # UTC
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_at = Column(DateTime, nullable=False)  # UTC
    changed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    changed_at = Column(DateTime)  # UTC

    agency = relationship("Agency")
    agencies = relationship("Agency", secondary=announcement_agency)
    created_by = relationship("EOfficeUser", foreign_keys=[created_by_id])
    files = relationship("AnnouncementFile", back_populates="announcement",
                         order_by="AnnouncementFile.id")

    def new_file(self, **fields):
        """A new attachment of this announcement (for app.services.attachments.store)."""
        f = AnnouncementFile(**fields)
        f.announcement = self
        return f

    def __repr__(self):
        return self.title


class AnnouncementFile(StoredFile, Model):  # เอกสารแนบของประกาศ
    __tablename__ = "announcement_file"
    id = Column(Integer, primary_key=True)
    announcement_id = Column(Integer, ForeignKey("announcement.id"), nullable=False, index=True)

    announcement = relationship("Announcement", back_populates="files")
