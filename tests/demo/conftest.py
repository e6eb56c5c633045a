"""The demo generators write into the booking test world (places, session types, slots)."""

from tests.booking.conftest import world  # noqa: F401  (the fixture)
from tests.helplog.conftest import logs  # noqa: F401  (the fixture)
