"""Line diffs of guide versions: a version as labelled lines, and what changed between two.

Pure (no database, no HTTP): the workshop's history and its "what changed in the source" view
use it, and it can be tested alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from helpdesk.i18n import gettext_for
from helpdesk.kb.labels import (
    CATEGORY_NAMES,
    FIELD_NAMES,
    SESSION_TYPE_NAMES,
    STATE_NAMES,
)


def snapshot_lines(snapshot: Mapping[str, Any], language: str) -> list[str]:
    """A version as labelled lines, for a readable line diff."""

    def label(name: str) -> str:
        return gettext_for(language, FIELD_NAMES[name])

    lines = [f"{label('title')}: {snapshot.get('title', '')}"]
    lines.append(f"{label('summary')}: {snapshot.get('summary', '')}")
    for number, step in enumerate(snapshot.get("steps", []), start=1):
        lines.append(f"{label('steps')} {number}: {step}")
    lines += [f"{label('bring')}: {item}" for item in snapshot.get("bring", [])]
    lines.append(f"{label('help_in_person')}: {snapshot.get('help_in_person', '')}")
    return lines


def full_snapshot_lines(snapshot: Mapping[str, Any], language: str) -> list[str]:
    """Everything a revision keeps, including phrases, links and the guide-level fields."""

    def label(name: str) -> str:
        return gettext_for(language, FIELD_NAMES[name])

    lines = snapshot_lines(snapshot, language)
    lines += [f"{label('phrases')}: {phrase}" for phrase in snapshot.get("phrases", [])]
    lines += [
        f"{label('sources')}: {source.get('title', '')} <{source.get('url', '')}>"
        for source in snapshot.get("sources", [])
    ]
    named = {"review_status": STATE_NAMES, "category": CATEGORY_NAMES}
    named["session_type"] = SESSION_TYPE_NAMES
    for name, names in named.items():
        value = str(snapshot.get(name, ""))
        lines.append(
            f"{label(name)}: {gettext_for(language, names[value]) if value in names else value}"
        )
    if snapshot.get("sensitive"):
        lines.append(label("sensitive"))
    lines += [f"{label('aliases')}: {alias}" for alias in snapshot.get("aliases", [])]
    return lines


def line_diff(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(kind, line) with kind "same", "removed" or "added", in reading order."""
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [("same", line) for line in before[i1:i2]]
        else:
            out += [("removed", line) for line in before[i1:i2]]
            out += [("added", line) for line in after[j1:j2]]
    return out
