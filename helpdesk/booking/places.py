"""Which places' bookings a staff account may see.

Citizens' names, phones and e-mails are shown to staff per place and day. An admin can limit an
account to its own places (``helpdesk user places NAME dokk1 ...``); an account with no limit
sees every place. The limit is checked where the bookings are read
(:func:`helpdesk.booking.service.day_bookings`), not only in the pages that list them.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from helpdesk.booking.models import AccountPlace, Location


def account_places(session: Session, user_id: int) -> frozenset[int] | None:
    """The ids of the places the account is limited to; None when it may see every place."""
    ids = session.exec(
        select(AccountPlace.location_id).where(AccountPlace.user_id == user_id)
    ).all()
    return frozenset(ids) if ids else None


def may_see_place(session: Session, user_id: int, location_id: int) -> bool:
    allowed = account_places(session, user_id)
    return allowed is None or location_id in allowed


def visible_places(session: Session, user_id: int, places: list[Location]) -> list[Location]:
    """``places`` without those the account may not see (the order kept)."""
    allowed = account_places(session, user_id)
    return places if allowed is None else [p for p in places if p.id in allowed]


def set_account_places(session: Session, user_id: int, slugs: list[str]) -> list[str]:
    """Limit the account to the places with these slugs; no slugs lifts the limit.

    Returns the slugs now in force. An unknown slug is refused (ValueError) and nothing changes.
    """
    wanted = sorted(set(slugs))
    found = session.exec(select(Location).where(col(Location.slug).in_(wanted))).all()
    unknown = sorted(set(wanted) - {place.slug for place in found})
    if unknown:
        raise ValueError(f"there is no place called {', '.join(unknown)}")
    session.execute(delete(AccountPlace).where(col(AccountPlace.user_id) == user_id))
    for place in found:
        assert place.id is not None
        session.add(AccountPlace(user_id=user_id, location_id=place.id))
    session.flush()
    return wanted
