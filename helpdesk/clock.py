"""The clock: one definition of "now" for every package.

It lives here, outside any domain, so that a domain needing the time does not import another
domain for it (it used to sit in ``helpdesk.kb.models``, which tied every package to kb).
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC (the database stores UTC)."""
    return dt.datetime.now(dt.UTC)
