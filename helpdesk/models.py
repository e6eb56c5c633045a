"""Every table, imported in one place so that Alembic and tests see the whole schema."""

from helpdesk.events.models import TriageEvent
from helpdesk.kb.models import GuideRecord, GuideTranslationRecord

__all__ = ["GuideRecord", "GuideTranslationRecord", "TriageEvent"]
