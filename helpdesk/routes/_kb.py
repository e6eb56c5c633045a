"""The live knowledge base as routes reach it (the database check runs off the event loop)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from helpdesk.triage.live import LiveKnowledgeBase, Snapshot


async def current_snapshot(request: Request) -> Snapshot:
    live: LiveKnowledgeBase = request.app.state.knowledge_base
    return await run_in_threadpool(lambda: live.current)


async def refreshed_snapshot(request: Request) -> Snapshot:
    """Rebuild this process's snapshot now (after an edit), so that the next page shows the
    change; other processes pick it up from the generation counter within a second."""
    live: LiveKnowledgeBase = request.app.state.knowledge_base
    return await run_in_threadpool(live.refresh, True)
