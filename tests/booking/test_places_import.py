"""`helpdesk admin import-places FILE`: places and opening hours from a CSV file, through the admin
services, all or nothing; bad rows reported by line number; importing twice changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, col, func, select

from helpdesk.booking.models import Location, Schedule, Slot
from helpdesk.kb.models import AuditLogRecord
from tests.booking.conftest import World
from tests.conftest import REPO
from tests.test_cli import run

EXAMPLE = REPO / "docs" / "places-example.csv"


def test_the_example_file_imports_and_a_second_run_changes_nothing(
    world: World, database_url: str
) -> None:
    env = {"HELPDESK_DATABASE_URL": database_url}
    first = run("admin", "import-places", str(EXAMPLE), env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["places_created"] == 1  # viby; dokk1, gellerup and herberget are updated
    assert report["places_updated"] == 3
    assert report["schedules_created"] == 7
    assert report["slots_created"] > 0
    with Session(world.engine) as session:
        dokk1 = session.exec(select(Location).where(Location.slug == "dokk1")).one()
        assert dokk1.drop_in["en"] == "Drop-in Monday to Friday 10-15."
        herberget = session.exec(select(Location).where(Location.slug == "herberget")).one()
        assert not herberget.listed
        visit = session.exec(select(Schedule).where(Schedule.location_id == herberget.id)).one()
        assert visit.valid_from == visit.valid_until
        assert (
            session.exec(
                select(AuditLogRecord).where(AuditLogRecord.action == "places_import")
            ).first()
            is not None
        )
        slots = session.exec(select(func.count()).select_from(Slot)).one()
    second = run("admin", "import-places", str(EXAMPLE), env=env)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["schedules_created"] == 0
    assert again["schedules_unchanged"] == 7
    with Session(world.engine) as session:
        assert session.exec(select(func.count()).select_from(Slot)).one() == slots


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    world: World, database_url: str, tmp_path: Path
) -> None:
    header = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join(
            [
                header,
                "lystrup,Lystrup Bibliotek,library,Ravnsbjergvej 1,8520,Lystrup,yes,yes,,,,,"
                "digital-help,monday,,10:00,12:00,1,,,",
                "lystrup,,,,,,,,,,,,digital-help,tuesday,,12:00,10:00,1,,,",
                "lystrup,,,,,,,,,,,,yoga,wednesday,,10:00,12:00,1,,,",
                "lystrup,,,,,,,,,,,,digital-help,someday,,10:00,12:00,1,,,",
                "Bad Slug,Bad,library,,,,yes,yes,,,,,,,,,,,,,",
            ]
        ),
        encoding="utf-8",
    )
    result = run("admin", "import-places", str(bad), env={"HELPDESK_DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "line 3: ends:" in result.stderr
    assert "line 4: session_type:" in result.stderr
    assert "line 5: weekday:" in result.stderr
    assert "line 6: slug:" in result.stderr
    assert "nothing was imported" in result.stderr
    with Session(world.engine) as session:
        assert session.exec(select(Location).where(col(Location.slug) == "lystrup")).first() is None
        assert session.exec(select(func.count()).select_from(Schedule)).one() == 0
