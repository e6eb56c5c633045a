"""The guide slugs the knowledge base must hold (from the topic catalogue, docs/kb-topics.md).

docs/kb-topics.md is the repository's copy of shared/kb-topics.md. Slugs are public identifiers
(the API returns them, URLs and evaluation sets use them): never rename one. A test checks this
list against the copy's table rows and its "Added after the first review" list, and the copy
against shared/kb-topics.md wherever that file sits beside the checkout.
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
    # Added after the first review: what citizens also bring.
    "digital-post-reply",
    "scan-upload-documents",
    "udbetaling-danmark",
    "residence-permit",
    "jobnet-a-kasse",
    "tax-card-new-job",
    "doctor-change",
    "eu-health-card",
    "online-banking",
    "rejsekort-app",
    "eboks-private-post",
    "childcare-place",
    "housing-waiting-list",
    "su-student",
    "when-someone-dies",
    "residence-certificate",
    "driving-licence-app",
)
