"""Demo sign-in accounts for ``helpdesk serve --demo``: one per role, with published passwords.

The README's "Demo sign-in:" line shows them (``tests/demo/test_accounts.py`` holds the two
together). They exist only in a demo's database: :func:`helpdesk.lifecycle.prepare_data` loads
them only with ``HELPDESK_DEMO`` in development, and production settings refuse the demo.
Loading is idempotent; an account that already exists is left as it is (its password too).
"""

from __future__ import annotations

from sqlmodel import Session

from helpdesk.accounts.service import create_user, get_user

#: (username, role, password). The passwords are public: this is demo data.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("staff", "staff", "demo-staff-pass"),
    ("coordinator", "coordinator", "demo-coordinator-pass"),
    ("admin", "admin", "demo-admin-pass"),
)


def load_demo_accounts(session: Session) -> dict[str, int]:
    """The demo accounts that are missing; how many were made."""
    made = 0
    for username, role, password in DEMO_ACCOUNTS:
        if get_user(session, username) is None:
            create_user(session, username, role, password)
            made += 1
    return {"demo_accounts_created": made}
