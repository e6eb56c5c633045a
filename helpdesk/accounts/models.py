"""Tables of the accounts package: users, API tokens (hashed) and sign-in attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from helpdesk.clock import utcnow
from helpdesk.dbtypes import UTCDateTime


class User(SQLModel, table=True):
    """A staff account. Citizens have no accounts."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('staff', 'coordinator', 'admin')", name="ck_user_account_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: Lower case, unique.
    username: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    #: An argon2id hash in PHC format ("$argon2id$v=19$..."); never the password.
    password_hash: str = Field(max_length=255)
    active: bool = True
    #: Part of every session cookie: raising it signs the user out everywhere (a new password,
    #: a deactivated account).
    session_version: int = 1
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_login_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class ApiToken(SQLModel, table=True):
    """A bearer token for an API client. Only the SHA-256 of the token is stored: the token is
    shown once, when it is made, and a database leak does not leak usable tokens."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    #: The first characters of the token, to tell tokens apart in listings ("hd_AbC…").
    prefix: str = Field(max_length=16)
    label: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_used_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    revoked_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    #: After this the token no longer works (``HELPDESK_TOKEN_LIFETIME_DAYS`` after it was made).
    expires_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, for rate limiting across every service process.

    The network address is kept only as a keyed hash, and attempts are deleted once they are
    older than a day.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "attempted_at"),
        Index("ix_login_attempt_address_at", "address_hash", "attempted_at"),
        Index("ix_login_attempt_pair_at", "username", "address_hash", "attempted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    address_hash: str = Field(max_length=64)
    attempted_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    #: None while the password is being checked, then True or False.
    succeeded: bool | None = None
