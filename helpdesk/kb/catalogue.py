"""The guide slugs the knowledge base must hold (from the topic catalogue, shared/kb-topics.md).

Slugs are public identifiers (the API returns them, URLs and evaluation sets use them): never
rename one. A test checks this list against the catalogue when it is present.
"""

REQUIRED_SLUGS: tuple[str, ...] = (
    "mitid-create-app",
    "mitid-no-danish-id",
    "mitid-new-phone",
    "mitid-lost-phone",
    "mitid-code-display",
    "mitid-locked",
    "mitid-child",
    "scam-fraud",
    "power-of-attorney",
    "digital-post-read",
    "digital-post-exemption",
    "digital-post-notifications",
    "digital-post-access-others",
    "passport-book",
    "passport-child",
    "passport-lost",
    "driving-licence-renew",
    "health-card",
    "change-address",
    "cpr-newcomer",
    "nemkonto",
    "tax-annual-statement",
    "tax-preliminary",
    "pension-apply",
    "housing-benefit",
    "aula-login",
    "health-online",
    "library-login",
    "vote-early",
    "email-account",
    "smartphone-basics",
)
