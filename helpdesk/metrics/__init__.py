"""Inclusion metrics for coordinators: aggregations over session logs and triage events, the
small-number rule, unmet demand, and the daily rollups that keep the dashboard fast at scale."""
