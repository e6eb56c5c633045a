"""Accounts: argon2 passwords, hashed bearer tokens, revocation, rate limiting in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.accounts.models import ApiToken, LoginAttempt, User
from helpdesk.accounts.service import (
    AccountError,
    LoginLimits,
    create_token,
    create_user,
    finish_attempt,
    judge_attempt,
    purge_login_attempts,
    record_attempt,
    revoke_tokens,
    set_active,
    set_password,
    user_for_token,
    verify_credentials,
)
from helpdesk.db import session_scope
from tests.accounts.helpers import PASSWORD, make_token, make_user
from tests.conftest import clear_tables

ACCOUNT_TABLES = ("api_token", "login_attempt", "user_account")


@pytest.fixture
def accounts(db_engine: Engine) -> Iterator[Engine]:
    clear_tables(db_engine, *ACCOUNT_TABLES)
    yield db_engine
    clear_tables(db_engine, *ACCOUNT_TABLES)


def test_passwords_are_stored_as_argon2id_hashes(accounts: Engine) -> None:
    make_user(accounts, "Sara", "coordinator")
    with Session(accounts) as session:
        user = session.exec(select(User)).one()
    assert user.username == "sara"
    assert user.role == "coordinator"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    with session_scope(accounts) as session:
        assert verify_credentials(session, "SARA", PASSWORD) is not None
        assert verify_credentials(session, "sara", PASSWORD + "x") is None
        assert verify_credentials(session, "nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("username", "role", "password", "problem"),
    [
        ("sara", "staff", "short", "at least 10"),
        ("x", "staff", PASSWORD, "username"),
        ("sara lund", "staff", PASSWORD, "username"),
        ("sara", "boss", PASSWORD, "role"),
    ],
)
def test_bad_accounts_are_refused(
    accounts: Engine, username: str, role: str, password: str, problem: str
) -> None:
    with pytest.raises(AccountError, match=problem), session_scope(accounts) as session:
        create_user(session, username, role, password)


def test_duplicate_username_is_refused(accounts: Engine) -> None:
    make_user(accounts, "sara")
    with pytest.raises(AccountError, match="already"), session_scope(accounts) as session:
        create_user(session, "Sara", "staff", PASSWORD)


def test_new_password_and_deactivation_end_sign_ins(accounts: Engine) -> None:
    make_user(accounts, "sara")
    with session_scope(accounts) as session:
        set_password(session, "sara", "another long password")
    with session_scope(accounts) as session:
        user = verify_credentials(session, "sara", "another long password")
        assert user is not None
        assert user.session_version == 2
        set_active(session, "sara", False)
    with session_scope(accounts) as session:
        assert verify_credentials(session, "sara", "another long password") is None


def test_tokens_are_stored_hashed_and_can_be_revoked(accounts: Engine) -> None:
    make_user(accounts, "api-client")
    token = make_token(accounts, "api-client")
    other = make_token(accounts, "api-client")
    assert token.startswith("hd_")
    assert len(token) > 40
    with Session(accounts) as session:
        records = session.exec(select(ApiToken)).all()
    stored = {r.token_hash for r in records}
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert all(token not in (r.token_hash, r.prefix, r.label) for r in records)
    with session_scope(accounts) as session:
        user = user_for_token(session, token)
        assert user is not None
        assert user.username == "api-client"
        assert user_for_token(session, token + "x") is None
        assert revoke_tokens(session, prefix=token[:10]) == 1
    with session_scope(accounts) as session:
        assert user_for_token(session, token) is None
        assert user_for_token(session, other) is not None
        set_active(session, "api-client", False)
    with session_scope(accounts) as session:
        assert user_for_token(session, other) is None  # a deactivated user's tokens stop
        # ... for good: deactivating revoked them, so reactivating does not bring them back.
        assert revoke_tokens(session, username="api-client") == 0
        set_active(session, "api-client", True)
    with session_scope(accounts) as session:
        assert user_for_token(session, other) is None


def test_rate_limit_counts_in_the_database_and_holds_under_races(accounts: Engine) -> None:
    """Twelve attempts at once (each its own connection, as separate processes would be):
    never more than the limit reach the password check (a burst may be refused whole: each
    attempt counts every one written before it is judged). One after another, exactly the
    limit gets through."""
    now = dt.datetime.now(dt.UTC)
    window = dt.timedelta(minutes=15)
    barrier = threading.Barrier(12)
    allowed: list[bool] = []

    def attempt() -> None:
        barrier.wait()
        with session_scope(accounts) as session:
            attempt_id = record_attempt(session, "sara", "address-a", now)
        with session_scope(accounts) as session:
            decision = judge_attempt(
                session, attempt_id, LoginLimits(per_pair=5, window=window), now
            )
            if decision.allowed:
                finish_attempt(session, attempt_id, succeeded=False)
        allowed.append(decision.allowed)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(allowed) == 12
    assert sum(allowed) <= 5
    clear_tables(accounts, "login_attempt")
    in_turn = []
    for _ in range(7):
        with session_scope(accounts) as session:
            attempt_id = record_attempt(session, "sara", "address-a", now)
        with session_scope(accounts) as session:
            decision = judge_attempt(
                session, attempt_id, LoginLimits(per_pair=5, window=window), now
            )
            if decision.allowed:
                finish_attempt(session, attempt_id, succeeded=False)
        in_turn.append(decision.allowed)
        assert decision.allowed or decision.retry_after_seconds > 0
    assert in_turn == [True] * 5 + [False] * 2
    # Another account from another address is not affected; the window passes.
    with session_scope(accounts) as session:
        other = record_attempt(session, "jens", "address-b", now)
    with session_scope(accounts) as session:
        assert judge_attempt(session, other, LoginLimits(per_pair=5, window=window), now).allowed
    later = now + window + dt.timedelta(seconds=1)
    with session_scope(accounts) as session:
        again = record_attempt(session, "sara", "address-a", later)
    with session_scope(accounts) as session:
        assert judge_attempt(session, again, LoginLimits(per_pair=5, window=window), later).allowed
    with session_scope(accounts) as session:
        assert purge_login_attempts(session, now + dt.timedelta(days=2)) == 9
        assert session.exec(select(LoginAttempt)).all() == []


def test_tokens_expire_and_end_with_a_new_password_unless_kept(accounts: Engine) -> None:
    make_user(accounts, "api-client")
    with session_scope(accounts) as session:
        short, record = create_token(session, "api-client", "short", dt.timedelta(days=2))
        assert record.expires_at is not None
        assert record.expires_at - record.created_at == dt.timedelta(days=2)
        kept, _ = create_token(session, "api-client", "kept")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    with session_scope(accounts) as session:
        assert user_for_token(session, short) is not None
        assert user_for_token(session, short, now=later) is None  # expired
        assert user_for_token(session, kept, now=later) is not None  # 365 days by default
        assert user_for_token(session, kept, now=later + dt.timedelta(days=363)) is None
    with session_scope(accounts) as session:
        set_password(session, "api-client", "another long password", keep_tokens=True)
    with session_scope(accounts) as session:
        assert user_for_token(session, kept) is not None
        set_password(session, "api-client", "yet another password")
    with session_scope(accounts) as session:
        assert user_for_token(session, kept) is None
