"""All tables live in FAB's metadata (``flask_appbuilder.Model``); Alembic reads it from here."""

from flask_appbuilder import Model

from app.models.audit import AuditChainHead, AuditLog  # noqa: F401
from app.models.org import Agency, DirectoryContact, EOfficeUser, WorkGroup  # noqa: F401
from app.models.roles import RoleDefault  # noqa: F401
from app.models.correspondence import (  # noqa: F401
    Attachment,
    LetterTally,
    NumberCounter,
    NumberSeries,
    RegisterEntry,
)
from app.models.dispatch import (  # noqa: F401
    Delivery,
    LetterEvent,
    RecipientList,
    RecipientListMember,
)
from app.models.documents import Document, DocumentFile, DocumentRecipient  # noqa: F401
from app.models.contracts import Contract, ContractFile  # noqa: F401
from app.models.filetracking import (  # noqa: F401
    Executive,
    FileMove,
    FileStage,
    FileStep,
    TrackedFile,
    TrackedFileAttachment,
)

from app.models.rooms import Booking, Room, RoomPhoto  # noqa: F401
from app.models.agenda import Appointment  # noqa: F401
from app.models.announcements import Announcement, AnnouncementFile  # noqa: F401
from app.models.chat import ChatMessage, Conversation  # noqa: F401
from app.models.throttle import ThrottleCounter  # noqa: F401
from app.models.holidays import Holiday  # noqa: F401

metadata = Model.metadata
