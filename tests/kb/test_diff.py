"""The workshop's line diff, without a database or HTTP."""

from __future__ import annotations

from helpdesk.kb.diff import full_snapshot_lines, line_diff, snapshot_lines

BEFORE = {
    "title": "Renew a passport",
    "summary": "Book a time",
    "steps": ["Book a time", "Bring a photo"],
    "bring": ["Old passport"],
    "help_in_person": "Borgerservice",
}


def test_a_changed_step_is_removed_then_added_in_reading_order() -> None:
    after = {**BEFORE, "steps": ["Book a time", "Bring two photos"]}
    diff = line_diff(snapshot_lines(BEFORE, "en"), snapshot_lines(after, "en"))
    changed = [(kind, line) for kind, line in diff if kind != "same"]
    assert changed == [
        ("removed", "Steps 2: Bring a photo"),
        ("added", "Steps 2: Bring two photos"),
    ]
    assert diff[0] == ("same", "Title: Renew a passport")


def test_lines_are_labelled_in_the_readers_language() -> None:
    lines = full_snapshot_lines({**BEFORE, "review_status": "draft", "category": "id-cards"}, "da")
    assert lines[0] == "Titel: Renew a passport"
    assert not any(line.startswith("Title:") for line in lines)
