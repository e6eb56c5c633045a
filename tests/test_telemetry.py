"""/metrics: Prometheus text with request counts by route template, triage outcomes, bookings
and the knowledge-base generation; only for HELPDESK_METRICS_NETWORKS or the token."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import events_written


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the exposition text (0 when it is not there)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
async def outsider(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client from an address outside the metrics networks."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        event_hooks={"response": [events_written(app)]},
    ) as c:
        yield c


async def test_metrics_count_requests_and_triage(client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    assert (await client.get("/guides/mitid-locked?lang=da")).status_code == 200
    triaged = await client.post("/api/v1/triage", json={"text": "jeg har mistet mit sundhedskort"})
    outcome, reason = triaged.json()["outcome"], triaged.json()["reason"]
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    route = {"method": "GET", "route": "/guides/{slug}", "status": "200"}
    assert sample(after, "helpdesk_http_requests_total", **route) == (
        sample(before, "helpdesk_http_requests_total", **route) + 1
    )
    # The path itself (with the slug) is never a label.
    assert 'route="/guides/mitid-locked"' not in after
    assert sample(after, "helpdesk_http_request_duration_seconds_count", route="/guides/{slug}")
    triage = {"outcome": outcome, "reason": reason}
    assert sample(after, "helpdesk_triage_total", **triage) == (
        sample(before, "helpdesk_triage_total", **triage) + 1
    )
    assert sample(after, "helpdesk_kb_generation") >= 1
    # Asked again: the answer is the engine's earlier one, and counted as reused.
    await client.post("/api/v1/triage", json={"text": "jeg har mistet mit sundhedskort"})
    again = (await client.get("/metrics")).text
    assert sample(again, "helpdesk_triage_answers_total", source="reused") == (
        sample(after, "helpdesk_triage_answers_total", source="reused") + 1
    )
    assert sample(again, "helpdesk_triage_answers_total", source="new") == sample(
        after, "helpdesk_triage_answers_total", source="new"
    )


async def test_metrics_are_hidden_from_other_networks_without_the_token(
    app: Starlette, outsider: httpx.AsyncClient
) -> None:
    assert (await outsider.get("/metrics")).status_code == 404
    settings = app.state.settings
    app.state.settings = dataclasses.replace(settings, metrics_token="scrape-secret")
    try:
        assert (await outsider.get("/metrics")).status_code == 404
        wrong = await outsider.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await outsider.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert right.status_code == 200
        assert "helpdesk_http_requests_total" in right.text
    finally:
        app.state.settings = settings
    app.state.settings = dataclasses.replace(settings, metrics_networks=("203.0.113.0/24",))
    try:
        assert (await outsider.get("/metrics")).status_code == 200
    finally:
        app.state.settings = settings
