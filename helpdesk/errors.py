"""The domain's errors: what cannot be done, as a stable code (and a problem per input field).

Every domain package raises subclasses of :class:`DomainError`. They name *what* went wrong
(``code``, with ``params`` for the message); the web layer (:mod:`helpdesk.web.errors`) decides
how that is answered: the HTTP status of each code and its message in the user's language. So
this module knows nothing of HTTP, and a domain never imports the web layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError


class DomainError(Exception):
    """An operation that cannot be done; ``code`` is a key of :data:`helpdesk.web.errors.MESSAGES`
    and ``params`` fill in its message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class FieldError:
    """One input field's problem.

    ``loc`` is the field's path (``("steps", 2)``), ``type`` the kind of problem (pydantic's
    error type, such as ``string_too_long``, or the domain's own, such as ``phrase_taken``) with
    ``ctx`` its numbers and names, and ``message`` the English wording (for logs, the CLI and
    the API's ``problem``). The web layer translates by ``type`` and ``ctx``, never by wording.
    """

    loc: tuple[str | int, ...]
    message: str
    type: str = "value_error"
    ctx: Mapping[str, Any] = field(default_factory=dict)


def field_errors(exc: ValidationError, strip: int = 0) -> list[FieldError]:
    """A pydantic validation error as field errors (``strip`` drops leading ``loc`` parts)."""
    return [
        FieldError(tuple(item["loc"])[strip:], item["msg"], item["type"], item.get("ctx") or {})
        for item in exc.errors()
    ]
