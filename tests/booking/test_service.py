"""Booking, cancelling and moving: the rules, and the guarantee held by the database itself."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from helpdesk.booking.models import Booking, Slot
from helpdesk.booking.reference import ALPHABET, format_reference, new_reference, parse_reference
from helpdesk.booking.service import (
    BookingError,
    BookingRequest,
    Needs,
    book,
    cancel,
    find_booking,
    move,
    seat_counts_agree,
)
from helpdesk.db import session_scope
from tests.booking.conftest import World

PHONE = "+4520123456"


def request(slot_id: int, **overrides: object) -> BookingRequest:
    data: dict[str, object] = {
        "slot_id": slot_id,
        "name": "Anna",
        "language": "da",
        "phone": PHONE,
    }
    data.update(overrides)
    return BookingRequest(**data)  # type: ignore[arg-type]


def run(world: World, action: Callable[[Session], object]) -> object:
    with session_scope(world.engine) as session:
        return action(session)


def do_book(world: World, slot_id: int, **overrides: object) -> Booking:
    def action(session: Session) -> Booking:
        return book(session, request(slot_id, **overrides)).booking

    result = run(world, action)
    assert isinstance(result, Booking)
    return result


def test_reference_codes_are_easy_to_read_aloud() -> None:
    assert not set("0O1IL") & set(ALPHABET)
    codes = {new_reference() for _ in range(2000)}
    # Random, from 30**6 codes: two of 2,000 are equal about once in 360 runs (the database's
    # unique key and a retry in the booking service handle that). Ten repeats would take a broken
    # generator; by chance, 0.003 equal pairs are expected.
    assert len(codes) >= 1990
    for code in list(codes)[:50]:
        assert len(code) == 6
        assert set(code) <= set(ALPHABET)
        shown = format_reference(code)
        assert shown == f"{code[:3]}-{code[3:]}"
        assert parse_reference(shown.lower().replace("-", " ")) == code
    assert parse_reference("K7M-4QO") is None  # O is not in the alphabet
    assert parse_reference("K7M4Q") is None


def test_books_up_to_capacity_then_refuses_with_alternatives(world: World) -> None:
    full = world.slot(capacity=2)
    here_later = world.slot(capacity=1)
    elsewhere_sooner = world.slot(capacity=1, location=world.gellerup, days=1)
    other_type = world.slot(capacity=5, session_type=world.citizen)
    unlisted = world.slot(capacity=5, location=world.shelter)
    first = do_book(world, full)
    second = do_book(world, full, name="Bo", phone="+4520123457")
    assert first.reference != second.reference
    with pytest.raises(BookingError) as refused:
        do_book(world, full, name="Carl")
    assert refused.value.code == "slot_full"
    alternatives = [slot.id for slot in refused.value.alternatives]
    # The same place first, then others soonest first; never another session type, never an
    # unlisted place.
    assert alternatives[:2] == [here_later, elsewhere_sooner]
    assert other_type not in alternatives
    assert unlisted not in alternatives
    assert world.get_slot(full).booked == 2
    with Session(world.engine) as session:
        assert seat_counts_agree(session) == []


def test_the_database_refuses_overbooking_even_without_the_service(world: World) -> None:
    """The CHECK constraint: no code path, however wrong, can store booked > capacity."""
    slot_id = world.slot(capacity=1)
    with pytest.raises(IntegrityError), session_scope(world.engine) as session:
        session.execute(update(Slot).where(col(Slot.id) == slot_id).values(booked=2))
    with pytest.raises(IntegrityError), session_scope(world.engine) as session:
        session.execute(update(Slot).where(col(Slot.id) == slot_id).values(booked=-1))
    assert world.get_slot(slot_id).booked == 0


def test_closed_and_past_slots_cannot_be_booked(world: World) -> None:
    closed = world.slot(closed=True)
    past = world.slot(start=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    for slot_id in (closed, past):
        with pytest.raises(BookingError) as refused:
            do_book(world, slot_id)
        assert refused.value.code == "slot_unavailable"
        assert world.get_slot(slot_id).booked == 0
    with pytest.raises(BookingError) as missing:
        do_book(world, 999_999)
    assert missing.value.code == "slot_not_found"


def test_a_topic_needs_its_session_type(world: World) -> None:
    slot_id = world.slot()  # digital help
    with pytest.raises(BookingError) as refused, session_scope(world.engine) as session:
        book(session, request(slot_id, topic="passport-book"), topic_session_type="citizen-service")
    assert refused.value.code == "topic_needs_other_session_type"
    assert world.get_slot(slot_id).booked == 0


def test_contact_is_required_and_cpr_numbers_are_redacted(world: World) -> None:
    slot_id = world.slot(capacity=3)
    with pytest.raises(BookingError) as refused:
        do_book(world, slot_id, phone=None)
    assert refused.value.code == "contact_required"
    booking = do_book(
        world,
        slot_id,
        name="Anna 010190-1234",
        needs=Needs(interpreter=True, note="mit cpr er 0101901234, jeg har brug for tolk"),
    )
    stored = world.get_booking(booking.id or 0)
    assert stored.name == "Anna [CPR]"
    assert stored.needs_note == "mit cpr er [CPR], jeg har brug for tolk"
    assert stored.needs_interpreter is True


def test_idempotency_key_returns_the_same_booking(world: World) -> None:
    slot_id = world.slot(capacity=5)

    def submit(session: Session) -> tuple[str | None, bool]:
        outcome = book(session, request(slot_id), idempotency_key="key-1")
        return outcome.booking.reference, outcome.replayed

    first = run(world, submit)
    again = run(world, submit)
    assert isinstance(first, tuple)
    assert isinstance(again, tuple)
    assert first[0] == again[0]
    assert (first[1], again[1]) == (False, True)
    assert world.get_slot(slot_id).booked == 1
    with pytest.raises(BookingError) as reused, session_scope(world.engine) as session:
        book(session, request(slot_id, name="Someone else"), idempotency_key="key-1")
    assert reused.value.code == "idempotency_key_reused"
    assert world.get_slot(slot_id).booked == 1


def test_idempotency_key_race_books_once(world: World) -> None:
    """Two identical submits at the same moment: the unique key decides; one seat is taken."""
    slot_id = world.slot(capacity=5)
    barrier = threading.Barrier(6)
    references: list[str | None] = []

    def submit() -> None:
        barrier.wait()
        with session_scope(world.engine) as session:
            references.append(
                book(session, request(slot_id), idempotency_key="race").booking.reference
            )

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(references) == 6
    assert len(set(references)) == 1
    assert world.get_slot(slot_id).booked == 1


def test_find_needs_the_right_contact(world: World) -> None:
    slot_id = world.slot(capacity=2)
    by_phone = do_book(world, slot_id)
    by_mail = do_book(world, slot_id, phone=None, email="anna@example.dk")
    reference = by_phone.reference or ""
    with Session(world.engine) as session:
        assert (
            find_booking(session, format_reference(reference).lower(), "20 12 34 56").id
            == by_phone.id
        )
        assert find_booking(session, reference, "+45 20123456").id == by_phone.id
        assert find_booking(session, by_mail.reference or "", "Anna@Example.DK").id == by_mail.id
        for wrong_reference, contact in (
            (reference, "20123457"),
            (reference, "anna@example.dk"),
            (reference, ""),
            ("ZZZZZZ", "20123456"),
            ("not a code", "20123456"),
        ):
            with pytest.raises(BookingError) as missing:
                find_booking(session, wrong_reference, contact)
            assert missing.value.code == "booking_not_found"


def test_cancel_frees_the_seat_once(world: World) -> None:
    slot_id = world.slot(capacity=1)
    booking = do_book(world, slot_id)
    reference = booking.reference or ""
    first = run(world, lambda s: cancel(s, reference, PHONE))
    again = run(world, lambda s: cancel(s, reference, PHONE))
    assert first.changed is True
    assert again.changed is False
    assert world.get_slot(slot_id).booked == 0
    stored = world.get_booking(booking.id or 0)
    assert stored.status == "cancelled"
    assert stored.version == 2
    # The freed seat can be booked again.
    do_book(world, slot_id, phone="+4520123499")
    assert world.get_slot(slot_id).booked == 1


def test_move_is_atomic(world: World) -> None:
    old = world.slot(capacity=1)
    full = world.slot(capacity=1)
    free = world.slot(capacity=1)
    other_type = world.slot(capacity=1, session_type=world.citizen)
    booking = do_book(world, old)
    do_book(world, full, phone="+4520123400")
    reference = booking.reference or ""
    with pytest.raises(BookingError) as refused:
        run(world, lambda s: move(s, reference, PHONE, full))
    assert refused.value.code == "slot_full"
    assert [s.id for s in refused.value.alternatives] == [free]
    assert (world.get_slot(old).booked, world.get_slot(full).booked) == (1, 1)
    with pytest.raises(BookingError) as wrong_kind:
        run(world, lambda s: move(s, reference, PHONE, other_type))
    assert wrong_kind.value.code == "move_other_session_type"
    change = run(world, lambda s: move(s, reference, PHONE, free))
    assert change.changed is True
    assert (world.get_slot(old).booked, world.get_slot(free).booked) == (0, 1)
    moved = world.get_booking(booking.id or 0)
    assert moved.slot_id == free
    assert moved.starts_at == world.get_slot(free).starts_at
    assert moved.version == 2
    with Session(world.engine) as session:
        assert seat_counts_agree(session) == []


def test_concurrent_moves_and_cancels_keep_the_counts_right(world: World) -> None:
    """Threads (each its own connection) move bookings back and forth between three slots and
    cancel some, all at once: no deadlock, no seat lost or doubled."""
    slots = [world.slot(capacity=6) for _ in range(3)]
    bookings = []
    for number in range(12):
        booking = do_book(world, slots[number % 3], phone=f"+452011{number:04d}")
        bookings.append((booking.reference or "", f"+452011{number:04d}"))
    barrier = threading.Barrier(len(bookings))
    errors: list[BaseException] = []
    refusals: list[str] = []

    def worker(index: int, reference: str, phone: str) -> None:
        barrier.wait()
        try:
            for step in range(4):
                target = slots[(index + step + 1) % 3]
                try:
                    with session_scope(world.engine) as session:
                        if index % 4 == 3 and step == 2:
                            cancel(session, reference, phone)
                        else:
                            move(session, reference, phone, target)
                except BookingError as exc:
                    refusals.append(exc.code)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(i, ref, phone))
        for i, (ref, phone) in enumerate(bookings)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert set(refusals) <= {"slot_full", "booking_not_changeable", "booking_changed"}
    with Session(world.engine) as session:
        assert seat_counts_agree(session) == []
        seated = session.exec(
            select(func.count()).select_from(Booking).where(col(Booking.status) == "booked")
        ).one()
        total = sum(session.get(Slot, s).booked for s in slots)  # type: ignore[union-attr]
    assert total == seated == 12 - 3  # three bookings were cancelled


def test_schema_check_names_are_portable(world: World) -> None:
    """The constraint exists under its name on this database (SQLite or PostgreSQL)."""
    with world.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            found = connection.execute(
                text("SELECT 1 FROM pg_constraint WHERE conname = 'ck_slot_booked_within_capacity'")
            ).first()
        else:
            found = connection.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'slot' AND sql LIKE :pattern"),
                {"pattern": "%ck_slot_booked_within_capacity%"},
            ).first()
    assert found is not None
