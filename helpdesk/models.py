"""Every table, imported in one place so that Alembic and tests see the whole schema."""

from helpdesk.accounts.models import ApiToken, LoginAttempt, User
from helpdesk.booking.models import (
    AccountPlace,
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
from helpdesk.helplog.models import HelpLog, HelpLogTopic
from helpdesk.jobs import JobRun
from helpdesk.kb.models import (
    AuditLogRecord,
    GuideRecord,
    GuideRevisionRecord,
    GuideTranslationRecord,
    KbGenerationRecord,
)
from helpdesk.metrics.models import (
    SessionRollup,
    SessionRollupAll,
    TriageRollup,
    TriageRollupPlace,
)
from helpdesk.ratelimit import RateLimitWindow

__all__ = [
    "AccountPlace",
    "ApiToken",
    "AuditLogRecord",
    "Booking",
    "Closure",
    "GuideRecord",
    "GuideRevisionRecord",
    "GuideTranslationRecord",
    "HelpLog",
    "HelpLogTopic",
    "JobRun",
    "KbGenerationRecord",
    "Location",
    "LoginAttempt",
    "RateLimitWindow",
    "Schedule",
    "ScheduleStaff",
    "SessionRollup",
    "SessionRollupAll",
    "SessionType",
    "Slot",
    "StaffMember",
    "TriageEvent",
    "TriageRollup",
    "TriageRollupPlace",
    "User",
]
