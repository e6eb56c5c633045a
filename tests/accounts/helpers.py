"""Helpers for tests that need a staff account and a signed-in client."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.engine import Engine

from helpdesk.accounts.service import create_token, create_user
from helpdesk.db import session_scope

PASSWORD = "correct horse battery staple"


def make_user(engine: Engine, username: str, role: str = "staff", password: str = PASSWORD) -> int:
    with session_scope(engine) as session:
        user = create_user(session, username, role, password)
        assert user.id is not None
        return user.id


def make_token(engine: Engine, username: str) -> str:
    with session_scope(engine) as session:
        token, _ = create_token(session, username, "test")
        return token


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, next_path: str = "/staff"
) -> httpx.Response:
    form = await client.get(f"/login?next={next_path}")
    assert form.status_code == 200
    return await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": next_path,
            "csrf_token": csrf_from(form.text),
        },
    )
