"""The workshop module: saving, stale marks, review, history, the import rule, export round trip,
and two service processes converging on one database."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk import LANGUAGES
from helpdesk.app import create_app
from helpdesk.db import make_engine, migrate, session_scope
from helpdesk.events.models import TriageEvent
from helpdesk.kb import workshop
from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.files import KB_DIR, load_knowledge_base
from helpdesk.kb.store import import_guides, kb_generation, load_guides
from helpdesk.settings import Settings
from helpdesk.web.errors import status_of
from tests.accounts.helpers import make_token, make_user
from tests.conftest import REPO
from tests.kb.workshop_helpers import reset_knowledge_base, stored_version

SLUG = "passport-lost"


@pytest.fixture(autouse=True)
def fresh_kb(db_engine: Engine, real_kb: KnowledgeBase) -> Iterator[None]:
    reset_knowledge_base(db_engine, real_kb)
    yield
    reset_knowledge_base(db_engine, real_kb)


def save(
    engine: Engine, language: str, actor: str = "anna", **changes: object
) -> workshop.SaveResult:
    data = {**stored_version(engine, SLUG, language), **changes}
    with session_scope(engine) as session:
        return workshop.save_version(session, SLUG, language, data, actor=actor)


def status(engine: Engine, language: str) -> workshop.VersionStatus:
    with Session(engine) as session:
        return workshop.version_status(session, SLUG, language)


def test_a_danish_text_change_marks_every_other_language_stale(db_engine: Engine) -> None:
    result = save(db_engine, "da", steps=["Ring til Borgerservice.", "Bestil et nyt pas."])
    assert result.stale_languages == ["en", "ar", "uk", "tr", "pl", "so", "fa"]
    assert status(db_engine, "ar").stale
    assert status(db_engine, "ar").stale_since is not None
    assert not status(db_engine, "da").stale

    # Catching up: the English save clears its own mark and does not make Danish stale.
    english = save(db_engine, "en", summary="A new English summary.")
    assert english.stale_languages == []
    assert not status(db_engine, "en").stale
    assert not status(db_engine, "da").stale
    # A translator saving Arabic clears its mark only.
    save(db_engine, "ar", summary="ملخص جديد.")
    assert not status(db_engine, "ar").stale
    assert status(db_engine, "uk").stale


def test_phrases_or_a_translation_do_not_mark_anything_stale(db_engine: Engine) -> None:
    phrases = stored_version(db_engine, SLUG, "da")["phrases"] + ["mit pas er væk i ferien"]
    assert save(db_engine, "da", phrases=phrases).stale_languages == []
    assert save(db_engine, "tr", title="Kayıp pasaport (yeni)").stale_languages == []
    assert not any(status(db_engine, lang).stale for lang in LANGUAGES)


def test_review_status_records_who_and_when(db_engine: Engine) -> None:
    assert status(db_engine, "pl").review_status == "draft"
    save(db_engine, "pl", actor="piotr", review_status="reviewed")
    reviewed = status(db_engine, "pl")
    assert (reviewed.review_status, reviewed.reviewed_by) == ("reviewed", "piotr")
    assert reviewed.reviewed_at is not None
    assert reviewed.updated_by == "piotr"
    with session_scope(db_engine) as session:
        workshop.set_review_status(session, SLUG, "pl", "draft", actor="anna")
    assert status(db_engine, "pl").reviewed_by is None
    # The reference versions stay reviewed, as kb check demands.
    with pytest.raises(workshop.WorkshopError) as refused:
        save(db_engine, "da", review_status="draft")
    assert refused.value.field_errors[0].loc == ("review_status",)


def test_saving_nothing_new_writes_no_revision(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        generation = kb_generation(session)
        before = workshop.list_revisions(session, SLUG)
    result = save(db_engine, "en")
    with Session(db_engine) as session:
        assert workshop.list_revisions(session, SLUG) == before
        assert kb_generation(session) == generation
    assert result.revision == next(r.id for r in before if r.language == "en")


def test_history_and_restore(db_engine: Engine) -> None:
    original = stored_version(db_engine, SLUG, "en")
    first = save(db_engine, "en", title="Lost passport (edited)")
    save(db_engine, "en", title="Lost passport (edited twice)", bring=["Photo ID"])
    with Session(db_engine) as session:
        history = workshop.list_revisions(session, SLUG, "en")
        assert [r.action for r in history] == ["edit", "edit", "import"]
        assert history[0].changed_fields == ["bring", "title"]
        assert workshop.get_revision(session, first.revision).snapshot["title"] == (
            "Lost passport (edited)"
        )
    with session_scope(db_engine) as session:
        restored = workshop.restore_revision(session, history[-1].id, actor="anna")
    assert stored_version(db_engine, SLUG, "en") == original
    with Session(db_engine) as session:
        latest = workshop.list_revisions(session, SLUG, "en")[0]
        assert (latest.id, latest.action) == (restored.revision, "restore")
        assert set(latest.changed_fields) == {"bring", "title"}
        audit = workshop.audit_entries(session, limit=3)
    assert [a.action for a in audit] == ["guide.restore", "guide.edit", "guide.edit"]
    assert audit[0].target == f"guide:{SLUG}/en"
    assert "title" in audit[0].summary
    with pytest.raises(workshop.WorkshopError) as missing, Session(db_engine) as session:
        workshop.get_revision(session, 10**9)
    assert status_of(missing.value) == 404


def test_validation_reports_fields(db_engine: Engine) -> None:
    data = stored_version(db_engine, SLUG, "da")
    data.update(
        title="",
        phrases=["kun en"],
        sources=[{"title": "x", "url": "javascript:alert(1)"}],
        steps=["Klik her", '<img src=x onerror="alert(1)">'],
        help_in_person='Se <a href="https://x.dk" onclick="steal()">her</a>',
    )
    with pytest.raises(workshop.WorkshopError) as invalid, session_scope(db_engine) as session:
        workshop.save_version(session, SLUG, "da", data, actor="anna")
    assert (status_of(invalid.value), invalid.value.code) == (422, "guide_invalid")
    locs = {error.loc for error in invalid.value.field_errors}
    assert locs == {
        ("title",),
        ("phrases",),
        ("sources", 0, "url"),
        ("steps", 1),
        ("help_in_person",),
    }


def test_create_a_guide_and_its_errors(db_engine: Engine) -> None:
    data = stored_version(db_engine, SLUG, "en")
    data.update(title="Library card", phrases=[f"library card question {i}" for i in range(8)])
    with session_scope(db_engine) as session:
        with pytest.raises(workshop.WorkshopError) as exists:
            workshop.save_version(session, SLUG, "en", data, actor="anna", create=True)
        assert (status_of(exists.value), exists.value.code) == (409, "guide_exists")
        with pytest.raises(workshop.WorkshopError) as unknown:
            workshop.save_version(session, "library-card", "en", data, actor="anna")
        assert status_of(unknown.value) == 404
        with pytest.raises(workshop.WorkshopError) as not_reference:
            workshop.save_version(session, "library-card", "so", data, actor="anna", create=True)
        assert not_reference.value.field_errors[0].loc == ("language",)
        result = workshop.save_version(
            session, "library-card", "en", data, actor="anna", create=True
        )
    assert result.created
    assert result.stale_languages == []
    with Session(db_engine) as session:
        assert [r.action for r in workshop.list_revisions(session, "library-card")] == ["create"]


def test_translation_overview_counts_demand_per_language(db_engine: Engine) -> None:
    save(db_engine, "da", summary="Nyt resumé.")
    now = dt.datetime.now(dt.UTC)
    with session_scope(db_engine) as session:
        for i, language in enumerate(["ar", "ar", "uk"]):
            session.add(
                TriageEvent(
                    channel="web",
                    language=language,
                    outcome="human",
                    reason="no_match",
                    feedback_token=f"overview-{now.timestamp()}-{i}",
                )
            )
    with Session(db_engine) as session:
        overview = workshop.translation_overview(session, since=now.date())
    row = next(r for r in overview.rows if r.slug == SLUG)
    assert row.title == stored_version(db_engine, SLUG, "da")["title"]
    assert row.cells["da"].state == "reviewed"
    assert row.cells["ar"].state == "stale"
    assert set(row.cells) == set(LANGUAGES)
    assert overview.asked_by_language["ar"] >= 2
    assert overview.asked_by_language["uk"] >= 1
    assert set(overview.asked_by_language) == set(LANGUAGES)


def test_import_keeps_an_edit_but_applies_a_changed_file(
    db_engine: Engine, real_kb: KnowledgeBase
) -> None:
    save(db_engine, "en", title="Lost passport (workshop)")
    with session_scope(db_engine) as session:
        report = import_guides(session, real_kb.guides)  # what every start-up does
    assert (report.updated, report.kept_edits) == (0, 1)
    assert stored_version(db_engine, SLUG, "en")["title"] == "Lost passport (workshop)"

    changed = [g.model_copy(deep=True) for g in real_kb.guides]
    guide = next(g for g in changed if g.slug == SLUG)
    guide.translations["en"].title = "Lost passport (from the file)"
    with session_scope(db_engine) as session:
        report = import_guides(session, changed)
    assert report.updated == 1
    assert stored_version(db_engine, SLUG, "en")["title"] == "Lost passport (from the file)"
    with Session(db_engine) as session:
        history = workshop.list_revisions(session, SLUG, "en")
    assert [(r.action, r.actor) for r in history[:2]] == [("import", "files"), ("edit", "anna")]
    assert status(db_engine, "ar").stale  # the English source changed through its file


@pytest.fixture
def export_db(
    database_url: str, db_engine: Engine, real_kb: KnowledgeBase, tmp_path: Path
) -> Iterator[tuple[str, Engine]]:
    """The database the export subprocess reads. On SQLite a file of its own: another test reads
    the shared file's bytes, which drops this process's SQLite locks (POSIX), and a second
    process then writing or checkpointing the same file could corrupt it."""
    if not database_url.startswith("sqlite"):
        yield database_url, db_engine
        return
    url = f"sqlite:///{tmp_path / 'export.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        import_guides(session, real_kb.guides)
    yield url, engine
    engine.dispose()


def export(database_url: str, to: Path) -> None:
    env = {"HELPDESK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "helpdesk", "kb", "export", "--to", str(to)],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["to"] == str(to)


def test_export_reproduces_the_committed_files_byte_for_byte(
    export_db: tuple[str, Engine], tmp_path: Path
) -> None:
    url, _ = export_db
    export(url, tmp_path / "kb")
    # terminology/ holds the per-language term sheets: files only, never in the database
    committed = sorted(
        p.relative_to(KB_DIR)
        for p in KB_DIR.glob("*/**/*.toml")
        if p.relative_to(KB_DIR).parts[0] != "terminology"
    )
    exported = sorted(p.relative_to(tmp_path / "kb") for p in (tmp_path / "kb").glob("*/**/*.toml"))
    assert exported == committed
    for path in committed:
        assert (tmp_path / "kb" / path).read_bytes() == (KB_DIR / path).read_bytes(), path


def test_export_of_edits_imports_to_the_same_knowledge_base(
    export_db: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = export_db
    save(engine, "da", summary='Et nyt resumé\nmed et linjeskift og "citat".')
    save(engine, "ar", bring=[], review_status="reviewed")
    export(url, tmp_path / "kb")
    loaded = load_knowledge_base(tmp_path / "kb")
    assert loaded.errors == []
    with Session(engine) as session:
        assert loaded.knowledge_base.guides == load_guides(session)
    # Importing the exported files changes nothing: they now equal the database.
    with session_scope(engine) as session:
        report = import_guides(session, loaded.knowledge_base.guides)
    assert report.updated == 0
    assert report.created == 0


async def test_an_edit_in_one_process_reaches_triage_in_another(
    settings: Settings, db_engine: Engine
) -> None:
    """Two service processes (two apps) over one database: a save through the first is
    answered by triage in the second after its check interval, with no restart."""
    quick = replace(settings, kb_check_seconds=0.2)
    question = "kvantefysik og sorte huller for begyndere"
    first, second = create_app(quick), create_app(quick)
    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
    ):
        make_user(db_engine, "two-process-editor", "coordinator")
        token = make_token(db_engine, "two-process-editor")
        editor = httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://a")
        other = httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://b")
        async with editor, other:

            async def triage_top() -> str | None:
                answer = (await other.post("/api/v1/triage", json={"text": question})).json()
                return answer["matches"][0]["slug"] if answer["matches"] else None

            assert await triage_top() != SLUG
            body = (await editor.get(f"/api/v1/guides/{SLUG}?lang=da")).json()
            body["phrases"].append(question)
            saved = await editor.put(
                f"/api/v1/guides/{SLUG}?lang=da",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert saved.status_code == 200, saved.text
            deadline = time.monotonic() + 30
            while await triage_top() != SLUG:
                # Requests never wait for the rebuild: they are answered from the old index.
                assert time.monotonic() < deadline, "the second process never saw the edit"
                await asyncio.sleep(0.1)
            assert first.state.knowledge_base.current.engine.search(question)[0].slug == SLUG
