"""The staff roles: a fact of the accounts domain; :mod:`helpdesk.web.access` enforces them."""

from __future__ import annotations

ROLES: tuple[str, ...] = ("staff", "coordinator", "admin")
"""Ordered by power: each role may do what the roles before it may."""


def has_role(role: str, needed: str) -> bool:
    """Whether an account with ``role`` may do what ``needed`` may (both from :data:`ROLES`)."""
    return ROLES.index(role) >= ROLES.index(needed)
