"""The citizen's /book pages, as a browser without JavaScript uses them: links and plain forms."""

from __future__ import annotations

import re

import httpx
import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from helpdesk.booking.models import Booking
from tests.booking.conftest import World


def slot_links(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/book/slots/(\d+)\?', html)]


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


async def test_from_a_triage_hand_off_to_a_receipt(client: httpx.AsyncClient, world: World) -> None:
    digital = world.slot(capacity=1)
    citizen = world.slot(capacity=2, session_type=world.citizen, languages=",ar,da,")
    # The guide page's button, or a triage "human" outcome: topic and language carried over.
    page = await client.get("/book?topic=passport-book&lang=ar")
    assert page.status_code == 200
    assert 'lang="ar" dir="rtl"' in page.text
    assert "set-cookie" not in page.headers  # nothing stored on a shared kiosk
    assert page.headers["cache-control"].startswith("no-store")
    assert slot_links(page.text) == [citizen]  # a passport needs Borgerservice, not digital help
    assert digital not in slot_links(page.text)
    form = await client.get(f"/book/slots/{citizen}?lang=ar&topic=passport-book")
    assert form.status_code == 200
    for field in (
        'name="name"',
        'name="phone"',
        'name="email"',
        'name="interpreter"',
        'name="wheelchair"',
        'name="own_device"',
        'name="language"',
        'id="privacy"',
    ):
        assert field in form.text
    assert 'for="booking-name"' in form.text  # every input has a label
    assert "CPR" in form.text
    data = {
        "lang": "ar",
        "topic": "passport-book",
        "form_key": hidden(form.text, "form_key"),
        "name": "Amal",
        "phone": "20 12 34 56",
        "email": "",
        "language": "ar",
        "interpreter": "1",
        "note": "",
    }
    booked = await client.post(f"/book/slots/{citizen}", data=data)
    assert booked.status_code == 303
    receipt_url = booked.headers["location"]
    assert receipt_url.startswith("/book/receipt/")
    # A double click sends the form twice: still one booking.
    again = await client.post(f"/book/slots/{citizen}", data=data)
    assert again.headers["location"] == receipt_url
    assert world.get_slot(citizen).booked == 1
    receipt = await client.get(receipt_url)
    assert receipt.status_code == 200
    with Session(world.engine) as session:
        booking = session.exec(select(Booking)).one()
    assert booking.needs_interpreter is True
    assert booking.channel == "web"
    reference = f"{booking.reference[:3]}-{booking.reference[3:]}"  # type: ignore[index]
    assert reference in receipt.text
    assert "Hack Kampmanns Plads 2" in receipt.text
    assert "Amal" not in receipt.text  # the receipt holds no personal data
    assert '<ul class="booking-bring">' in receipt.text  # what to bring, from the guide
    ics_link = re.search(r'href="([^"]+calendar\.ics)"', receipt.text)
    assert ics_link
    calendar = await client.get(ics_link.group(1))
    assert calendar.status_code == 200
    assert "attachment" in calendar.headers["content-disposition"]
    event = Calendar.from_ical(calendar.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == world.get_slot(citizen).starts_at
    # A forged or altered receipt link is simply not found.
    token = receipt_url.split("/")[-1].split("?")[0]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert (await client.get(f"/book/receipt/{forged}")).status_code == 404
    assert (await client.get(f"/book/receipt/{forged}/calendar.ics")).status_code == 404


async def test_form_errors_keep_what_was_typed(client: httpx.AsyncClient, world: World) -> None:
    slot_id = world.slot()
    response = await client.post(
        f"/book/slots/{slot_id}",
        data={
            "lang": "en",
            "name": "Bo 010190-1234",
            "phone": "",
            "email": "bo@",
            "language": "en",
        },
    )
    assert response.status_code == 422
    assert "That e-mail address does not look right." in response.text
    assert 'value="bo@"' in response.text
    assert 'class="alert alert-error"' in response.text
    missing = await client.post(f"/book/slots/{slot_id}", data={"lang": "en", "name": "Bo"})
    assert missing.status_code == 422
    assert "Please give a phone number or an e-mail address" in missing.text
    assert world.get_slot(slot_id).booked == 0


async def test_taken_slot_offers_other_times(client: httpx.AsyncClient, world: World) -> None:
    taken = world.slot(capacity=1)
    other = world.slot(capacity=1, location=world.gellerup)
    data = {"lang": "en", "name": "Bo", "phone": "20123456", "language": "en"}
    assert (await client.post(f"/book/slots/{taken}", data=data)).status_code == 303
    second = await client.post(f"/book/slots/{taken}", data={**data, "phone": "20123457"})
    assert second.status_code == 409
    assert "Sorry, that time has just been taken." in second.text
    assert slot_links(second.text) == [other]


async def test_nothing_fits_says_where_to_go(client: httpx.AsyncClient, world: World) -> None:
    world.slot(capacity=1, languages=",da,")
    page = await client.get("/book?lang=en&speaks=so")
    assert page.status_code == 200
    assert slot_links(page.text) == []
    assert "We have no free times that fit" in page.text
    assert "/book?lang=en" in page.text  # the same search without the language
    assert "You can ask for an interpreter" in page.text
    assert "Drop-in Mondays 13-16." in page.text  # help without a booking
    assert "Hack Kampmanns Plads 2" in page.text  # Borgerservice
    everything = await client.get("/book?lang=en")
    assert len(slot_links(everything.text)) == 1


async def test_places_are_grouped_nearest_first(client: httpx.AsyncClient, world: World) -> None:
    at_dokk1 = world.slot(days=1)
    at_gellerup = world.slot(days=2, location=world.gellerup)
    soonest_first = await client.get("/book?lang=da")
    assert slot_links(soonest_first.text) == [at_dokk1, at_gellerup]
    from_gellerup_kiosk = await client.get("/book?lang=da&near=gellerup&channel=kiosk")
    assert slot_links(from_gellerup_kiosk.text) == [at_gellerup, at_dokk1]
    assert "channel=kiosk" in from_gellerup_kiosk.text
    chosen = await client.get("/book?lang=da&location=dokk1")
    assert slot_links(chosen.text) == [at_dokk1]


async def test_cancel_and_move_with_reference_and_contact(
    client: httpx.AsyncClient, world: World
) -> None:
    first = world.slot(capacity=1)
    second = world.slot(capacity=1)
    made = await client.post(
        "/api/v1/bookings",
        json={"slot_id": first, "name": "Bo", "email": "bo@example.dk", "language": "en"},
    )
    reference = made.json()["reference"]
    assert (await client.get("/book/manage?lang=en")).status_code == 200
    wrong = await client.post(
        "/book/manage", data={"lang": "en", "reference": reference, "contact": "x@example.dk"}
    )
    assert wrong.status_code == 404
    assert "We found no booking" in wrong.text
    found = await client.post(
        "/book/manage",
        data={"lang": "en", "reference": reference.lower(), "contact": "BO@example.dk"},
    )
    assert found.status_code == 200
    assert f'value="{second}"' in found.text  # a time to move to
    moved = await client.post(
        "/book/manage/move",
        data={
            "lang": "en",
            "reference": reference,
            "contact": "bo@example.dk",
            "slot_id": str(second),
        },
    )
    assert moved.status_code == 303
    assert (world.get_slot(first).booked, world.get_slot(second).booked) == (0, 1)
    cancelled = await client.post(
        "/book/manage/cancel",
        data={"lang": "en", "reference": reference, "contact": "bo@example.dk"},
    )
    assert cancelled.status_code == 200
    assert "The booking is cancelled" in cancelled.text
    assert world.get_slot(second).booked == 0
    receipt = await client.get(moved.headers["location"])
    assert "This booking is cancelled" in receipt.text


async def test_a_booking_moved_from_the_kiosk_stays_in_the_kiosk(
    client: httpx.AsyncClient, world: World
) -> None:
    first, second = world.slot(capacity=1), world.slot(capacity=1)
    made = await client.post(
        "/api/v1/bookings",
        json={"slot_id": first, "name": "Bo", "phone": "+4512345678", "language": "da"},
    )
    moved = await client.post(
        "/book/manage/move",
        data={
            "lang": "da",
            "channel": "kiosk",
            "reference": made.json()["reference"],
            "contact": "+4512345678",
            "slot_id": str(second),
        },
    )
    assert moved.status_code == 303
    # The receipt comes in the kiosk frame (idle reset, "Done"), as after booking there.
    assert "channel=kiosk" in moved.headers["location"]


@pytest.mark.parametrize(
    ("language", "weeks", "days"),
    [
        # 6 weeks ahead and 30 days' retention (the defaults), in each language's plural form.
        ("uk", "У найближчі 6 тижнів", "через 30 днів після"),
        ("pl", "najbliższych 6 tygodni", "usuwane 30 dni po"),
        ("ar", "خلال الـ 6 أسابيع القادمة", "بعد 30 يومًا من الموعد"),
        ("en", "in the next 6 weeks", "deleted 30 days after"),
    ],
)
async def test_counts_read_right_in_every_language(
    client: httpx.AsyncClient, world: World, language: str, weeks: str, days: str
) -> None:
    slot = world.slot(capacity=1, languages=",da,")
    nothing = await client.get(f"/book?lang={language}&speaks=so")
    assert weeks in nothing.text
    form = await client.get(f"/book/slots/{slot}?lang={language}")
    assert days in form.text


async def test_the_reference_reads_left_to_right_in_arabic(
    client: httpx.AsyncClient, world: World
) -> None:
    slot = world.slot(capacity=1)
    form = await client.get(f"/book/slots/{slot}?lang=ar")
    data = {
        "lang": "ar",
        "form_key": hidden(form.text, "form_key"),
        "name": "Amal",
        "phone": "20 12 34 56",
        "language": "ar",
    }
    booked = await client.post(f"/book/slots/{slot}", data=data)
    receipt = await client.get(booked.headers["location"])
    with Session(world.engine) as session:
        code = session.exec(select(Booking)).one().reference or ""
    assert f'<bdi dir="ltr">{code[:3]}-{code[3:]}</bdi>' in receipt.text
