"""Booking a session with staff: locations, session types, schedules, slots and bookings."""
