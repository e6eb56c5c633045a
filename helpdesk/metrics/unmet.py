"""Unmet demand: the questions no guide answered, grouped so that a coordinator sees which guide
to write next.

A question counts when triage handed it to a person (``human``) or the citizen said the answer
did not help, and its redacted text is still kept (``HELPDESK_QUESTION_RETENTION_DAYS``). The
newest :data:`MAX_QUESTIONS` of the period are grouped: identical questions (after
:func:`helpdesk.normalize.normalize`) first, then each distinct text joins the biggest
earlier group whose leading text is similar enough (rapidfuzz), or starts a new group. Only
groups of five or more are shown with their examples; smaller ones are folded into "other", and
"other" is shown as "<5" when it holds fewer than five. No total of the groups is published (it
is capped and limited by retention), so there is nothing to subtract a hidden count from and no
second count is hidden here (:mod:`helpdesk.metrics.suppression` for the tables).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy import text
from sqlmodel import Session, col, select

from helpdesk.events.models import UNMET_CONDITION, TriageEvent
from helpdesk.metrics.queries import Period
from helpdesk.metrics.suppression import THRESHOLD, Cell
from helpdesk.normalize import normalize

#: The newest questions considered: enough to see the pattern, few enough for well under a
#: second on any volume.
MAX_QUESTIONS = 2000
#: How alike two questions must be (rapidfuzz, 0-100) to be one group.
SIMILARITY = 75
EXAMPLES = 3
OTHER = "other"


@dataclass
class Cluster:
    #: Stable for the same questions: a hash of the group's most frequent text.
    id: str
    #: None when suppressed (fewer than five, or hidden so a small one cannot be worked out).
    count: int | None
    suppressed: bool
    #: Languages of the questions, most frequent first.
    languages: list[str]
    #: Up to three questions (already redacted when stored), most frequent first.
    examples: list[str]
    #: All the group's questions (for "write a guide from these").
    questions: list[str] = field(repr=False)


@dataclass
class _Group:
    leader: str
    questions: list[tuple[str, str]] = field(default_factory=list)  # (text, language)
    texts: Counter[str] = field(default_factory=Counter)


def unmet_questions(
    session: Session, start: dt.date, end: dt.date, zone: ZoneInfo, limit: int = MAX_QUESTIONS
) -> list[tuple[str, str]]:
    """(question, language) of the period's unmet questions, newest first; the period's days
    are calendar days in ``zone``."""
    first, last = Period(start, end).utc_bounds(zone)
    rows = session.exec(
        select(TriageEvent.question, TriageEvent.language)
        .where(
            text(UNMET_CONDITION),
            col(TriageEvent.created_at) >= first,
            col(TriageEvent.created_at) < last,
        )
        .order_by(col(TriageEvent.created_at).desc())
        .limit(limit)
    ).all()
    return [(question, language) for question, language in rows if question]


def _similarity(a: str, b: str) -> float:
    # token_set_ratio alone calls "mitid" and "mitid on my new phone" identical (one's words are
    # a subset); averaging with token_sort_ratio keeps short and long questions apart.
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def cluster_questions(questions: list[tuple[str, str]]) -> list[_Group]:
    by_text: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for question, language in questions:
        by_text[normalize(question)].append((question, language))
    groups: list[_Group] = []
    # Leaders' words point at their groups, so a text is compared only with groups it shares a
    # word with (a few comparisons each, instead of one per group).
    index: dict[str, list[int]] = defaultdict(list)
    for normalized in sorted(by_text, key=lambda t: (-len(by_text[t]), t)):
        words = set(normalized.split())
        candidates = sorted({i for word in words for i in index.get(word, ())})
        best, best_score = None, 0.0
        for i in candidates:
            score = _similarity(normalized, groups[i].leader)
            if score >= SIMILARITY and score > best_score:
                best, best_score = i, score
        if best is None:
            best = len(groups)
            groups.append(_Group(leader=normalized))
            for word in words:
                index[word].append(best)
        group = groups[best]
        group.questions.extend(by_text[normalized])
        group.texts[normalized] += len(by_text[normalized])
    return groups


def _cluster_id(leader: str) -> str:
    return hashlib.sha256(leader.encode("utf-8")).hexdigest()[:12]


def unmet_demand(
    session: Session,
    start: dt.date,
    end: dt.date,
    location: int | None = None,
    *,
    zone: ZoneInfo,
    limit: int = MAX_QUESTIONS,
) -> list[Cluster]:
    """Groups of similar unmet questions, biggest first, "other" (the small groups) last.

    ``location`` is accepted for symmetry with the other figures but does not narrow anything:
    triage events (kiosk, chat, web) are not tied to a place.
    """
    del location
    groups = cluster_questions(unmet_questions(session, start, end, zone, limit))
    shown = [g for g in groups if len(g.questions) >= THRESHOLD]
    small = [g for g in groups if len(g.questions) < THRESHOLD]
    counts = {_cluster_id(g.leader): len(g.questions) for g in shown}
    other_questions = [q for g in small for q in g.questions]
    if other_questions:
        counts[OTHER] = len(other_questions)
    published = {
        key: Cell(key, n if n >= THRESHOLD else None, n < THRESHOLD) for key, n in counts.items()
    }
    clusters: list[Cluster] = []
    for group in sorted(shown, key=lambda g: (-len(g.questions), g.leader)):
        cell = published[_cluster_id(group.leader)]
        originals: dict[str, str] = {}
        for question, _ in group.questions:
            originals.setdefault(normalize(question), question)
        clusters.append(
            Cluster(
                id=cell.key,
                count=cell.count,
                suppressed=cell.suppressed,
                languages=_languages(group.questions),
                examples=[originals[t] for t, _ in group.texts.most_common(EXAMPLES)],
                questions=[q for q, _ in group.questions],
            )
        )
    if other_questions:
        cell = published[OTHER]
        clusters.append(
            Cluster(
                id=OTHER,
                count=cell.count,
                suppressed=cell.suppressed,
                languages=_languages(other_questions),
                # Each of these was asked by fewer than five people: no examples are shown.
                examples=[],
                questions=[q for q, _ in other_questions],
            )
        )
    return clusters


def _languages(questions: list[tuple[str, str]]) -> list[str]:
    return [language for language, _ in Counter(lang for _, lang in questions).most_common()]
