"""The counters of the throttle when no Redis is configured (app/services/throttle.py)."""

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Column, Integer, String


class ThrottleCounter(Model):  # ตัวนับการพยายามเข้าสู่ระบบ
    """What was counted under ``key`` (a client address, an account name, a refusal) in the
    time slot starting at ``window_start``, in Unix milliseconds. Written only by the throttle
    service, in its own short transactions; nothing else reads it. A row is worth nothing once
    ``expires_at`` (Unix milliseconds) has passed and is pruned."""

    __tablename__ = "throttle_counter"
    key = Column(String(255), primary_key=True)
    window_start = Column(BigInteger, primary_key=True, autoincrement=False)
    count = Column(Integer, nullable=False)
    expires_at = Column(BigInteger, nullable=False, index=True)
