"""The columns every stored file has, whatever it belongs to (a register entry, a sent document,
a contract): app.services.attachments writes, copies and reads any of them the same way."""

from sqlalchemy import Column, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import declared_attr


class StoredFile:
    filename = Column(String(255), nullable=False)  # as the user named it, for display only
    content_type = Column(String(128), nullable=False)  # from the content, not the name
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)  # of the plain content
    storage_name = Column(String(255), nullable=False, unique=True)
    wrapped_key = Column(LargeBinary)  # None: stored in clear
    uploaded_at = Column(DateTime, nullable=False)

    @declared_attr
    def uploaded_by_id(cls):
        return Column(Integer, ForeignKey("ab_user.id"), nullable=False)

    @property
    def encrypted(self):
        return self.wrapped_key is not None

    def __repr__(self):
        return self.filename
