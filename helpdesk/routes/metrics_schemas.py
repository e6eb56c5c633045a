"""Response body of GET /api/v1/metrics (the one definition OpenAPI uses)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GroupName = Literal[
    "topic", "location", "channel", "language", "age_band", "outcome", "self_reliance", "week"
]


class MetricsRow(BaseModel):
    group: dict[str, str] = Field(
        description="The group's value for each group_by name (a place by slug, a week by the "
        "date of its Monday)."
    )
    count: int | None = Field(description="Sessions; null when suppressed (fewer than 5).")
    suppressed: bool = Field(
        description="True when the count is hidden: under 5, or hidden so that another hidden "
        "count cannot be worked out from the totals."
    )


class MetricsResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from", description="First day (local), included.")
    to: dt.date = Field(description="Last day (local), included.")
    group_by: list[GroupName]
    location: str | None = Field(description="The place's slug, or null for all places.")
    total: int | None = Field(
        description="Sessions in the period (a session with two topics counts once); null "
        "when suppressed."
    )
    total_suppressed: bool
    rows: list[MetricsRow]
