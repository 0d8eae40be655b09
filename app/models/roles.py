"""What the levels' defaults have been applied to: the memory that lets an administrator's
changes to a role last (app/services/roles.py)."""

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import PermissionView, Role
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import backref, relationship


class RoleDefault(Model):  # ค่าเริ่มต้นของระดับที่ใช้กับบทบาทแล้ว
    """One (role, permission) pair whose level default has been applied: by ``sync_roles`` when
    the role or the permission was new, or found at the upgrade that introduced this table.

    ``granted`` is the level's default as last applied (held or not). NULL: recorded by the
    upgrade to 0012 as the installation was, before defaults were remembered; the next sync
    adopts the default of the day without changing the role. Deleting a role or a permission
    deletes its rows (the ORM cascade below: SQLite does not enforce ON DELETE)."""

    __tablename__ = "role_default"
    role_id = Column(Integer, ForeignKey("ab_role.id", ondelete="CASCADE"), primary_key=True)
    permission_view_id = Column(Integer, ForeignKey("ab_permission_view.id", ondelete="CASCADE"),
                                primary_key=True, index=True)
    granted = Column(Boolean, nullable=True)
    applied_at = Column(DateTime, nullable=False)  # UTC

    role = relationship(Role, backref=backref(
        "default_records", cascade="all, delete-orphan", lazy="select"))
    permission_view = relationship(PermissionView, backref=backref(
        "default_records", cascade="all, delete-orphan", lazy="select"))
