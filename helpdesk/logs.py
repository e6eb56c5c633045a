"""Logging: every record is redacted (CPR numbers, phones, e-mails) before any handler sees it.

:func:`install_redaction` wraps the process's log-record factory, so the redaction holds for
every logger and handler in the process, however it was started (``helpdesk serve``, ``uvicorn
helpdesk.app:create_app --factory`` with any number of workers, a test): ``create_app`` calls it.
The redaction covers the message, its arguments, the exception text and traceback and the stack
text. URLs in a record (the access log's request line, an httpx log) are percent-decoded first,
so that ``?contact=jens%40example.dk`` or ``q=0101+90+1234`` is redacted as what it says.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, unquote_plus

from helpdesk.privacy import redact_personal_data

# A query string (after "?"), and percent-escapes anywhere else (a path).
_QUERY = re.compile(r"\?[^\s\"'<>]+")
_PERCENT_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _escape_controls(text: str) -> str:
    # A decoded %0A must not start a forged log line.
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def _decode_query(match: re.Match[str]) -> str:
    parts = re.split(r"([&=;])", match[0][1:])
    decoded = "".join(part if part in "&=;" else unquote_plus(part) for part in parts)
    return "?" + _escape_controls(decoded)


def decode_urls(text: str) -> str:
    """Query strings and percent-escapes decoded, control characters shown as escapes."""
    if "%" not in text and "+" not in text:
        return text
    text = _QUERY.sub(_decode_query, text)
    return _PERCENT_ESCAPES.sub(lambda m: _escape_controls(unquote(m[0])), text)


def redact_log_text(text: str) -> str:
    return redact_personal_data(decode_urls(text))


def _redact_argument(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value  # keeps %d and %.1f working; a bare number is not taken for personal data
    return redact_log_text(str(value))


def redact_record(record: logging.LogRecord) -> None:
    """Redact a log record in place: its message, arguments, exception and stack text.

    Arguments are redacted one by one, so that formatters that read them keep working (uvicorn's
    access formatter unpacks the request line from them); when personal data straddles the
    message and its arguments, the whole message is redacted instead. The exception is
    formatted here and kept, redacted, as ``exc_text`` in place of ``exc_info``, so that no
    handler formats the traceback again from the live exception. Idempotent.
    """
    if getattr(record, "helpdesk_redacted", False):
        return
    record.helpdesk_redacted = True
    if isinstance(record.args, Mapping):
        record.args = {key: _redact_argument(value) for key, value in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_redact_argument(value) for value in record.args)
    # A format string is not decoded ("%02d" is no percent-escape); the message made from it is.
    msg = str(record.msg)
    record.msg = redact_personal_data(msg) if record.args else redact_log_text(msg)
    try:
        message: str | None = record.getMessage()
    except (TypeError, ValueError, KeyError):
        message = None  # a bad format string; logging reports it, from the redacted parts
    if message is not None and not record.name.startswith("uvicorn.access"):
        redacted = redact_log_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
    if record.exc_info:
        text = record.exc_text or logging.Formatter().formatException(record.exc_info)
        record.exc_text = redact_log_text(text)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact_log_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_log_text(record.stack_info)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts every record (see :func:`redact_record`); the record
    factory installed by :func:`install_redaction` does the same earlier, for every handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_install_lock = threading.Lock()


def install_redaction() -> None:
    """Redact every log record this process creates, from now on (idempotent)."""
    with _install_lock:
        current = logging.getLogRecordFactory()
        if getattr(current, "helpdesk_redacting", False):
            return
        factory = _redacting_factory(current)
        logging.setLogRecordFactory(factory)


def _redacting_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_redacted(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redact_record(record)
        return record

    make_redacted.helpdesk_redacting = True  # type: ignore[attr-defined]
    return make_redacted


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, process, message and any traceback.
    The message and the traceback are redacted here as well (:func:`redact_log_text`: query
    strings decoded first), so that no handler can leak personal data through this format even
    without the record factory or the filter (a traceback holds SQL parameters, say)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": redact_log_text(record.getMessage()),
        }
        # redact_record keeps a formatted, redacted traceback as exc_text (exc_info cleared).
        if record.exc_info:
            entry["exception"] = redact_log_text(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact_log_text(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact_log_text(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


def logging_config(level: str = "INFO", log_format: str = "plain") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service, given to uvicorn as its log config;
    ``log_format`` "plain" (lines for people) or "json" (one object a line, for collectors)."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": log_format,
        "filters": ["redact"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "helpdesk.logs.RedactingFilter"}},
        # The process id tells the workers of `helpdesk serve --workers N` apart.
        "formatters": {
            "plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"},
            "json": {"()": "helpdesk.logs.JsonFormatter"},
        },
        "handlers": {"default": handler},
        "loggers": {
            "": {"handlers": ["default"], "level": level},
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }
