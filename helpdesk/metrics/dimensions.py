"""The names metrics count session logs by: one list, that the rollup, the queries, the
dashboard's tables, the CSV exports and the JSON API's ``group_by`` all derive from."""

from __future__ import annotations

#: Every attribute of a session log that is counted, in the order the dashboard lists them.
#: ``topic`` has several values per session (from ``help_log_topic``); ``location`` is a place.
SESSION_DIMENSIONS: tuple[str, ...] = (
    "topic",
    "location",
    "channel",
    "language",
    "age_band",
    "outcome",
    "self_reliance",
    "first_visit",
    "interpreter",
)
#: Dimensions shown as tables but not offered for grouping (too fine to combine safely).
TABLE_ONLY: tuple[str, ...] = ("first_visit", "interpreter")
#: The dimensions that the rollup counts per value, one value per session row.
ROLLED_UP: tuple[str, ...] = tuple(d for d in SESSION_DIMENSIONS if d not in ("topic", "location"))
#: What ``metrics(group_by=...)`` and ``/api/v1/metrics`` may group by: dimensions, and weeks.
GROUP_BY: tuple[str, ...] = (*(d for d in SESSION_DIMENSIONS if d not in TABLE_ONLY), "week")
#: Session attributes (one value per session, except topic), as opposed to place and week.
ATTRIBUTES: tuple[str, ...] = tuple(d for d in GROUP_BY if d not in ("location", "week"))
