"""Host-header injection (issue 14, item 2): links that leave the service come only from
HELPDESK_PUBLIC_BASE_URL, never from the request's Host header, and unknown hosts are refused
when HELPDESK_ALLOWED_HOSTS lists the service's names. Real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
from icalendar import Calendar
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.settings import Settings
from tests.booking.conftest import World
from tests.booking.test_mail import Inbox

EVIL = "evil.example"


async def app_client(settings: Settings, host: str) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            yield client


def _calendar_text(ics: bytes) -> str:
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    return str(event["DESCRIPTION"])


async def test_a_forged_host_never_reaches_the_e_mail_or_the_calendar(
    app: Starlette, settings: Settings, world: World, mailbox: tuple[Inbox, int]
) -> None:
    handler, port = mailbox
    mail_settings = replace(
        settings,
        import_kb_on_start=False,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        public_base_url="",  # the default: no base URL known
    )
    slot_id = world.slot(capacity=1)
    async for client in app_client(mail_settings, EVIL):
        response = await client.post(
            "/api/v1/bookings",
            json={
                "slot_id": slot_id,
                "name": "Vic",
                "email": "victim@example.dk",
                "language": "da",
            },
            headers={"Host": EVIL},
        )
        assert response.status_code == 201, response.text
        [mail] = await handler.wait_for(1)
        receipt = response.json()["calendar_url"]
        assert receipt.startswith("/book/receipt/")  # relative: no host at all
        ics = await client.get(receipt, headers={"Host": EVIL})
        assert ics.status_code == 200
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert EVIL not in body
    assert "http" not in body
    # Instead of a link, where to find the form (in Danish, the citizen's language).
    assert "Aflys eller flyt en tid" in body
    [attachment] = list(mail.iter_attachments())
    for calendar in (attachment.get_payload(decode=True), ics.content):
        description = _calendar_text(calendar)
        assert EVIL not in description
        assert "http" not in description
        assert "Aflys eller flyt en tid" in description


async def test_links_come_from_the_public_base_url_whatever_the_host(
    app: Starlette, settings: Settings, world: World
) -> None:
    slot_id = world.slot(capacity=1)
    linked = replace(settings, import_kb_on_start=False, public_base_url="https://hjaelp.example")
    async for client in app_client(linked, EVIL):
        response = await client.post(
            "/api/v1/bookings",
            json={"slot_id": slot_id, "name": "Vic", "phone": "20 11 22 33", "language": "en"},
        )
        assert response.status_code == 201
        ics = await client.get(response.json()["calendar_url"].removeprefix(linked.public_base_url))
    description = _calendar_text(ics.content)
    assert "https://hjaelp.example/book/manage?lang=en" in description
    assert EVIL not in description


async def test_unknown_hosts_are_refused_with_a_translated_error(
    app: Starlette, settings: Settings
) -> None:
    strict = replace(
        settings, import_kb_on_start=False, allowed_hosts=("hjaelp.example", "*.aarhus.example")
    )
    async for client in app_client(strict, "hjaelp.example"):
        assert (await client.get("/healthz")).status_code == 200
        sub = await client.get("/guides", headers={"Host": "www.aarhus.example"})
        assert sub.status_code == 200
        refused = await client.post(
            "/api/v1/bookings",
            json={"slot_id": 1},
            headers={"Host": EVIL, "Accept-Language": "da"},
        )
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert error["code"] == "unknown_host"
        assert error["language"] == "da"
        assert "værtsnavn" in error["message"]
        with_port = await client.get("/healthz", headers={"Host": "hjaelp.example:8443"})
        assert with_port.status_code == 200
        # The suffix must be a whole label: "evilaarhus.example" is not "*.aarhus.example".
        lookalike = await client.get("/healthz", headers={"Host": "evilaarhus.example"})
        assert lookalike.status_code == 400
