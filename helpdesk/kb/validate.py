"""Whole-knowledge-base checks, beyond what one guide's own model validates.

``helpdesk kb check`` runs these on the files; the import and (later) the editor run them too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

from helpdesk import REFERENCE_LANGUAGES
from helpdesk.kb.catalogue import REQUIRED_SLUGS
from helpdesk.kb.content import KnowledgeBase
from helpdesk.normalize import normalize

# Portals whose home page supports no fact: a source there must be the page that says it.
PORTALS: tuple[str, ...] = ("aarhus.dk", "borger.dk")


def home_page_problem(title: str, url: str) -> str | None:
    """Why a source that links only to a site's home page is not a citation, or None.

    A portal's home page (aarhus.dk, borger.dk and their subdomains) is never one; another
    site's home page is one only while the title names just the site, not a page on it
    ("skat.dk (Skattestyrelsen)" may link https://skat.dk, "borger.dk: Brevstemme" may not).
    """
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    if any(host == portal or host.endswith("." + portal) for portal in PORTALS):
        return f"links the home page of {host}; link the page that says it"
    if re.search(r":\s*\S", title):
        return "its title names a page, but the link is the site's home page"
    return None


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

    # A source is the deep page a fact comes from, not a site's front door.
    for guide in kb.guides:
        for language, version in guide.translations.items():
            for source in version.sources:
                problem = home_page_problem(source.title, source.url)
                if problem:
                    problems.append(f"{guide.slug}/{language}: source {source.url} {problem}")

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
