"""Triage events: what was asked, through which channel, and what triage answered."""
