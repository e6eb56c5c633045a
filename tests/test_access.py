"""Access control: every route declares who may call it; nothing non-public answers anonymously."""

import re

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from helpdesk.web.access import PUBLIC, access_of


def test_every_route_declares_its_access(app: Starlette) -> None:
    for route in app.routes:
        assert access_of(route) is not None, f"{getattr(route, 'path', route)} declares no access"


async def test_no_non_public_route_answers_an_anonymous_request(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    for route in app.routes:
        if access_of(route) == PUBLIC or isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            response = await client.request(method, path, follow_redirects=False)
            assert response.status_code in (401, 403, 303), (method, path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login")


async def test_roles_are_enforced_in_one_place(settings) -> None:
    """The mechanism itself, on probe routes: anonymous → 401/303, too low a role → 403."""
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    from helpdesk.app import create_app
    from helpdesk.web.access import Principal, requires

    def probe():  # a new endpoint each time: the decorators mark the function itself
        async def endpoint(request: Request) -> PlainTextResponse:
            return PlainTextResponse("secret")

        return endpoint

    app = create_app(settings)
    app.router.routes += [
        Route("/api/v1/probe-staff", requires("staff")(probe())),
        Route("/api/v1/probe-coordinator", requires("coordinator")(probe())),
        Route("/probe-page", requires("staff")(probe())),
        Route("/probe-undeclared", probe()),
    ]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/api/v1/probe-staff")).status_code == 401
        page = await client.get("/probe-page")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/probe-page"
        assert (await client.get("/probe-undeclared")).status_code == 403

        async def as_staff(request: Request) -> Principal:
            return Principal(1, "sara", "staff")

        app.state.authenticator = as_staff
        assert (await client.get("/api/v1/probe-staff")).text == "secret"
        assert (await client.get("/api/v1/probe-coordinator")).status_code == 403
        assert (await client.get("/probe-undeclared")).status_code == 403
