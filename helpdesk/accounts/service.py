"""Accounts: creating users, checking passwords, bearer tokens, and sign-in rate limiting.

Plain functions over a database session; nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from helpdesk.accounts.models import ApiToken, LoginAttempt, User
from helpdesk.accounts.roles import ROLES
from helpdesk.clock import utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "hd_"  # noqa: S105 (a prefix that marks helpdesk tokens, not a secret)
LOGIN_ATTEMPT_RETENTION = dt.timedelta(days=1)
TOKEN_USE_RECORD_INTERVAL = dt.timedelta(minutes=5)
DEFAULT_TOKEN_LIFETIME = dt.timedelta(days=365)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so that a wrong username takes as long as a
# wrong password (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError(
            "a username is 2 to 64 characters: letters a-z, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.isprintable():
        raise AccountError("a password must not start or end with spaces or hold control codes")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def get_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == normalise_username(username))).first()


def create_user(session: Session, username: str, role: str, password: str) -> User:
    name = check_username(username)
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    check_password(password)
    if get_user(session, name) is not None:
        raise AccountError(f"there is already a user called {name!r}")
    user = User(username=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def set_password(
    session: Session, username: str, password: str, *, keep_tokens: bool = False
) -> User:
    """A new password; every existing sign-in of the user ends, and so do the user's bearer
    tokens unless ``keep_tokens`` (a password change is often the answer to a leak)."""
    user = _existing_user(session, username)
    check_password(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)
    if not keep_tokens:
        revoke_tokens(session, username=user.username)
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Deactivating ends every sign-in and revokes the user's tokens: reactivating the account
    later does not bring back a token that may have been left behind (on a laptop, in a script);
    the user makes new ones."""
    user = _existing_user(session, username)
    user.active = active
    user.session_version += 1
    session.add(user)
    if not active:
        revoke_tokens(session, username=username)
    return user


def _existing_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"there is no user called {normalise_username(username)!r}")
    return user


def verify_credentials(session: Session, username: str, password: str) -> User | None:
    """The active user with that username and password, else None (in the same time either way).

    A hash made with older parameters is upgraded on the way.
    """
    user = get_user(session, username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    return user


def end_sessions(session: Session, user_id: int, session_version: int) -> None:
    """Sign the user out everywhere: every session cookie made before now stops working.

    Only if ``session_version`` is still current, so that an old cookie cannot be used to sign
    out a newer session after the password changed.
    """
    session.execute(
        update(User)
        .where(col(User.id) == user_id, col(User.session_version) == session_version)
        .values(session_version=col(User.session_version) + 1)
    )


def user_for_session(session: Session, user_id: int, session_version: int) -> User | None:
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user


# --- bearer tokens ------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    username: str,
    label: str = "",
    lifetime: dt.timedelta = DEFAULT_TOKEN_LIFETIME,
) -> tuple[str, ApiToken]:
    """A new bearer token for the user: (the token, shown only now; its stored record).

    It stops working after ``lifetime``."""
    user = _existing_user(session, username)
    if not user.active:
        raise AccountError(f"the user {user.username!r} is deactivated")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert user.id is not None
    now = utcnow()
    record = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        prefix=token[:10],
        label=label[:100],
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(record)
    session.flush()
    return token, record


def user_for_token(session: Session, token: str, now: dt.datetime | None = None) -> User | None:
    """The active user a valid, unrevoked and unexpired token belongs to, else None."""
    now = now or utcnow()
    record = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if record is None or record.revoked_at is not None:
        return None
    if record.expires_at is not None and now >= record.expires_at:
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        return None
    if record.last_used_at is None or now - record.last_used_at > TOKEN_USE_RECORD_INTERVAL:
        record.last_used_at = now
        session.add(record)
    return user


def list_tokens(session: Session, username: str | None = None) -> list[tuple[ApiToken, User]]:
    query = select(ApiToken, User).join(User, col(User.id) == col(ApiToken.user_id))
    if username is not None:
        query = query.where(User.username == normalise_username(username))
    return list(session.exec(query.order_by(col(ApiToken.id))).all())


def revoke_tokens(
    session: Session,
    *,
    token: str | None = None,
    prefix: str | None = None,
    username: str | None = None,
) -> int:
    """Revoke one token (given whole, or by the prefix a listing shows) or all of a user's.

    Returns how many were revoked; a prefix that matches several tokens is refused.
    """
    query = select(ApiToken).where(col(ApiToken.revoked_at).is_(None))
    if token is not None:
        query = query.where(ApiToken.token_hash == hash_token(token))
    elif prefix is not None:
        query = query.where(ApiToken.prefix == prefix)
    elif username is not None:
        user = _existing_user(session, username)
        query = query.where(ApiToken.user_id == user.id)
    else:
        raise AccountError("say which token to revoke")
    records = list(session.exec(query).all())
    if prefix is not None and len(records) > 1:
        raise AccountError(f"{len(records)} tokens start with {prefix!r}; give the whole token")
    now = utcnow()
    for record in records:
        record.revoked_at = now
        session.add(record)
    return len(records)


# --- sign-in rate limiting ----------------------------------------------------------------------


def address_hash(secret_key: str, address: str) -> str:
    """A keyed hash of a network address: enough to count attempts, not to recover it."""
    return hmac.new(secret_key.encode(), address.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LoginLimits:
    """How failed sign-ins are counted (see :func:`judge_attempt`)."""

    #: Failures allowed for one (account, address) pair within ``window``.
    per_pair: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    #: Failures allowed for one account from every address together within ``account_window``.
    per_account: int = 50
    account_window: dt.timedelta = dt.timedelta(minutes=5)
    #: Failures from one address (any account) within ``window`` before it is slowed down.
    address_slow_after: int = 20
    #: The longest wait imposed on a slowed-down address, in seconds.
    max_delay_seconds: int = 10


@dataclass(frozen=True)
class AttemptDecision:
    attempt_id: int
    allowed: bool
    retry_after_seconds: int = 0
    #: Seconds to wait before checking the password (an address with many failures).
    delay_seconds: int = 0


_UNSUCCESSFUL = or_(col(LoginAttempt.succeeded).is_(None), col(LoginAttempt.succeeded).is_(False))


def record_attempt(session: Session, username: str, address: str, now: dt.datetime) -> int:
    """Write the attempt down first (committed by the caller before it is judged)."""
    attempt = LoginAttempt(
        username=normalise_username(username)[:64], address_hash=address, attempted_at=now
    )
    session.add(attempt)
    session.flush()
    assert attempt.id is not None
    return attempt.id


def _failures(
    session: Session, since: dt.datetime, *conditions: Any
) -> tuple[int, dt.datetime | None]:
    count, oldest = session.execute(
        select(func.count(), func.min(LoginAttempt.attempted_at)).where(
            col(LoginAttempt.attempted_at) > since, _UNSUCCESSFUL, *conditions
        )
    ).one()
    return int(count), oldest


def judge_attempt(
    session: Session, attempt_id: int, limits: LoginLimits, now: dt.datetime
) -> AttemptDecision:
    """Allow, refuse or slow down a sign-in attempt, by the unsuccessful attempts before it.

    - One account from one address: refused after ``limits.per_pair`` failures in the window.
      An attacker elsewhere therefore cannot lock a colleague out of their own desk.
    - One account from everywhere: refused only after the much higher ``limits.per_account``
      in the shorter ``account_window`` (a distributed guess at one password).
    - One address, any accounts: never refused (a library's NAT hides many staff) but slowed,
      one more second per failure over ``address_slow_after``.

    Each attempt is committed before it is judged and counts every attempt committed by then
    (its own too), so N processes racing cannot let more than the limit through: the attempt
    whose row was committed k-th is judged after k rows exist and sees at least k. (Counting
    only rows with a smaller id would be wrong: ids are handed out before commits, and commits
    need not come in id order.) Pending attempts count as unsuccessful.
    """
    attempt = session.get(LoginAttempt, attempt_id)
    assert attempt is not None
    by_account = col(LoginAttempt.username) == attempt.username
    by_address = col(LoginAttempt.address_hash) == attempt.address_hash
    for since, window, limit, conditions in (
        (now - limits.window, limits.window, limits.per_pair, (by_account, by_address)),
        (now - limits.account_window, limits.account_window, limits.per_account, (by_account,)),
    ):
        count, oldest = _failures(session, since, *conditions)
        if count > limit and oldest is not None:
            retry = max(1, int((oldest + window - now).total_seconds()) + 1)
            finish_attempt(session, attempt_id, succeeded=False)
            return AttemptDecision(attempt_id, allowed=False, retry_after_seconds=retry)
    # This attempt itself is among the count: once ``address_slow_after`` attempts from the
    # address have failed, the next one waits 1 second, the one after 2, and so on.
    from_address, _ = _failures(session, now - limits.window, by_address)
    excess = from_address - limits.address_slow_after
    delay = min(max(0, excess), limits.max_delay_seconds)
    return AttemptDecision(attempt_id, allowed=True, delay_seconds=delay)


def unlock(session: Session, username: str) -> int:
    """Forget the user's failed sign-ins (an admin's decision): every lock on them is lifted.

    Returns how many failed attempts were forgotten. Attempts still being checked are left.
    """
    user = _existing_user(session, username)
    result = session.execute(
        delete(LoginAttempt).where(
            col(LoginAttempt.username) == user.username, col(LoginAttempt.succeeded).is_(False)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def finish_attempt(session: Session, attempt_id: int, succeeded: bool) -> None:
    session.execute(
        update(LoginAttempt).where(col(LoginAttempt.id) == attempt_id).values(succeeded=succeeded)
    )


def purge_login_attempts(session: Session, now: dt.datetime | None = None) -> int:
    cutoff = (now or utcnow()) - LOGIN_ATTEMPT_RETENTION
    result = session.execute(delete(LoginAttempt).where(col(LoginAttempt.attempted_at) < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
