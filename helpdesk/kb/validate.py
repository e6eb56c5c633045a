"""Whole-knowledge-base checks, beyond what one guide's own model validates.

``helpdesk kb check`` runs these on the files; the import and (later) the editor run them too.
"""

from __future__ import annotations

from collections import defaultdict

from helpdesk import REFERENCE_LANGUAGES
from helpdesk.kb.catalogue import REQUIRED_SLUGS
from helpdesk.kb.content import KnowledgeBase
from helpdesk.normalize import normalize


def check_knowledge_base(kb: KnowledgeBase) -> list[str]:
    """Readable problems, one per line; an empty list means the knowledge base is valid."""
    problems: list[str] = []
    slugs = [guide.slug for guide in kb.guides]
    for slug in REQUIRED_SLUGS:
        if slug not in slugs:
            problems.append(f"{slug}: required guide is missing")
    for slug in sorted({s for s in slugs if slugs.count(s) > 1}):
        problems.append(f"{slug}: more than one guide has this slug")

    for guide in kb.guides:
        for language in REFERENCE_LANGUAGES:
            version = guide.translations.get(language)
            if version is None:
                problems.append(f"{guide.slug}: has no {language} version (da and en are required)")
            elif version.review_status != "reviewed":
                problems.append(f"{guide.slug}/{language}: reference versions must be reviewed")

    # A search phrase names one guide: shared by two, it would make triage guess between them.
    owners: defaultdict[str, set[str]] = defaultdict(set)
    examples: dict[str, str] = {}
    for guide in kb.guides:
        for language, version in guide.translations.items():
            for phrase in version.phrases:
                key = normalize(phrase)
                owners[key].add(guide.slug)
                examples.setdefault(key, f"{language}: {phrase!r}")
    for intent in kb.intents:
        for language, phrases in intent.phrases.items():
            for phrase in phrases:
                key = normalize(phrase)
                owners[key].add(f"intent:{intent.name}")
                examples.setdefault(key, f"{language}: {phrase!r}")
    for key, names in sorted(owners.items()):
        if len(names) > 1:
            problems.append(
                f"search phrase {examples[key]} is shared by {', '.join(sorted(names))}"
            )
    return problems
