"""Shared fixtures: a real database (SQLite, or PostgreSQL via HELPDESK_TEST_DATABASE_URL), the
real app with its lifespan, and an httpx client over ASGI."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from starlette.applications import Starlette

import helpdesk.models  # noqa: F401  (all tables on the metadata)
from helpdesk.app import create_app
from helpdesk.db import migrate
from helpdesk.kb.content import Guide, Intent, KnowledgeBase
from helpdesk.lifecycle import open_database
from helpdesk.settings import Settings, normalise_database_url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'helpdesk-test.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret",
        question_retention_days=30,
        kiosk_idle_seconds=10,  # the shortest allowed: the idle-reset test waits for it
        # The whole suite is one client address asking thousands of questions; the request
        # limits are tested with apps of their own (tests/test_rate_limits.py).
        triage_max_per_address_minute=1_000_000,
        lookup_max_per_address_hour=1_000_000,
    )


@pytest.fixture(scope="session")
def db_engine(database_url: str, settings: Settings) -> Iterator[Engine]:
    migrate(database_url)
    # As the service opens it: its sessions keep the metrics rollups in step.
    engine = open_database(settings)
    yield engine
    engine.dispose()


def clear_tables(engine: Engine, *tables: str) -> None:
    names = tables or tuple(t.name for t in reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as connection:
        for name in names:
            connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(scope="session")
async def app(settings: Settings, db_engine: Engine) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def events_written(app: Starlette) -> Any:
    """An httpx response hook: the triage events a request queued are in the database when the
    test sees its response (the service writes them in the background, helpdesk.events.writer)."""

    async def hook(response: httpx.Response) -> None:
        await app.state.events.flush()

    return hook


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        event_hooks={"response": [events_written(app)]},
    ) as c:
        yield c


# --- building knowledge bases in tests ---------------------------------------------------------


def make_translation(title: str, phrases: list[str], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "review_status": "reviewed",
        "last_checked": dt.date(2026, 11, 24),
        "title": title,
        "summary": f"About {title}.",
        "steps": [f"First step for {title}.", "Second step."],
        "bring": [],
        "help_in_person": "Ask at Borgerservice.",
        "phrases": phrases,
        "sources": [{"title": "borger.dk", "url": "https://www.borger.dk/"}],
    }
    data.update(overrides)
    return data


def make_guide(slug: str, translations: dict[str, dict[str, Any]], **overrides: Any) -> Guide:
    return Guide.model_validate(
        {"slug": slug, "category": "everyday", "translations": translations, **overrides}
    )


def phrases(*base: str, n: int = 8) -> list[str]:
    """At least n distinct phrases made from the given ones."""
    out = list(base)
    i = 0
    while len(out) < n:
        out.append(f"{base[i % len(base)]} {len(out)}")
        i += 1
    return out


@pytest.fixture
def tiny_kb() -> KnowledgeBase:
    """A small, hand-made knowledge base for engine tests that must not depend on content."""
    bike = make_guide(
        "bike-repair",
        {
            "da": make_translation(
                "Reparer din cykel",
                phrases(
                    "min cykel har punkteret",
                    "cykelslange lappe",
                    "cyklen er flad",
                    "reparere cykel dæk",
                    "cykel kæden er hoppet af",
                    "hvordan lapper jeg en cykel",
                    "punktering på cyklen",
                    "cykelsmed hjælp",
                ),
            ),
            "en": make_translation(
                "Repair your bicycle",
                phrases(
                    "my bike has a flat tyre",
                    "fix a bicycle puncture",
                    "bike chain came off",
                    "repair bike wheel",
                    "how to patch a bike tube",
                    "bicycle repair help",
                    "punctured bicycle tire",
                    "bike is broken",
                ),
            ),
        },
    )
    bread = make_guide(
        "bake-bread",
        {
            "da": make_translation(
                "Bag brød",
                phrases(
                    "hvordan bager jeg rugbrød",
                    "brød opskrift",
                    "surdej starter",
                    "mit brød hæver ikke",
                    "bage boller",
                    "franskbrød i ovnen",
                    "gær til brød",
                    "dej til brød",
                ),
            ),
            "en": make_translation(
                "Bake bread",
                phrases(
                    "how do I bake rye bread",
                    "bread recipe",
                    "sourdough starter",
                    "my bread does not rise",
                    "bake buns",
                    "white bread in the oven",
                    "yeast for bread",
                    "bread dough",
                ),
            ),
        },
    )
    cake = make_guide(
        "bake-cake",
        {
            "da": make_translation(
                "Bag kage",
                phrases(
                    "hvordan bager jeg en kage",
                    "kage opskrift",
                    "chokoladekage",
                    "lagkage til fødselsdag",
                    "kagen falder sammen",
                    "bage kage i ovnen",
                    "kage med frugt",
                    "kagedej",
                ),
            ),
            "en": make_translation(
                "Bake a cake",
                phrases(
                    "how do I bake a cake",
                    "cake recipe",
                    "chocolate cake",
                    "birthday layer cake",
                    "my cake collapses",
                    "bake a cake in the oven",
                    "fruit cake",
                    "cake batter",
                ),
            ),
        },
        sensitive=True,
    )
    person = Intent(
        name="human",
        phrases={
            "da": ["jeg vil tale med en person", "kan jeg få fat i en medarbejder"],
            "en": ["I want to talk to a person", "can I speak to a staff member"],
        },
    )
    return KnowledgeBase(guides=[bike, bread, cake], intents=[person])


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    from helpdesk.kb.files import load_knowledge_base

    loaded = load_knowledge_base()
    assert not loaded.errors, loaded.errors
    return loaded.knowledge_base


REPO = Path(__file__).resolve().parents[1]
