"""The help chat (ติดต่อเจ้าหน้าที่): a conversation between a user, or a person who cannot log
in and leaves a contact number, and the administrators, who answer from one shared inbox.

What each side has read is the id of the last message it has seen (``user_read_id``,
``admin_read_id``): a message from the other side with a higher id is unread. ``waiting_since``
is when the person's oldest unanswered message came; None once an administrator has answered.
"""

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

OPEN, CLOSED = "open", "closed"


class Conversation(Model):  # การสนทนากับผู้ดูแลระบบ
    __tablename__ = "conversation"
    __table_args__ = (Index("ix_conversation_waiting", "status", "waiting_since"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), index=True)  # None: left from the login page
    guest_name = Column(String(128))  # who left the message, when not logged in
    guest_phone = Column(String(64))
    guest_agency = Column(String(255))
    status = Column(String(12), nullable=False, default=OPEN)
    started_at = Column(DateTime, nullable=False)  # UTC
    last_message_at = Column(DateTime, nullable=False)  # UTC
    waiting_since = Column(DateTime)  # UTC
    user_read_id = Column(Integer, nullable=False, default=0)
    admin_read_id = Column(Integer, nullable=False, default=0)

    user = relationship("EOfficeUser")
    messages = relationship("ChatMessage", back_populates="conversation",
                            order_by="ChatMessage.id")

    @property
    def is_open(self):
        return self.status == OPEN


class ChatMessage(Model):  # ข้อความ
    __tablename__ = "chat_message"
    __table_args__ = (Index("ix_chat_message_conversation", "conversation_id", "id"),)
    id = Column(Integer, primary_key=True)
    conversation_id = Column(Integer, ForeignKey("conversation.id"), nullable=False)
    from_admin = Column(Boolean, nullable=False, default=False)
    sender_id = Column(Integer, ForeignKey("ab_user.id"))  # None: a guest
    sender_name = Column(String(128), nullable=False)
    body = Column(Text, nullable=False)
    sent_at = Column(DateTime, nullable=False)  # UTC

    conversation = relationship("Conversation", back_populates="messages")
