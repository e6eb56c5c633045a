"""Danish public holidays close every place, with nobody entering them.

The ``holidays`` package's Denmark calendar (its "public" days: New Year's Day, Maundy
Thursday, Good Friday, Easter, Ascension, Whitsun, Christmas Day and Boxing Day) is closed all
day; Christmas Eve (24 December) and Constitution Day afternoon (5 June from 12:00) are
configurable extras (``HELPDESK_CLOSED_CHRISTMAS_EVE``,
``HELPDESK_CLOSED_CONSTITUTION_DAY_FROM``). :func:`helpdesk.booking.schedule.plan_slots` makes
no slot on a closed day or part of a day; slots made earlier are withdrawn like any closure's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import holidays

MIDNIGHT = dt.time(0, 0)


@cache
def _danish_public_holidays(year: int) -> dict[dt.date, str]:
    calendar = holidays.country_holidays("DK", years=year, categories=("public",), language="da")
    return {day: str(name) for day, name in calendar.items()}


@dataclass(frozen=True)
class HolidayRules:
    """Which days (or parts of days) every place is closed without a closure being entered."""

    #: The Danish public holidays, all day.
    public_holidays: bool = True
    #: 24 December, all day.
    christmas_eve: bool = True
    #: 5 June from this time (None: open all day).
    constitution_day_from: dt.time | None = dt.time(12, 0)

    def closed_from(self, day: dt.date) -> dt.time | None:
        """The local time from which every place is closed on ``day`` (midnight: all day),
        or None when the day is an ordinary one."""
        if self.public_holidays and day in _danish_public_holidays(day.year):
            return MIDNIGHT
        if self.christmas_eve and (day.month, day.day) == (12, 24):
            return MIDNIGHT
        if self.constitution_day_from is not None and (day.month, day.day) == (6, 5):
            return self.constitution_day_from
        return None

    def name_of(self, day: dt.date) -> str | None:
        """The Danish name of the holiday (for lists), or None."""
        if self.closed_from(day) is None:
            return None
        if (day.month, day.day) == (12, 24):
            return "Juleaftensdag"
        if (day.month, day.day) == (6, 5):
            return "Grundlovsdag"
        return _danish_public_holidays(day.year).get(day)


#: No automatic holidays (tests of schedules that are about something else).
NO_HOLIDAYS = HolidayRules(public_holidays=False, christmas_eve=False, constitution_day_from=None)
