"""Every table, imported in one place so that Alembic and tests see the whole schema."""

from helpdesk.accounts.models import ApiToken, LoginAttempt, User
from helpdesk.booking.models import (
    Booking,
    Closure,
    Location,
    Schedule,
    ScheduleStaff,
    SessionType,
    Slot,
    StaffMember,
)
from helpdesk.events.models import TriageEvent
from helpdesk.kb.models import GuideRecord, GuideTranslationRecord
from helpdesk.sessions.models import SessionLog, SessionTopic

__all__ = [
    "ApiToken",
    "Booking",
    "Closure",
    "GuideRecord",
    "GuideTranslationRecord",
    "Location",
    "LoginAttempt",
    "Schedule",
    "ScheduleStaff",
    "SessionLog",
    "SessionTopic",
    "SessionType",
    "Slot",
    "StaffMember",
    "TriageEvent",
    "User",
]
