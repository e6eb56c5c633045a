"""Database work as routes reach it: off the event loop, one committed session per call."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from helpdesk.db import session_scope
from helpdesk.web.access import Principal

T = TypeVar("T")


async def in_session(request: Request, work: Callable[[Session], T]) -> T:
    """Run database work in a thread with its own session (committed unless it raises)."""

    def run() -> T:
        with session_scope(request.app.state.db) as session:
            return work(session)

    return await run_in_threadpool(run)


def acting_user(request: Request) -> str:
    """The signed-in account's username, as revisions and the audit log record it."""
    principal: Principal = request.state.principal
    return principal.username
