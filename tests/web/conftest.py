"""The booking world (places, session types, slots) for the web layer's tests too."""

from tests.booking.conftest import world

__all__ = ["world"]
